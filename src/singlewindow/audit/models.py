"""ORM models of the audit log: entries, the chain head, and purge checkpoints.

Writers only ever INSERT an entry with ``seq`` NULL; the sealer numbers and chains entries later,
so the hot path never waits on the chain head.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, CreatedMixin, IdMixin

ACTOR_MAX = 120
ACTION_MAX = 60
TARGET_TYPE_MAX = 40
TARGET_ID_MAX = 120
OUTCOME_MAX = 10
ORG_MAX = 40
IP_MAX = 45  # the longest textual IPv6 address (with an embedded IPv4 part)


class AuditEntry(IdMixin, Base):
    """One audited event. ``seq``, ``prev_hash``, ``entry_hash`` are NULL until sealed."""

    __tablename__ = "audit_entry"

    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(ACTOR_MAX), index=True)
    action: Mapped[str] = mapped_column(String(ACTION_MAX), index=True)
    target_type: Mapped[str] = mapped_column(String(TARGET_TYPE_MAX))
    target_id: Mapped[str | None] = mapped_column(String(TARGET_ID_MAX))
    outcome: Mapped[str] = mapped_column(String(OUTCOME_MAX))
    org: Mapped[str | None] = mapped_column(String(ORG_MAX))
    ip: Mapped[str | None] = mapped_column(String(IP_MAX))
    detail: Mapped[dict[str, Any]]
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))
    sealed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)


class AuditHead(Base):
    """The chain head: one row. Sealer and purge lock it, so one process at a time moves it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class AuditCheckpoint(IdMixin, CreatedMixin, Base):
    """Where a retention purge cut the chain: the last purged entry's number and hash.

    Verification starts from the latest checkpoint instead of the genesis hash.
    """

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    entry_at: Mapped[datetime]
    purged: Mapped[int] = mapped_column(BigInteger)
