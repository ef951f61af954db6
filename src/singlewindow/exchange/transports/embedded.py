"""The embedded transport: a durable work queue in the node's own database.

A unique ``msg_id`` makes publishing idempotent (a duplicate is ignored, like JetStream's
de-duplication window but forever while the message is queued). Consumers lease rows for
``ack_wait`` seconds; a row not acked in time is handed out again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from singlewindow.exchange.models import QueuedMessage as Q
from singlewindow.exchange.transports import Outgoing, Received, deliver_subject
from singlewindow.kit import clock
from singlewindow.kit.db import Database, claim_rows, in_list
from singlewindow.kit.ids import new_id
from singlewindow.kit.signals import TRANSPORT, notify_after_commit, notify_other_processes


def insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Q)
    session.execute(ins.on_conflict_do_nothing(index_elements=["msg_id"]), rows)


class EmbeddedConsumer:
    def __init__(self, db: Database, subject: str, ack_wait: float, poll: float) -> None:
        self.db = db
        self.subject = subject
        self.ack_wait = ack_wait
        self.poll = poll

    def _claim(self, batch: int) -> list[Received]:
        now = clock.now()
        free = or_(Q.lease_until.is_(None), Q.lease_until < now)
        due = (Q.subject == self.subject) & (Q.available_at <= now) & free
        with self.db.unit_of_work() as session:
            token = new_id()
            values = {
                "lease_until": now + timedelta(seconds=self.ack_wait),
                "lease_token": token,
                "deliveries": Q.deliveries + 1,
            }
            if not claim_rows(session, Q.seq, due, Q.seq, batch, values):
                return []
            rows = session.execute(
                select(Q.seq, Q.msg_id, Q.data, Q.deliveries)
                .where(Q.lease_token == token)
                .order_by(Q.seq)
            ).all()
        return [Received(r.msg_id, bytes(r.data), r.deliveries, r.seq) for r in rows]

    async def fetch(self, batch: int, timeout: float) -> list[Received]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            seen = TRANSPORT.version(self.subject)
            got = await asyncio.to_thread(self._claim, batch)
            left = deadline - loop.time()
            if got or left <= 0:
                return got
            # Woken by a publish in this process; polls for another process's publishes.
            await TRANSPORT.wait(self.subject, seen, min(self.poll, left))

    def _delete(self, seqs: list[Any]) -> None:
        with self.db.unit_of_work() as session:
            session.execute(delete(Q).where(Q.seq.in_(in_list(seqs))))

    def ack_in(self, session: Session, messages: Sequence[Received]) -> None:
        """Acks in the caller's transaction (a delivery into the same database's inbox)."""
        if messages:
            session.execute(delete(Q).where(Q.seq.in_(in_list(m.handle for m in messages))))

    async def ack(self, messages: Sequence[Received]) -> None:
        if messages:
            await asyncio.to_thread(self._delete, [m.handle for m in messages])

    def _nak(self, seq: Any, delay: float) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                update(Q)
                .where(Q.seq == seq)
                .values(
                    available_at=clock.now() + timedelta(seconds=delay),
                    lease_until=None,
                    lease_token=None,
                )
            )

    async def nak(self, message: Received, delay: float) -> None:
        await asyncio.to_thread(self._nak, message.handle, delay)

    async def term(self, message: Received) -> None:
        await asyncio.to_thread(self._delete, [message.handle])


class EmbeddedTransport:
    name = "embedded"

    def __init__(self, db: Database, *, ack_wait: float = 30.0, poll: float = 0.25) -> None:
        self.db = db
        self.ack_wait = ack_wait
        self.poll = poll

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def queues_in(self, db: Database) -> bool:
        return db.url == self.db.url

    def queue_in(self, session: Session, messages: Sequence[Outgoing]) -> None:
        now = clock.now()
        rows = [
            {
                "msg_id": m.msg_id,
                "subject": m.subject,
                "data": m.data,
                "headers": dict(m.headers),
                "available_at": now,
                "deliveries": 0,
            }
            for m in messages
        ]
        subjects = sorted({m.subject for m in messages})
        insert_ignoring_duplicates(session, rows)
        notify_other_processes(session, "sw_transport", subjects)
        notify_after_commit(session, TRANSPORT, subjects)

    def _insert(self, messages: Sequence[Outgoing]) -> None:
        with self.db.unit_of_work() as session:
            self.queue_in(session, messages)

    async def publish(
        self, subject: str, msg_id: str, data: bytes, headers: dict[str, str] | None = None
    ) -> None:
        await self.publish_batch([Outgoing(subject, msg_id, data, headers or {})])

    async def publish_batch(self, messages: Sequence[Outgoing]) -> list[str]:
        await asyncio.to_thread(self._insert, messages)
        return [m.msg_id for m in messages]

    async def consumer(self, recipient: str) -> EmbeddedConsumer:
        return EmbeddedConsumer(self.db, deliver_subject(recipient), self.ack_wait, self.poll)
