"""The transport seam: the relay publishes to it, channel workers consume from it.

Two implementations: ``embedded`` (a durable work-queue table in the node's database, the default)
and ``nats`` (NATS JetStream). Both de-duplicate by message id and redeliver what is not acked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from singlewindow.kit.db import Database
    from singlewindow.kit.settings import Settings

DELIVER_PREFIX = "sw.deliver."
AGENCY_PREFIX = "sw.agency."
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def address_token(code: str) -> str:
    """A party code as one subject token / consumer name ('.', '*', '>' are not allowed there)."""
    return code if _SAFE.match(code) else "hx_" + code.encode().hex()


def deliver_subject(recipient: str) -> str:
    return DELIVER_PREFIX + address_token(recipient)


def agency_subject(recipient: str) -> str:
    return AGENCY_PREFIX + address_token(recipient)


@dataclass(frozen=True)
class Outgoing:
    subject: str
    msg_id: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    """One message handed to a consumer; ``handle`` is the transport's own reference."""

    msg_id: str
    data: bytes
    deliveries: int
    handle: object = None


class Consumer(Protocol):
    """A durable consumer of one recipient's subject."""

    async def fetch(self, batch: int, timeout: float) -> list[Received]: ...

    async def ack(self, messages: Sequence[Received]) -> None: ...

    async def nak(self, message: Received, delay: float) -> None: ...

    async def term(self, message: Received) -> None: ...


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(
        self, subject: str, msg_id: str, data: bytes, headers: dict[str, str] | None = None
    ) -> None: ...

    async def publish_batch(self, messages: Sequence[Outgoing]) -> list[str]:
        """Publishes; returns the ids accepted (stored or known duplicates)."""
        ...

    async def consumer(self, recipient: str) -> Consumer: ...


def ack_wait_for(settings: Settings) -> float:
    """How long a consumer may hold a message before it is handed out again.

    Long enough for a webhook batch (``WEBHOOK_BATCH`` posts in parallel, each bounded by the
    webhook timeout), short enough that a killed worker's messages come back soon.
    """
    return max(2 * settings.webhook_timeout_seconds, min(30.0, settings.resend_after_seconds))


def make_transport(db: Database, settings: Settings) -> Transport:
    if settings.exchange == "nats":
        from singlewindow.exchange.transports.jetstream import JetStreamTransport

        return JetStreamTransport(settings, ack_wait=ack_wait_for(settings))
    from singlewindow.exchange.transports.embedded import EmbeddedTransport

    return EmbeddedTransport(db, ack_wait=ack_wait_for(settings))


@runtime_checkable
class QueuesInSession(Protocol):
    """A transport whose queue lives in the node's own database (embedded). The relay then
    claims, publishes and records a batch in one transaction, and a channel worker delivers a
    batch into the inbox and acks it from the queue in one transaction."""

    def queues_in(self, db: Database) -> bool:
        """Whether the queue is in ``db`` (the relay's and channel workers' database)."""
        ...

    def queue_in(self, session: Session, messages: Sequence[Outgoing]) -> None:
        """Queues ``messages`` in the caller's transaction (duplicates by id are ignored)."""
        ...


@runtime_checkable
class AcksInSession(Protocol):
    """A consumer whose acks can join the caller's transaction (the embedded queue)."""

    def ack_in(self, session: Session, messages: Sequence[Received]) -> None: ...
