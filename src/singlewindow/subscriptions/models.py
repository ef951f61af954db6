"""Tables of this context: subscriptions, the CloudEvents stored for them, the projector cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class Subscription(IdMixin, CreatedMixin, Base):
    """One party's wish to receive its events: which types, which document, delivered how.

    ``status``: active → suspended (webhook dead letter at ``dead_seq``) → active (resume), or
    deleted. For webhooks ``cursor`` is the last event delivered (or skipped as not matching).
    """

    __tablename__ = "subscription"
    __table_args__ = (Index("ix_subscription_delivery_status", "delivery", "status"),)

    party: Mapped[str] = mapped_column(String(40), index=True)
    types: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str | None] = mapped_column(String(80))
    delivery: Mapped[str] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="active")
    created_by: Mapped[str] = mapped_column(String(40))
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_delivered_at: Mapped[datetime | None]
    dead_seq: Mapped[int | None] = mapped_column(BigInteger)
    suspended_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class SubscriptionEvent(Base):
    """One CloudEvent for one party: an exchange message addressed to it, as it received it.

    ``seq`` is assigned by the single projector (gap-free, in commit order): the replay cursor
    and the SSE event id.
    """

    __tablename__ = "subscription_event"
    __table_args__ = (Index("ix_subscription_event_party_seq", "party", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    envelope_id: Mapped[str] = mapped_column(String(36), unique=True)
    party: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(80))
    time: Mapped[datetime]
    data: Mapped[dict[str, Any]]
    projected_at: Mapped[datetime] = mapped_column(default=clock.now)


class SubscriptionProjector(Base):
    """The projector's position: one row, locked by the projector so only one runs at a time."""

    __tablename__ = "subscription_projector"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    log_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    event_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
