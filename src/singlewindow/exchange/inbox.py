"""The pull inbox: leased reads, acks by the recipient, and the event cursor for SSE."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from singlewindow.exchange.models import InboxEntry as Entry
from singlewindow.exchange.models import Message as Msg
from singlewindow.kit import clock
from singlewindow.kit.db import Database, claim_rows, in_list
from singlewindow.kit.errors import Finding, NotFound
from singlewindow.kit.ids import new_id


def _item(entry: Entry, message: Msg) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "sender": message.sender,
        "recipient": message.recipient,
        "correlation_id": message.correlation_id,
        "payload": message.payload,
        "context": message.context,
        "digest": message.digest,
        "created_at": message.created_at,
        "cursor": entry.seq,
        "delivered_at": entry.delivered_at,
        "lease_until": entry.lease_until,
        "deliveries": entry.leases,
    }


def lease(
    db: Database,
    recipient: str,
    limit: int,
    lease_s: float,
    on_read: Callable[[Session, list[dict[str, Any]]], None] | None = None,
) -> list[dict[str, Any]]:
    """Leases up to ``limit`` unacked messages for ``lease_s`` seconds (one transaction).

    A message not acked before its lease ends is handed out again; two pollers never hold the
    same message at once (``kit.db.claim_rows``).
    """
    now = clock.now()
    free = (Entry.recipient == recipient) & Entry.acked_at.is_(None)
    free &= or_(Entry.lease_until.is_(None), Entry.lease_until <= now)
    with db.unit_of_work() as session:
        token = new_id()
        values = {
            "lease_until": now + timedelta(seconds=lease_s),
            "lease_token": token,
            "leases": Entry.leases + 1,
        }
        if not claim_rows(session, Entry.seq, free, Entry.seq, limit, values):
            return []
        rows = session.execute(
            select(Entry, Msg)
            .join(Msg, Msg.id == Entry.envelope_id)
            .where(Entry.lease_token == token)
            .order_by(Entry.seq)
        )
        items = [_item(e, m) for e, m in rows]
        if on_read is not None and items:
            on_read(session, items)  # e.g. the audit entry of an agency's read, same commit
        return items


def ack(session: Session, recipient: str, ids: list[str]) -> list[str]:
    """Acks messages addressed to ``recipient``. Idempotent; someone else's id is 404."""
    wanted = list(dict.fromkeys(ids))
    padded = in_list(wanted)
    found = set(
        session.scalars(
            select(Msg.id).where(
                Msg.id.in_(padded), Msg.recipient == recipient, Msg.direction == "out"
            )
        )
    )
    unknown = [i for i in wanted if i not in found]
    if unknown:
        raise NotFound(
            "Message not found in your inbox",
            "收件箱中未找到该报文",
            code="message_not_found",
            findings=[
                Finding("/ids", "not_found", f"unknown message {i}", f"未知报文 {i}")
                for i in unknown
            ],
        )
    now = clock.now()
    session.execute(
        update(Msg)
        .where(Msg.id.in_(padded), Msg.state != "acked")
        .values(state="acked", acked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Msg)
        .where(Msg.id.in_(padded), Msg.delivered_at.is_(None))
        .values(delivered_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Entry)
        .where(Entry.envelope_id.in_(padded), Entry.acked_at.is_(None))
        .values(acked_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return wanted


def events_after(
    db: Database, recipient: str, cursor: int, limit: int = 100
) -> list[dict[str, Any]]:
    with db.read_only() as session:
        rows = session.execute(
            select(Entry, Msg)
            .join(Msg, Msg.id == Entry.envelope_id)
            .where(Entry.recipient == recipient, Entry.seq > cursor)
            .order_by(Entry.seq)
            .limit(limit)
        )
        return [_item(e, m) for e, m in rows]
