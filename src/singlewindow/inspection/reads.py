"""What each caller may see of cases and port events, and the parts other contexts read.

A case is visible to the declarant of its goods, to every agency that has an order in it (the
inspection is joint, so each of them sees the whole case: every order and result), to its
terminal and to operators (a city operator: its city's goods).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from singlewindow.declarations import repository as declarations_repo
from singlewindow.declarations.models import AgencyStatus, Declaration
from singlewindow.inspection import repository
from singlewindow.inspection.models import InspectionCase, InspectionOrder, PortEvent
from singlewindow.inspection.rules import BookingStatus
from singlewindow.inspection.schemas import (
    BookingOut,
    CaseEventOut,
    CaseOut,
    CaseSummary,
    OrderOut,
)
from singlewindow.kit.errors import NotFound
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind


def scoped(principal: Principal) -> Select[InspectionCase]:
    query = select(InspectionCase)
    if principal.kind == PartyKind.port_operator:
        return query.where(InspectionCase.terminal == principal.party_code)
    if principal.kind == PartyKind.agency:
        mine = select(InspectionOrder.case_id).where(
            InspectionOrder.agency_code == principal.party_code
        )
        return query.where(InspectionCase.id.in_(mine))
    visible = declarations_repo.scoped(principal).with_only_columns(Declaration.id)
    return query.where(InspectionCase.declaration_id.in_(visible))


def visible_case(
    session: Session, principal: Principal, case_no: str, *, lock: bool = False
) -> InspectionCase:
    """The case if the caller may see it (else 404, so case numbers don't leak)."""
    found = session.scalar(scoped(principal).where(InspectionCase.case_no == case_no))
    if found is not None and lock:
        found = repository.case_by_no(session, case_no, lock=True)
    if found is None:
        raise NotFound(
            f"Inspection case {case_no} not found",
            f"未找到查验案件 {case_no}",
            code="case_not_found",
        )
    return found


def summary(case: InspectionCase) -> CaseSummary:
    return CaseSummary.model_validate(case, from_attributes=True)


def case_out(session: Session, case: InspectionCase) -> CaseOut:
    orders = repository.orders(session, case.id)
    bookings = [
        BookingOut.model_validate(b, from_attributes=True)
        for b in repository.bookings(session, [case.id])
    ]
    current = [b for b in bookings if b.status in (BookingStatus.booked, BookingStatus.done)]
    return CaseOut(
        **summary(case).model_dump(),
        instructions=[
            {"agency": o.agency_code, **o.instructions, "containers": o.containers}
            for o in orders
            if o.status != "withdrawn"
        ],
        orders=[OrderOut.model_validate(o, from_attributes=True) for o in orders],
        booking=current[-1] if current else None,
        bookings=bookings,
        timeline=[
            CaseEventOut.model_validate(e, from_attributes=True)
            for e in repository.events(session, [case.id])
        ],
    )


def search(
    session: Session,
    principal: Principal,
    *,
    status: str | None,
    terminal: str | None,
    declaration_id: str | None,
    after_id: str | None,
    limit: int,
) -> list[InspectionCase]:
    query = scoped(principal)
    if status:
        query = query.where(InspectionCase.status == status)
    if terminal:
        query = query.where(InspectionCase.terminal == terminal)
    if declaration_id:
        query = query.where(InspectionCase.declaration_id == declaration_id)
    if after_id:
        query = query.where(InspectionCase.id < after_id)
    return list(session.scalars(query.order_by(InspectionCase.id.desc()).limit(limit)))


def port_events(
    session: Session,
    principal: Principal,
    *,
    container_no: str | None,
    bill_no: str | None,
    after_id: str | None,
    limit: int,
) -> list[PortEvent]:
    """Events sent by the caller's terminal, or of goods the caller may see."""
    query = select(PortEvent)
    if principal.kind == PartyKind.port_operator:
        query = query.where(PortEvent.terminal == principal.party_code)
    elif principal.kind == PartyKind.agency:
        routed = select(AgencyStatus.declaration_id).where(
            AgencyStatus.agency_code == principal.party_code
        )
        query = query.where(PortEvent.declaration_id.in_(routed))
    elif not principal.is_operator or "city_operator" in principal.roles:
        visible = declarations_repo.scoped(principal).with_only_columns(Declaration.id)
        query = query.where(PortEvent.declaration_id.in_(visible))
    if container_no:
        query = query.where(PortEvent.container_no == container_no.strip().upper())
    if bill_no:
        query = query.where(PortEvent.bill_no == bill_no)
    if after_id:
        query = query.where(PortEvent.id < after_id)
    return list(session.scalars(query.order_by(PortEvent.id.desc()).limit(limit)))


@dataclass
class ClearancePart:
    inspections: list[dict[str, Any]]
    gate_out: dict[str, Any] | None


def for_declarations(session: Session, ids: Sequence[str]) -> dict[str, ClearancePart]:
    """The clearance query's ``inspections`` and ``gate_out`` of each declaration (a fixed
    number of queries per page)."""
    out = {i: ClearancePart([], None) for i in ids}
    if not ids:
        return out
    cases = list(
        session.scalars(
            select(InspectionCase)
            .where(InspectionCase.declaration_id.in_(ids))
            .order_by(InspectionCase.created_at, InspectionCase.id)
        )
    )
    case_ids = [c.id for c in cases]
    orders = defaultdict(list)
    for o in repository.orders_of(session, case_ids):
        orders[o.case_id].append(o)
    bookings = defaultdict(list)
    for b in repository.bookings(session, case_ids):
        bookings[b.case_id].append(b)
    for c in cases:
        current = [b for b in bookings[c.id] if b.status in ("booked", "done")]
        out[c.declaration_id].inspections.append(
            summary(c).model_dump(mode="json")
            | {
                "booking": BookingOut.model_validate(current[-1], from_attributes=True).model_dump(
                    mode="json"
                )
                if current
                else None,
                "orders": [
                    {
                        "agency_code": o.agency_code,
                        "status": o.status,
                        "result": o.result,
                        "ordered_at": o.ordered_at.isoformat(),
                        "result_at": o.result_at.isoformat() if o.result_at else None,
                        "released_at": o.released_at.isoformat() if o.released_at else None,
                    }
                    for o in orders[c.id]
                ],
            }
        )
    gates = defaultdict(list)
    for e in session.scalars(
        select(PortEvent)
        .where(PortEvent.declaration_id.in_(ids), PortEvent.event == "gate_out")
        .order_by(PortEvent.at, PortEvent.id)
    ):
        gates[e.declaration_id].append(e)
    for declaration_id, events in gates.items():
        if declaration_id is None:
            continue
        out[declaration_id].gate_out = {
            "at": events[-1].at.isoformat(),
            "first_at": events[0].at.isoformat(),
            "terminal": events[-1].terminal,
            "containers": [
                {"container_no": e.container_no, "at": e.at.isoformat()} for e in events
            ],
        }
    return out
