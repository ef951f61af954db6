"""Queries of the inspection context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from singlewindow.declarations.models import Declaration
from singlewindow.inspection.models import (
    InspectionBooking,
    InspectionCapacity,
    InspectionCase,
    InspectionEvent,
    InspectionOrder,
    PortEvent,
)
from singlewindow.inspection.rules import ACTIVE, HOLDING_BAY, BookingStatus, CaseStatus
from singlewindow.kit import clock


def active_case(session: Session, declaration_id: str) -> InspectionCase | None:
    return session.scalar(
        select(InspectionCase)
        .where(
            InspectionCase.declaration_id == declaration_id,
            InspectionCase.status.in_([s.value for s in ACTIVE]),
        )
        .order_by(InspectionCase.created_at.desc())
        .limit(1)
    )


def latest_release_no(session: Session, declaration_id: str) -> str | None:
    return session.scalar(
        select(InspectionCase.release_no)
        .where(
            InspectionCase.declaration_id == declaration_id,
            InspectionCase.release_no.is_not(None),
        )
        .order_by(InspectionCase.created_at.desc())
        .limit(1)
    )


def case_with_release(
    session: Session, declaration_id: str, release_no: str
) -> InspectionCase | None:
    return session.scalar(
        select(InspectionCase).where(
            InspectionCase.declaration_id == declaration_id,
            InspectionCase.release_no == release_no,
        )
    )


def case_by_no(session: Session, case_no: str, *, lock: bool = False) -> InspectionCase | None:
    """With ``lock``, the case's declaration is locked first (the order every path takes:
    declaration, then case; the decision route holds the declaration when it reaches the
    case) and then the case, each with a write first (touching ``updated_at``) so that two
    changes queue (row locks on PostgreSQL, the writer lock on SQLite)."""
    if lock:
        declaration_id = session.scalar(
            select(InspectionCase.declaration_id).where(InspectionCase.case_no == case_no)
        )
        if declaration_id is None:
            return None
        session.execute(
            update(Declaration)
            .where(Declaration.id == declaration_id)
            .values(updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        touched = session.execute(
            update(InspectionCase)
            .where(InspectionCase.case_no == case_no)
            .values(updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if not touched.rowcount:  # type: ignore[attr-defined]
            return None
        return session.scalar(
            select(InspectionCase)
            .where(InspectionCase.case_no == case_no)
            .execution_options(populate_existing=True)
        )
    return session.scalar(select(InspectionCase).where(InspectionCase.case_no == case_no))


def orders(session: Session, case_id: str) -> list[InspectionOrder]:
    return list(
        session.scalars(
            select(InspectionOrder)
            .where(InspectionOrder.case_id == case_id)
            .order_by(InspectionOrder.ordered_at, InspectionOrder.id)
        )
    )


def orders_of(session: Session, case_ids: Sequence[str]) -> list[InspectionOrder]:
    if not case_ids:
        return []
    return list(
        session.scalars(
            select(InspectionOrder)
            .where(InspectionOrder.case_id.in_(case_ids))
            .order_by(InspectionOrder.ordered_at, InspectionOrder.id)
        )
    )


def order_of(session: Session, case_id: str, agency_code: str) -> InspectionOrder | None:
    return session.scalar(
        select(InspectionOrder).where(
            InspectionOrder.case_id == case_id, InspectionOrder.agency_code == agency_code
        )
    )


def bookings(session: Session, case_ids: Sequence[str]) -> list[InspectionBooking]:
    if not case_ids:
        return []
    return list(
        session.scalars(
            select(InspectionBooking)
            .where(InspectionBooking.case_id.in_(case_ids))
            .order_by(InspectionBooking.created_at, InspectionBooking.id)
        )
    )


def current_booking(session: Session, case_id: str) -> InspectionBooking | None:
    return session.scalar(
        select(InspectionBooking)
        .where(
            InspectionBooking.case_id == case_id,
            InspectionBooking.status.in_([BookingStatus.booked.value, BookingStatus.done.value]),
        )
        .order_by(InspectionBooking.created_at.desc())
        .limit(1)
    )


def events(session: Session, case_ids: Sequence[str]) -> list[InspectionEvent]:
    if not case_ids:
        return []
    return list(
        session.scalars(
            select(InspectionEvent)
            .where(InspectionEvent.case_id.in_(case_ids))
            .order_by(InspectionEvent.at, InspectionEvent.id)
        )
    )


def bays_taken(session: Session, capacity_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(InspectionBooking)
            .where(
                InspectionBooking.capacity_id == capacity_id,
                InspectionBooking.status.in_([s.value for s in HOLDING_BAY]),
            )
        )
        or 0
    )


def lock_capacity(session: Session, capacity_id: str) -> InspectionCapacity | None:
    """The slot, with a write taken first so that two bookings of one slot queue."""
    session.execute(
        update(InspectionCapacity)
        .where(InspectionCapacity.id == capacity_id)
        .values(bays=InspectionCapacity.bays)
        .execution_options(synchronize_session=False)
    )
    return session.get(InspectionCapacity, capacity_id, populate_existing=True)


def free_slots(
    session: Session, terminal: str, after: datetime, limit: int = 50
) -> list[InspectionCapacity]:
    """Slots of the terminal starting after ``after`` with a free bay, earliest first."""
    taken = (
        select(InspectionBooking.capacity_id, func.count().label("n"))
        .where(InspectionBooking.status.in_([s.value for s in HOLDING_BAY]))
        .group_by(InspectionBooking.capacity_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(InspectionCapacity)
            .outerjoin(taken, taken.c.capacity_id == InspectionCapacity.id)
            .where(
                InspectionCapacity.terminal == terminal,
                InspectionCapacity.starts_at > after,
                InspectionCapacity.bays > func.coalesce(taken.c.n, 0),
            )
            .order_by(InspectionCapacity.starts_at)
            .limit(limit)
        )
    )


def waiting_cases(session: Session, terminal: str) -> list[InspectionCase]:
    """Open cases at the terminal that wait for capacity, oldest first."""
    return list(
        session.scalars(
            select(InspectionCase)
            .where(
                InspectionCase.terminal == terminal,
                InspectionCase.status == CaseStatus.open.value,
                InspectionCase.waiting_reason == "no_capacity",
            )
            .order_by(InspectionCase.created_at)
        )
    )


def gated_out(session: Session, declaration_id: str) -> list[PortEvent]:
    return list(
        session.scalars(
            select(PortEvent)
            .where(PortEvent.declaration_id == declaration_id, PortEvent.event == "gate_out")
            .order_by(PortEvent.at, PortEvent.id)
        )
    )
