"""Joint inspection routes (``/api/v1/inspections``): orders, capacity, booking, positioning,
results, release, withdrawal and reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from singlewindow.inspection import booking, port, reads, repository, service
from singlewindow.inspection.models import InspectionCapacity, InspectionCase
from singlewindow.inspection.rules import CaseStatus, PortEventKind
from singlewindow.inspection.schemas import (
    BookingIn,
    BookingOut,
    CapacityIn,
    CapacityOut,
    CaseOut,
    CaseSummary,
    ContainersIn,
    OrderIn,
    ResultIn,
)
from singlewindow.kit import clock
from singlewindow.kit.errors import BadRequest, Conflict, Finding, Forbidden
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.pagination import Page, decode_cursor, encode_cursor
from singlewindow.parties.access import AGENCIES, DECLARANTS, OPERATORS, PORT, READERS, Allow
from singlewindow.parties.auth import Principal, require_kind
from singlewindow.parties.schemas import PartyKind
from singlewindow.parties.service import DECLARANT_KINDS

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])

Agency = Annotated[Principal, Allow(*AGENCIES, tenant="routed")]
Terminal = Annotated[Principal, Allow(*PORT, tenant="routed")]
TraderOrTerminal = Annotated[Principal, Allow(*DECLARANTS, *PORT, tenant="own")]
CaseReader = Annotated[Principal, Allow(*READERS, tenant="own")]
CapacityReader = Annotated[
    Principal, Allow(*PORT, *DECLARANTS, *AGENCIES, *OPERATORS, tenant="own")
]


def _own_terminal(principal: Principal, case: InspectionCase) -> None:
    if principal.party_code != case.terminal:
        raise Forbidden(
            f"Case {case.case_no} is at terminal {case.terminal}",
            f"查验案件 {case.case_no} 属于码头 {case.terminal}",
            code="not_your_terminal",
        )


@router.post(
    "/orders",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    summary="Order an inspection (opens the goods' case or joins it)",
)
def order(session: DbSession, settings: AppSettings, principal: Agency, body: OrderIn) -> CaseOut:
    require_kind(principal, PartyKind.agency)
    ordered = service.order(
        session,
        body.declaration_id,
        principal.party_code,
        containers=body.containers,
        instructions=body.instructions.model_dump(mode="json"),
        due_hours=body.due_hours,
        node_code=settings.node_code,
        default_due_hours=settings.inspection_due_hours,
    )
    return reads.case_out(session, ordered.case)


@router.post(
    "/capacity",
    response_model=list[CapacityOut],
    status_code=status.HTTP_201_CREATED,
    summary="Offer inspection capacity: bays in each one-hour slot of a range",
)
def offer_capacity(
    session: DbSession, settings: AppSettings, principal: Terminal, body: CapacityIn
) -> list[CapacityOut]:
    require_kind(principal, PartyKind.port_operator)
    slots = booking.offer(
        session,
        principal.party_code,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        bays=body.bays,
        node_code=settings.node_code,
    )
    return [_capacity_out(session, s) for s in slots]


def _capacity_out(session: DbSession, slot: InspectionCapacity) -> CapacityOut:
    return CapacityOut(
        id=slot.id,
        terminal=slot.terminal,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        bays=slot.bays,
        booked=repository.bays_taken(session, slot.id),
    )


@router.get("/capacity", response_model=list[CapacityOut], summary="Inspection slots")
def list_capacity(
    session: DbSession,
    principal: CapacityReader,
    terminal: Annotated[str | None, Query(max_length=40)] = None,
    free_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CapacityOut]:
    """Upcoming slots (a terminal sees its own; others name a terminal or see every one)."""
    if principal.kind == PartyKind.port_operator:
        terminal = principal.party_code
    query = select(InspectionCapacity).where(InspectionCapacity.ends_at > clock.now())
    if terminal:
        query = query.where(InspectionCapacity.terminal == terminal)
    slots = session.scalars(query.order_by(InspectionCapacity.starts_at).limit(limit))
    out = [_capacity_out(session, s) for s in slots]
    return [s for s in out if s.booked < s.bays] if free_only else out


@router.get("", response_model=Page[CaseSummary], summary="Find inspection cases")
def find(
    session: DbSession,
    principal: CaseReader,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    terminal: Annotated[str | None, Query(max_length=40)] = None,
    declaration_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[CaseSummary]:
    rows = reads.search(
        session,
        principal,
        status=status_.value if status_ else None,
        terminal=terminal,
        declaration_id=declaration_id,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[CaseSummary](
        items=[reads.summary(r) for r in rows],
        next_cursor=encode_cursor(rows[-1].id) if more and rows else None,
    )


@router.get("/{case_no}", response_model=CaseOut, summary="A case: orders, booking, results")
def get_case(session: DbSession, principal: CaseReader, case_no: str) -> CaseOut:
    return reads.case_out(session, reads.visible_case(session, principal, case_no))


@router.post("/{case_no}/booking", response_model=BookingOut, summary="Book or move the slot")
def book(
    session: DbSession,
    settings: AppSettings,
    principal: TraderOrTerminal,
    case_no: str,
    body: BookingIn,
) -> BookingOut:
    """The trader (declarant of the goods) or the case's terminal picks a slot by
    ``capacity_id`` or ``starts_at``; with an appointment already, this reschedules it."""
    case = reads.visible_case(session, principal, case_no, lock=True)
    if principal.kind == PartyKind.port_operator:
        _own_terminal(principal, case)
    elif principal.kind not in DECLARANT_KINDS:
        raise Forbidden("Only the trader or the terminal books", "只有申报人或码头可以预约")
    if body.capacity_id is None and body.starts_at is None:
        raise BadRequest(
            "Give capacity_id or starts_at",
            "请提供 capacity_id 或 starts_at",
            code="slot_required",
            findings=[Finding("/capacity_id", "required", "capacity_id is required", "时段必填")],
        )
    booked = booking.pick(
        session,
        case,
        actor=principal.party_code,
        capacity_id=body.capacity_id,
        starts_at=body.starts_at,
        node_code=settings.node_code,
    )
    return BookingOut.model_validate(booked, from_attributes=True)


@router.post("/{case_no}/no-show", response_model=CaseOut, summary="The containers did not come")
def no_show(
    session: DbSession, settings: AppSettings, principal: Terminal, case_no: str
) -> CaseOut:
    case = reads.visible_case(session, principal, case_no, lock=True)
    _own_terminal(principal, case)
    booking.no_show(session, case, actor=principal.party_code, node_code=settings.node_code)
    return reads.case_out(session, case)


@router.post(
    "/{case_no}/positioned", response_model=CaseOut, summary="Containers positioned at the bay"
)
def positioned(
    session: DbSession,
    settings: AppSettings,
    principal: Terminal,
    case_no: str,
    body: ContainersIn,
) -> CaseOut:
    case = reads.visible_case(session, principal, case_no, lock=True)
    _own_terminal(principal, case)
    chosen = service.check_containers(body.containers, case.containers) or list(case.containers)
    booking.positioned(
        session, case, actor=principal.party_code, containers=chosen, node_code=settings.node_code
    )
    return reads.case_out(session, case)


def _agency_case(session: DbSession, principal: Principal, case_no: str) -> None:
    """An agency outside the case gets 403 ``not_in_case`` (the case exists, it is joint
    work across agencies); an unknown case number 404."""
    require_kind(principal, PartyKind.agency)
    if repository.case_by_no(session, case_no) is None:
        reads.visible_case(session, principal, case_no)  # raises 404


@router.post("/{case_no}/results", response_model=CaseOut, summary="Record the agency's result")
def record_result(
    session: DbSession,
    settings: AppSettings,
    principal: Agency,
    case_no: str,
    body: ResultIn,
) -> CaseOut:
    _agency_case(session, principal, case_no)
    case = service.record_result(
        session,
        case_no,
        principal.party_code,
        result=body.result,
        notes=body.notes,
        attachments=[a.model_dump() for a in body.attachments],
        node_code=settings.node_code,
    )
    return reads.case_out(session, case)


@router.post("/{case_no}/release", response_model=CaseOut, summary="Release (some containers)")
def release(
    session: DbSession,
    settings: AppSettings,
    principal: Agency,
    case_no: str,
    body: ContainersIn,
) -> CaseOut:
    _agency_case(session, principal, case_no)
    case = service.release(
        session,
        case_no,
        principal.party_code,
        containers=body.containers,
        node_code=settings.node_code,
    )
    return reads.case_out(session, case)


@router.post("/{case_no}/cancel", response_model=CaseOut, summary="Withdraw the agency's order")
def cancel(session: DbSession, settings: AppSettings, principal: Agency, case_no: str) -> CaseOut:
    """Withdraws the calling agency's order; when the last order is withdrawn the case is
    ``cancelled``."""
    _agency_case(session, principal, case_no)
    case = service.withdraw(session, case_no, principal.party_code, node_code=settings.node_code)
    return reads.case_out(session, case)


@router.post("/{case_no}/gate-out", response_model=CaseOut, summary="Gate-out of containers")
def gate_out(
    session: DbSession,
    settings: AppSettings,
    principal: Terminal,
    case_no: str,
    body: ContainersIn,
) -> CaseOut:
    """The same as ``gate_out`` events on ``/api/v1/port/events``, by case: each container
    must be released (409 ``not_released``, nothing stored); the last one closes the case."""
    case = reads.visible_case(session, principal, case_no, lock=True)
    _own_terminal(principal, case)
    chosen = service.check_containers(body.containers, case.containers) or list(
        case.released_containers
    )
    if not chosen:
        raise Conflict(
            f"No container of case {case.case_no} is released",
            f"查验案件 {case.case_no} 没有已放行的集装箱",
            code="not_released",
            findings=[Finding("/containers", "not_released", "nothing released", "尚未放行")],
        )
    port.record(
        session,
        principal.party_code,
        [
            port.EventIn(PortEventKind.gate_out, c, declaration_id=case.declaration_id)
            for c in chosen
        ],
        node_code=settings.node_code,
        batch=True,
    )
    return reads.case_out(session, case)
