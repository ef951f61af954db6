"""Operator views: the message monitor, backlog per recipient, dead letters and redrive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from singlewindow.exchange.models import Message as Msg
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, NotFound


def find_messages(
    session: Session,
    *,
    recipient: str | None = None,
    sender: str | None = None,
    kind: str | None = None,
    correlation_id: str | None = None,
    state: str | None = None,
    direction: str | None = None,
    after_id: str | None = None,
    limit: int = 100,
) -> list[Msg]:
    query = select(Msg).order_by(Msg.id).limit(limit)
    for column, value in (
        (Msg.recipient, recipient),
        (Msg.sender, sender),
        (Msg.kind, kind),
        (Msg.correlation_id, correlation_id),
        (Msg.state, state),
        (Msg.direction, direction),
    ):
        if value:
            query = query.where(column == value)
    if after_id:
        query = query.where(Msg.id > after_id)
    return list(session.scalars(query))


def backlog(session: Session) -> list[dict[str, Any]]:
    counts = {
        s: func.sum(case((Msg.state == s, 1), else_=0))
        for s in ("pending", "published", "delivered", "acked", "dead")
    }
    oldest = func.min(case((Msg.state == "pending", Msg.created_at), else_=None))
    rows = session.execute(
        select(Msg.recipient, oldest.label("oldest"), *(c.label(s) for s, c in counts.items()))
        .where(Msg.direction == "out")
        .group_by(Msg.recipient)
        .order_by(Msg.recipient)
    ).all()
    now = clock.now()
    out = []
    for r in rows:
        oldest_at: datetime | None = r.oldest
        if isinstance(oldest_at, str):  # SQLite returns MIN() of a datetime as text
            oldest_at = datetime.fromisoformat(oldest_at).replace(tzinfo=now.tzinfo)
        elif oldest_at is not None and oldest_at.tzinfo is None:
            oldest_at = oldest_at.replace(tzinfo=now.tzinfo)
        out.append(
            {
                "recipient": r.recipient,
                **{s: int(getattr(r, s) or 0) for s in counts},
                "oldest_pending_age_s": (now - oldest_at).total_seconds() if oldest_at else None,
            }
        )
    return out


def redrive(
    session: Session, *, message_id: str | None = None, recipient: str | None = None
) -> list[str]:
    """Puts dead letters back in the outbox with a fresh attempt budget and broker id."""
    query = select(Msg).where(Msg.state == "dead", Msg.direction == "out")
    if message_id:
        row = session.get(Msg, message_id)
        if row is None or row.direction != "out":
            raise NotFound("Message not found", "未找到报文", code="message_not_found")
        if row.state != "dead":
            raise Conflict("Message is not a dead letter", "该报文不是死信", code="not_dead")
        query = query.where(Msg.id == message_id)
    if recipient:
        query = query.where(Msg.recipient == recipient)
    now = clock.now()
    ids = []
    for row in session.scalars(query.with_for_update()):
        row.state, row.attempts, row.generation = "pending", 0, row.generation + 1
        row.next_attempt_at, row.dead_at, row.claim_token = now, None, None
        ids.append(row.id)
    session.flush()
    return ids
