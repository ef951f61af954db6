"""Declaration, per-agency status and timeline tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class Declaration(IdMixin, CreatedMixin, Base):
    """One filing. ``document`` is the canonical JSON exactly as accepted."""

    __tablename__ = "declaration"
    __table_args__ = (
        UniqueConstraint("declarant_code", "client_ref"),
        Index("ix_declaration_trade_co_scc", "trade_co_scc"),
        Index("ix_declaration_agent_code_scc", "agent_code_scc"),
        Index("ix_declaration_client_ref", "client_ref"),  # the clearance query by client ref
        # The clearance query by vessel + voyage, in submission order (declarations/keys.py).
        Index("ix_declaration_voyage", "voyage_no", "vessel_key", "submitted_at"),
    )

    doc_type: Mapped[str] = mapped_column(String(40))
    declarant_code: Mapped[str] = mapped_column(String(40))
    client_ref: Mapped[str] = mapped_column(String(64))
    content_digest: Mapped[str] = mapped_column(String(64))
    unified_no: Mapped[str | None] = mapped_column(String(18), unique=True)
    entry_no: Mapped[str | None] = mapped_column(String(18), unique=True)
    ie_flag: Mapped[str] = mapped_column(String(1))
    customs_master: Mapped[str | None] = mapped_column(String(4))
    bill_no: Mapped[str | None] = mapped_column(String(32), index=True)
    trade_co_scc: Mapped[str | None] = mapped_column(String(18))
    agent_code_scc: Mapped[str | None] = mapped_column(String(18))
    # Search keys (declarations/keys.py): head/traf_name normalised, free_text/voy_no.
    vessel_key: Mapped[str | None] = mapped_column(String(50))
    voyage_no: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), index=True)
    document: Mapped[dict[str, Any]]
    submitted_at: Mapped[datetime | None]
    # The mandate a broker filed under (mandates.Mandate.id); None when filed by the owner.
    mandate_id: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class AgencyStatus(IdMixin, Base):
    """Where one agency stands on one declaration."""

    __tablename__ = "declaration_agency_status"
    __table_args__ = (UniqueConstraint("declaration_id", "agency_code"),)

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declaration.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(24))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    message_id: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class TimelineEvent(IdMixin, Base):
    """An append-only record of everything that happened to a declaration."""

    __tablename__ = "declaration_event"

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declaration.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    actor: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(40))
    status_before: Mapped[str | None] = mapped_column(String(24))
    status_after: Mapped[str | None] = mapped_column(String(24))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
