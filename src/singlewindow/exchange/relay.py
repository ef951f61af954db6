"""The relay: moves outbox rows into the transport, and re-sends what nobody confirmed.

A batch is claimed with ``kit.db.claim_rows`` (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
several relays share the work; SQLite: the single writer serialises claims), which
sets a claim token and pushes ``next_attempt_at`` out by ``CLAIM_LEASE_S``. If the relay dies
after the claim, the rows come due again when the lease ends and are published again under the
same message id, which the transport de-duplicates. After publishing, ``next_attempt_at`` is set
to ``resend_after_seconds`` ahead: a message still only ``published`` then (lost by the broker,
or its consumer state lost) is published again. The database is the record of what each
recipient confirmed end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from singlewindow.exchange.models import Message as Msg
from singlewindow.exchange.transports import (
    Outgoing,
    QueuesInSession,
    Transport,
    deliver_subject,
)
from singlewindow.kit import clock
from singlewindow.kit.db import Database, claim_rows, in_list
from singlewindow.kit.digest import canonical_json
from singlewindow.kit.ids import new_id
from singlewindow.kit.settings import Settings
from singlewindow.kit.signals import OUTBOX, Signal

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 30.0
FAILED_RETRY_S = 2.0
_ACTIVE = ("pending", "published")


def broker_msg_id(envelope_id: str, generation: int) -> str:
    """The de-duplication id. A redriven message gets a new one (the old id may still be inside
    the broker's duplicate window and would be dropped)."""
    return envelope_id if generation == 0 else f"{envelope_id}.r{generation}"


def envelope_bytes(row: Any) -> bytes:
    return canonical_json(
        {
            "id": row.id,
            "kind": row.kind,
            "sender": row.sender,
            "recipient": row.recipient,
            "correlation_id": row.correlation_id,
            "payload": row.payload,
            "digest": row.digest,
            "created_at": row.created_at.isoformat(),
        }
    )


@dataclass
class RelayStats:
    claimed: int = 0
    published: int = 0
    failed: int = 0


# The recipients this process's relay has claimed messages for, until the channel runner
# (``workers.run_channels``) takes them: it starts their channel workers at once rather than
# at its next look at the database (a worker stops after a quiet minute; the first message
# after that waited up to the runner's refresh interval, 2 s).
CLAIMED = Signal()  # key: the database URL
_claimed_for: dict[str, set[str]] = {}
_claimed_lock = threading.Lock()


def _note_claimed(db: Database, recipients: set[str]) -> None:
    if recipients:
        with _claimed_lock:
            _claimed_for.setdefault(db.url, set()).update(recipients)
        CLAIMED.notify([db.url])


def take_claimed(db: Database) -> set[str]:
    """The recipients noted for this database since the last call (and forgets them)."""
    with _claimed_lock:
        return _claimed_for.pop(db.url, set())


def _claim_in(session: Session, batch: int, lease_s: float) -> list[Any]:
    """Claims a batch of due outbox rows in ``session``; returns their envelope columns."""
    now = clock.now()
    due = (Msg.state.in_(_ACTIVE)) & (Msg.next_attempt_at <= now)
    token = new_id()
    values = {"claim_token": token, "next_attempt_at": now + timedelta(seconds=lease_s)}
    if not claim_rows(session, Msg.id, due, Msg.next_attempt_at, batch, values):
        return []
    return list(
        session.execute(
            select(
                Msg.id,
                Msg.kind,
                Msg.sender,
                Msg.recipient,
                Msg.correlation_id,
                Msg.payload,
                Msg.digest,
                Msg.created_at,
                Msg.generation,
            ).where(Msg.claim_token == token)
        ).all()
    )


def _outgoing(rows: list[Any]) -> list[Outgoing]:
    return [
        Outgoing(
            subject=deliver_subject(r.recipient),
            msg_id=broker_msg_id(r.id, r.generation),
            data=envelope_bytes(r),
            headers={"SW-Kind": r.kind, "SW-Correlation-Id": r.correlation_id},
        )
        for r in rows
    ]


def claim(db: Database, batch: int, lease_s: float = CLAIM_LEASE_S) -> list[Outgoing]:
    with db.unit_of_work() as session:
        rows = _claim_in(session, batch, lease_s)
    _note_claimed(db, {r.recipient for r in rows})
    return _outgoing(rows)


def _mark_in(session: Session, accepted: list[str], failed: list[str], resend_after: float) -> None:
    now = clock.now()
    ok = [i.split(".r")[0] for i in accepted]
    bad = [i.split(".r")[0] for i in failed]
    if ok:
        later = now + timedelta(seconds=resend_after)
        session.execute(
            update(Msg)
            .where(Msg.id.in_(in_list(ok)), Msg.state == "pending")
            .values(state="published", published_at=now, next_attempt_at=later, claim_token=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Msg)
            .where(Msg.id.in_(in_list(ok)), Msg.state == "published")
            .values(next_attempt_at=later, claim_token=None)
            .execution_options(synchronize_session=False)
        )
    if bad:
        session.execute(
            update(Msg)
            .where(Msg.id.in_(in_list(bad)), Msg.state.in_(_ACTIVE))
            .values(next_attempt_at=now + timedelta(seconds=FAILED_RETRY_S), claim_token=None)
            .execution_options(synchronize_session=False)
        )


def mark(db: Database, accepted: list[str], failed: list[str], resend_after: float) -> None:
    with db.unit_of_work() as session:
        _mark_in(session, accepted, failed, resend_after)


def relay_in_database(db: Database, queue: QueuesInSession, batch: int, resend_after: float) -> int:
    """Claim, publish and record in one transaction, for a transport that queues in the
    node's own database (embedded): the three steps commit together or not at all, so nothing
    is published twice, and a batch costs one write transaction instead of three."""
    with db.unit_of_work() as session:
        rows = _claim_in(session, batch, CLAIM_LEASE_S)
        if not rows:
            return 0
        outgoing = _outgoing(rows)
        queue.queue_in(session, outgoing)
        _mark_in(session, [m.msg_id for m in outgoing], [], resend_after)
    _note_claimed(db, {r.recipient for r in rows})
    return len(rows)


async def relay_once(db: Database, transport: Transport, settings: Settings) -> RelayStats:
    """Claims one batch, publishes it, records the result. Returns what happened."""
    stats = RelayStats()
    if isinstance(transport, QueuesInSession) and transport.queues_in(db):
        n = await asyncio.to_thread(
            relay_in_database, db, transport, settings.relay_batch, settings.resend_after_seconds
        )
        stats.claimed = stats.published = n
        return stats
    lease_s = min(CLAIM_LEASE_S, settings.resend_after_seconds)
    outgoing = await asyncio.to_thread(claim, db, settings.relay_batch, lease_s)
    if not outgoing:
        return stats
    stats.claimed = len(outgoing)
    try:
        accepted = set(await transport.publish_batch(outgoing))
    except Exception as exc:  # the rows stay in the outbox and are retried
        log.warning("relay: publishing %d messages failed: %s", len(outgoing), exc)
        accepted = set()
    ok = [m.msg_id for m in outgoing if m.msg_id in accepted]
    bad = [m.msg_id for m in outgoing if m.msg_id not in accepted]
    await asyncio.to_thread(mark, db, ok, bad, settings.resend_after_seconds)
    stats.published, stats.failed = len(ok), len(bad)
    return stats


async def run_relay(
    db: Database,
    transport: Transport,
    settings: Settings,
    stop: asyncio.Event,
    *,
    idle: float = 0.5,
) -> None:
    """Relays until ``stop``; when idle, wakes on a commit of outbox rows in this process
    (``kit.signals``) or after ``idle`` seconds (rows written by another process)."""
    while not stop.is_set():
        seen = OUTBOX.version("outbox")
        stats = await relay_once(db, transport, settings)
        if stats.failed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FAILED_RETRY_S / 2)
        elif stats.claimed < settings.relay_batch:
            await OUTBOX.wait("outbox", seen, idle, stop)
