"""Tables of this context: the Time Release Study projection (docs/inspection.md).

``time_release`` holds one row per goods declaration with a timestamp per WCO TRS milestone,
``time_release_agency`` one row per declaration and agency it was routed to, and
``time_release_cursor`` the projector's watermark per source. All three are a projection:
they can be dropped and rebuilt from the declaration timeline and the transport tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, IdMixin


class TimeRelease(IdMixin, Base):
    """The milestones of one consignment (goods declaration), kept by the projector."""

    __tablename__ = "time_release"
    __table_args__ = (
        Index("ix_time_release_submitted_at", "submitted_at"),
        Index("ix_time_release_port", "port"),
        Index("ix_time_release_call_id", "call_id"),
        Index("ix_time_release_bill_no", "bill_no"),
        Index("ix_time_release_voyage", "voyage"),
        Index("ix_time_release_declarant_code", "declarant_code"),
    )

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declaration.id"), unique=True)
    # Who may see it (the same columns the declaration scopes use).
    declarant_code: Mapped[str] = mapped_column(String(40))
    trade_co_scc: Mapped[str | None] = mapped_column(String(18))
    agent_code_scc: Mapped[str | None] = mapped_column(String(18))
    # The grouping keys.
    ie_flag: Mapped[str] = mapped_column(String(1))
    port: Mapped[str | None] = mapped_column(String(4))  # head/ie_port (customs office)
    customs_district: Mapped[str | None] = mapped_column(String(4))  # its head office
    trade_mode: Mapped[str | None] = mapped_column(String(4))
    transport_mode: Mapped[str | None] = mapped_column(String(2))  # head/traf_mode
    # How the arrival and exit were found.
    bill_no: Mapped[str | None] = mapped_column(String(32))
    voyage: Mapped[str | None] = mapped_column(String(40))  # free_text/voy_no
    call_id: Mapped[str | None] = mapped_column(String(36))
    arrival_source: Mapped[str | None] = mapped_column(String(16))  # call | arrival_report
    exit_source: Mapped[str | None] = mapped_column(String(16))  # gate_out | departure
    # The milestones (UTC).
    arrived_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    inspection_started_at: Mapped[datetime | None]
    inspection_finished_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    exited_at: Mapped[datetime | None]
    inspected: Mapped[bool] = mapped_column(default=False)
    # Timeline events the row was computed from (the projector's change check).
    event_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class TimeReleaseAgency(IdMixin, Base):
    """One agency's times on one declaration."""

    __tablename__ = "time_release_agency"
    __table_args__ = (UniqueConstraint("declaration_id", "agency_code"),)

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declaration.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    routed_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    first_decision_at: Mapped[datetime | None]
    inspection_ordered_at: Mapped[datetime | None]
    inspection_result_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]


class TimeReleaseCursor(Base):
    """The projector's watermark per source (an id or a timestamp, read with an overlap)."""

    __tablename__ = "time_release_cursor"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
