"""The projector: turns exchange messages addressed to subscribed parties into CloudEvents.

It tails the exchange's hash-chained message log. The log's ``seq`` is assigned by the one
sealer (which holds the chain-head lock) in one transaction per batch, so sealed entries appear
gap-free and in commit order: reading up to the head's ``seq`` can never pass over a message
that a concurrent transaction commits later — an unsealed entry simply has no ``seq`` yet. The
submission path is untouched; events lag the sealer by at most one projector interval.

Only parties with a subscription (active or suspended) get events: a party's replay starts when
it first subscribes. One projector runs at a time (it locks its one-row position first), so the
event ``seq`` it assigns is gap-free and in commit order too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from singlewindow.exchange.messagelog import HEAD_ID
from singlewindow.exchange.models import LogEntry, LogHead, Message
from singlewindow.kit import clock
from singlewindow.kit.db import Database, table_of
from singlewindow.kit.signals import notify_after_commit, notify_other_processes
from singlewindow.subscriptions.cloudevents import event_type
from singlewindow.subscriptions.models import (
    Subscription,
    SubscriptionEvent,
    SubscriptionProjector,
)
from singlewindow.subscriptions.signals import ANY, CHANNEL, EVENTS

PROJECTOR_ID = 1
LIVE = ("active", "suspended")


@dataclass
class Projected:
    events: int = 0
    more: bool = False  # the log has more sealed entries than one batch took
    parties: set[str] = field(default_factory=set)


def _lock(session: Session) -> SubscriptionProjector:
    now = clock.now()
    taken = session.execute(
        update(SubscriptionProjector)
        .where(SubscriptionProjector.id == PROJECTOR_ID)
        .values(updated_at=now)
    )
    if taken.rowcount == 0:  # type: ignore[attr-defined]
        session.add(SubscriptionProjector(id=PROJECTOR_ID, log_seq=0, event_seq=0, updated_at=now))
        session.flush()
    state = session.get(SubscriptionProjector, PROJECTOR_ID, populate_existing=True)
    assert state is not None
    return state


def project(session: Session, *, batch: int) -> Projected:
    """Projects up to ``batch`` sealed log entries in the caller's transaction."""
    out = Projected()
    head = session.scalar(select(LogHead.seq).where(LogHead.id == HEAD_ID)) or 0
    seen = session.scalar(
        select(SubscriptionProjector.log_seq).where(SubscriptionProjector.id == PROJECTOR_ID)
    )
    if seen is not None and seen >= head:
        return out  # nothing new: no write, no lock
    state = _lock(session)
    if state.log_seq >= head:
        return out
    subscribed = select(Subscription.party).where(Subscription.status.in_(LIVE))
    if session.scalar(subscribed.limit(1)) is None:
        state.log_seq = head  # nobody subscribes: nothing to keep (replay starts at subscribing)
        return out
    upto = min(head, state.log_seq + batch)
    rows = session.execute(
        select(
            Message.id,
            Message.kind,
            Message.recipient,
            Message.correlation_id,
            Message.payload,
            Message.created_at,
        )
        .join(LogEntry, LogEntry.envelope_id == Message.id)
        .where(
            LogEntry.seq > state.log_seq,
            LogEntry.seq <= upto,
            LogEntry.direction == "out",
            LogEntry.recipient.in_(subscribed.distinct().scalar_subquery()),
        )
        .order_by(LogEntry.seq)
    ).all()
    now, seq, done = clock.now(), state.event_seq, set()
    values = []
    for row in rows:
        if row.id in done:
            continue
        done.add(row.id)
        seq += 1
        values.append(
            {
                "seq": seq,
                "envelope_id": row.id,
                "party": row.recipient,
                "type": event_type(row.kind, row.payload or {}),
                "subject": row.correlation_id,
                "time": row.created_at,
                "data": row.payload,
                "projected_at": now,
            }
        )
        out.parties.add(row.recipient)
    if values:
        session.execute(insert(table_of(SubscriptionEvent)), values)
        notify_after_commit(session, EVENTS, [*out.parties, ANY])
        notify_other_processes(session, CHANNEL, [*out.parties, ANY])
    state.log_seq, state.event_seq = upto, seq
    out.events, out.more = len(values), upto < head
    return out


def project_once(db: Database, batch: int = 500) -> Projected:
    """One projector transaction (tests call it after draining the exchange)."""
    with db.unit_of_work() as session:
        return project(session, batch=batch)


def project_all(db: Database, batch: int = 500) -> int:
    total = 0
    while True:
        step = project_once(db, batch)
        total += step.events
        if not step.more:
            return total


def prune(session: Session, cutoff: datetime, *, batch: int = 5000) -> int:
    """Deletes up to ``batch`` events projected before ``cutoff`` (the replay window).

    Events are projected in ``seq`` order, so the old ones are a prefix of the key: a range
    on the primary key finds them without an index on the time.
    """
    oldest = session.scalar(select(func.min(SubscriptionEvent.seq)))
    if oldest is None:
        return 0
    gone = session.execute(
        delete(SubscriptionEvent)
        .where(
            SubscriptionEvent.seq < oldest + batch,
            SubscriptionEvent.projected_at < cutoff,
        )
        .execution_options(synchronize_session=False)
    )
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def prune_all(db: Database, cutoff: datetime, *, batch: int = 5000) -> int:
    total = 0
    while True:
        with db.unit_of_work() as session:
            step = prune(session, cutoff, batch=batch)
        total += step
        if step < batch:
            return total
