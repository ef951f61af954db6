"""Database steps of delivery (synchronous; the async worker runs them in a thread)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from singlewindow.exchange.channels.config import ChannelConfig, channel_for
from singlewindow.exchange.models import InboxEntry
from singlewindow.exchange.models import Message as Msg
from singlewindow.kit import clock
from singlewindow.kit.db import Database, in_list
from singlewindow.kit.settings import Settings
from singlewindow.kit.signals import INBOX, notify_other_processes

OPEN = ("pending", "published")


@dataclass(frozen=True)
class Snapshot:
    channel: ChannelConfig
    live: dict[str, int]  # envelope id → generation, for messages still waiting for delivery


def snapshot(db: Database, recipient: str, ids: list[str]) -> Snapshot:
    with db.read_only() as session:
        rows = session.execute(
            select(Msg.id, Msg.generation).where(
                Msg.id.in_(in_list(ids)), Msg.recipient == recipient, Msg.state.in_(OPEN)
            )
        ).all()
        return Snapshot(channel_for(session, recipient), {r.id: r.generation for r in rows})


def channel(db: Database, recipient: str) -> ChannelConfig:
    with db.read_only() as session:
        return channel_for(session, recipient)


def _insert_inbox(session: Session, recipient: str, ids: list[str]) -> None:
    now = clock.now()
    rows = [
        {"envelope_id": i, "recipient": recipient, "delivered_at": now, "leases": 0} for i in ids
    ]
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(InboxEntry)
    session.execute(ins.on_conflict_do_nothing(index_elements=["envelope_id"]), rows)


def deliver_to_inbox(
    db: Database,
    recipient: str,
    ids: list[str],
    also: Callable[[Session], None] | None = None,
) -> None:
    """Idempotent: the inbox is unique by envelope id, so a redelivery adds nothing. ``also``
    joins the same transaction (the embedded queue's ack: delivered and acked together)."""
    if not ids:
        return
    with db.unit_of_work() as session:
        _insert_inbox(session, recipient, ids)
        mark_delivered(session, ids, acked=False)
        notify_other_processes(session, "sw_inbox", [recipient])
        if also is not None:
            also(session)
    INBOX.notify([recipient])


def mark_delivered(session: Session, ids: list[str], *, acked: bool) -> None:
    now = clock.now()
    values: dict[str, object] = {"state": "acked" if acked else "delivered", "delivered_at": now}
    if acked:
        values["acked_at"] = now
    session.execute(
        update(Msg)
        .where(Msg.id.in_(in_list(ids)), Msg.state.in_(OPEN))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def record_delivered(db: Database, ids: list[str], *, acked: bool) -> None:
    if ids:
        with db.unit_of_work() as session:
            mark_delivered(session, ids, acked=acked)


def backoff(attempts: int, settings: Settings) -> float:
    """Exponential backoff with full jitter (AWS architecture blog, 2015)."""
    ceiling = min(
        settings.retry_max_seconds, settings.retry_base_seconds * 2 ** max(attempts - 1, 0)
    )
    return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography


def record_failures(
    db: Database, failures: dict[str, str], settings: Settings
) -> dict[str, float | None]:
    """attempts+1 per failed delivery. Returns the retry delay per id, ``None`` when now dead."""
    out: dict[str, float | None] = {}
    now = clock.now()
    with db.unit_of_work() as session:
        for message_id, reason in failures.items():
            row = session.get(Msg, message_id, with_for_update=not db.is_sqlite)
            if row is None or row.state not in OPEN:
                continue
            row.attempts += 1
            row.last_error = reason
            if row.attempts >= settings.max_attempts:
                row.state, row.dead_at, row.next_attempt_at = "dead", now, None
                out[message_id] = None
            else:
                delay = backoff(row.attempts, settings)
                # keep the resend loop away while the transport holds the retry
                row.next_attempt_at = now + timedelta(seconds=delay + settings.resend_after_seconds)
                out[message_id] = delay
    return out
