"""Tables of this context: joint inspection cases and the terminal's port events.

Field names follow docs/inspection.md (the contract other contexts read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class InspectionCase(IdMixin, CreatedMixin, Base):
    """One joint inspection of one consignment (or some of its containers)."""

    __tablename__ = "inspection_case"
    __table_args__ = (Index("ix_inspection_case_declaration_status", "declaration_id", "status"),)

    case_no: Mapped[str] = mapped_column(String(24), unique=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declaration.id"))
    declarant_code: Mapped[str] = mapped_column(String(40), index=True)
    bill_no: Mapped[str | None] = mapped_column(String(32), index=True)
    containers: Mapped[list[Any]] = mapped_column(default=list)
    terminal: Mapped[str | None] = mapped_column(String(40), index=True)
    customs_office: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(20), index=True)
    # Why an open case has no booking (no_terminal | no_capacity), None once booked.
    waiting_reason: Mapped[str | None] = mapped_column(String(20))
    # Containers every agency of the case has released, and those that have left the gate.
    released_containers: Mapped[list[Any]] = mapped_column(default=list)
    gated_out: Mapped[list[Any]] = mapped_column(default=list)
    release_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    released_at: Mapped[datetime | None]
    gate_out_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class InspectionOrder(IdMixin, Base):
    """One agency's part of a case: what it wants inspected, its result and its release."""

    __tablename__ = "inspection_order"
    __table_args__ = (UniqueConstraint("case_id", "agency_code"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("inspection_case.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    containers: Mapped[list[Any]] = mapped_column(default=list)
    instructions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ordered_at: Mapped[datetime] = mapped_column(default=clock.now)
    due_by: Mapped[datetime | None] = mapped_column(index=True)
    # open | resulted | released | withdrawn
    status: Mapped[str] = mapped_column(String(20))
    result: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(String(2000), default="")
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    result_at: Mapped[datetime | None]
    released_containers: Mapped[list[Any]] = mapped_column(default=list)
    released_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    # The agency's declaration status before it ordered (restored if it withdraws).
    agency_status_before: Mapped[str | None] = mapped_column(String(24))


class InspectionCapacity(IdMixin, CreatedMixin, Base):
    """A one-hour slot a terminal offers, with the number of inspection bays."""

    __tablename__ = "inspection_capacity"
    __table_args__ = (UniqueConstraint("terminal", "starts_at"),)

    terminal: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    bays: Mapped[int]


class InspectionBooking(IdMixin, CreatedMixin, Base):
    """A case's appointment in a slot (a reschedule keeps the old row as ``rescheduled``)."""

    __tablename__ = "inspection_booking"

    case_id: Mapped[str] = mapped_column(ForeignKey("inspection_case.id"), index=True)
    capacity_id: Mapped[str] = mapped_column(ForeignKey("inspection_capacity.id"), index=True)
    starts_at: Mapped[datetime]
    # booked | rescheduled | no_show | cancelled | done
    status: Mapped[str] = mapped_column(String(20))
    booked_by: Mapped[str] = mapped_column(String(40))
    positioned_at: Mapped[datetime | None]
    positioned_containers: Mapped[list[Any]] = mapped_column(default=list)


class InspectionEvent(IdMixin, Base):
    """The append-only timeline of a case (one row per step)."""

    __tablename__ = "inspection_event"

    case_id: Mapped[str] = mapped_column(ForeignKey("inspection_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    actor: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PortEvent(IdMixin, CreatedMixin, Base):
    """A terminal's report of a container move: gate-in/out, positioning, discharge, loading."""

    __tablename__ = "port_event"

    terminal: Mapped[str] = mapped_column(String(40), index=True)
    event: Mapped[str] = mapped_column(String(20))
    container_no: Mapped[str] = mapped_column(String(11), index=True)
    bill_no: Mapped[str | None] = mapped_column(String(32), index=True)
    declaration_id: Mapped[str | None] = mapped_column(String(36), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime]
