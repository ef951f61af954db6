"""Exchange tables: messages (the outbox), routing rules, channels, inbox, queue, message log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, CreatedMixin, IdMixin

# An auto-incrementing 64-bit key on PostgreSQL that is a rowid alias on SQLite.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Message(CreatedMixin, Base):
    """Every envelope, both directions. Outbound rows are the transactional outbox.

    ``state``: pending → published → delivered → acked, or dead. Inbound rows are ``received``.
    """

    __tablename__ = "exchange_message"
    __table_args__ = (
        Index("ix_exchange_message_due", "state", "next_attempt_at"),
        Index("ix_exchange_message_recipient_state", "recipient", "state"),
        # Channel health (ops.channel_status): each recipient's deliveries of the last hour.
        Index("ix_exchange_message_recipient_delivered", "recipient", "delivered_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(60), index=True)
    sender: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(40))
    correlation_id: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=0)
    generation: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(36))
    published_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class RoutingRule(IdMixin, CreatedMixin, Base):
    """Which recipients get which document kind, under which condition, seeing which fields."""

    __tablename__ = "exchange_rule"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    priority: Mapped[int] = mapped_column(default=100)
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recipient: Mapped[dict[str, Any]] = mapped_column(JSON)
    projection: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class RoutingRuleChange(IdMixin, Base):
    """One audited edit of a routing rule (netbox-style change record)."""

    __tablename__ = "exchange_rule_change"

    rule_id: Mapped[str] = mapped_column(ForeignKey("exchange_rule.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)


class Channel(Base):
    """How one recipient receives its messages (no row: the pull inbox)."""

    __tablename__ = "exchange_channel"

    recipient: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by: Mapped[str] = mapped_column(String(40), default="")


class InboxEntry(Base):
    """A message delivered to a pull recipient. ``seq`` is the SSE cursor."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (Index("ix_exchange_inbox_recipient_open", "recipient", "acked_at", "seq"),)

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    envelope_id: Mapped[str] = mapped_column(ForeignKey("exchange_message.id"), unique=True)
    recipient: Mapped[str] = mapped_column(String(40))
    delivered_at: Mapped[datetime] = mapped_column(default=clock.now)
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(36), index=True)
    leases: Mapped[int] = mapped_column(default=0)
    acked_at: Mapped[datetime | None]


class QueuedMessage(Base):
    """The embedded transport: a durable work queue in the node's own database."""

    __tablename__ = "exchange_queue"
    __table_args__ = (Index("ix_exchange_queue_subject_available", "subject", "available_at"),)

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    msg_id: Mapped[str] = mapped_column(String(80), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    available_at: Mapped[datetime] = mapped_column(default=clock.now)
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(36), index=True)
    deliveries: Mapped[int] = mapped_column(default=0)


class LogEntry(IdMixin, Base):
    """One entry of the hash-chained message log. ``seq`` is NULL until the sealer chains it."""

    __tablename__ = "exchange_log"

    envelope_id: Mapped[str] = mapped_column(String(36), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(60))
    sender: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(40))
    correlation_id: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))
    sealed_at: Mapped[datetime | None]


class LogHead(Base):
    """The chain head: one row, locked by the sealer so only one process extends the chain."""

    __tablename__ = "exchange_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
