"""The mandate table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class Mandate(IdMixin, CreatedMixin, Base):
    """An enterprise (委托方, by USCC) authorises a broker (被委托方, by USCC) to declare.

    Scope: document types and customs districts (head offices, e.g. 5300; an empty list means
    every district); period: ``valid_from`` to ``valid_to`` inclusive (China dates).
    """

    __tablename__ = "mandate"
    __table_args__ = (Index("ix_mandate_pair", "grantor_uscc", "agent_uscc"),)

    grantor_uscc: Mapped[str] = mapped_column(String(18))
    grantor_code: Mapped[str] = mapped_column(String(40))
    agent_uscc: Mapped[str] = mapped_column(String(18), index=True)
    doc_types: Mapped[list[Any]] = mapped_column(default=list)
    customs_districts: Mapped[list[Any]] = mapped_column(default=list)
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    created_by: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500), default="")
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(40))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
