"""The port operator's pages: overview, inspection capacity, bookings (positioning, no-show,
reschedule), release notices received, and the gate (gate-in / gate-out).

Actions call the inspection context's services exactly as ``inspection/api.py`` and
``inspection/port_api.py`` do, with the terminal's principal, inside a savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.exchange import monitor
from singlewindow.inspection import booking, port, reads, repository
from singlewindow.inspection import service as inspection
from singlewindow.inspection.models import InspectionCapacity
from singlewindow.inspection.rules import PortEventKind
from singlewindow.inspection.schemas import CaseOut
from singlewindow.kit import clock
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import Finding, NotFound, SingleWindowError, ValidationFailed
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.web.actions import Posted, attempt
from singlewindow.web.auth import PortalUser, PortUser
from singlewindow.web.views.agency import done, field, field_errors, fields, page

router = APIRouter(prefix="/portal", include_in_schema=False)

WORKING = ("booked", "positioned", "inspecting", "partially_released")
PAGE = 50


def _cases(session: Session, user: PortalUser, statuses: tuple[str, ...]) -> list[CaseOut]:
    """The terminal's cases in these statuses (``reads.search`` scopes them to it)."""
    out: list[CaseOut] = []
    for status in statuses:
        rows = reads.search(
            session,
            user.principal,
            status=status,
            terminal=None,
            declaration_id=None,
            after_id=None,
            limit=200,
        )
        out += [reads.case_out(session, c) for c in rows]
    return out


def _china(at: datetime) -> datetime:
    return at.astimezone(CHINA_TZ)


def _release_notices(session: Session, terminal: str, *, after_id: str | None, limit: int) -> Any:
    return monitor.find_messages(
        session, recipient=terminal, kind="release_notice", after_id=after_id, limit=limit
    )


# --- overview


@router.get("/port")
def overview(request: Request, session: DbSession, user: PortUser) -> Response:
    terminal = user.principal.party_code
    today = clock.today_china()
    working = _cases(session, user, WORKING)
    todays = sorted(
        (c for c in working if c.booking and _china(c.booking.starts_at).date() == today),
        key=lambda c: c.booking.starts_at if c.booking else clock.now(),
    )
    waiting = _cases(session, user, ("open",))
    notices = _release_notices(session, terminal, after_id=None, limit=1000)
    released_today = [m for m in notices if _china(m.created_at).date() == today]
    return page(
        request,
        "port/overview.html",
        {
            "todays": todays,
            "waiting": waiting,
            "working": len(working),
            "released_today": len(released_today),
            "latest": [_notice(m) for m in reversed(released_today[-5:])],
            "free_slots": len(repository.free_slots(session, terminal, clock.now(), limit=500)),
        },
        user=user,
    )


# --- capacity


@dataclass(frozen=True, slots=True)
class Slot:
    id: str
    starts_at: datetime
    ends_at: datetime
    bays: int
    booked: int


def _upcoming(session: Session, terminal: str) -> list[Slot]:
    """The terminal's slots that have not ended (as ``GET /api/v1/inspections/capacity``);
    a removed hour (no bays left) is not shown."""
    slots = session.scalars(
        select(InspectionCapacity)
        .where(InspectionCapacity.terminal == terminal, InspectionCapacity.ends_at > clock.now())
        .order_by(InspectionCapacity.starts_at)
        .limit(500)
    )
    return [
        Slot(s.id, s.starts_at, s.ends_at, s.bays, repository.bays_taken(session, s.id))
        for s in slots
        if s.bays > 0
    ]


def _capacity_page(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    error: SingleWindowError | None = None,
    form: dict[str, str] | None = None,
    notice: str = "",
) -> Response:
    slots = _upcoming(session, user.principal.party_code)
    days: dict[date, list[Slot]] = {}
    for s in slots:
        days.setdefault(_china(s.starts_at).date(), []).append(s)
    tomorrow = clock.today_china() + timedelta(days=1)
    return page(
        request,
        "port/capacity.html",
        {
            "days": days,
            "error": error,
            "fields": field_errors(error, _CAPACITY_FIELDS),
            "form": form
            or {
                "day": tomorrow.isoformat(),
                "first_hour": "9",
                "last_hour": "17",
                "bays": "2",
            },
            "notice": notice,
            "hours": list(range(24)),
        },
        user=user,
        status_code=error.status if error else 200,
    )


# Service findings (API paths) → the form's controls.
_CAPACITY_FIELDS = {"starts_at": "first_hour", "ends_at": "last_hour", "bays": "bays"}


@router.get("/port/capacity")
def capacity_page(
    request: Request,
    session: DbSession,
    user: PortUser,
    saved: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    notice = {"offered": "port.notice_offered", "removed": "port.notice_removed"}.get(saved, "")
    return _capacity_page(request, session, user, notice=notice)


def _capacity_input(
    day: str, first_hour: str, last_hour: str, bays: str
) -> tuple[datetime, datetime, int]:
    findings = []
    parsed_day = None
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        findings.append(Finding("/day", "invalid_date", "choose a date", "请选择日期"))
    first = int(first_hour) if first_hour.isdigit() else -1
    last = int(last_hour) if last_hour.isdigit() else -1
    if not 0 <= first <= 23:
        findings.append(Finding("/first_hour", "out_of_range", "0 to 23", "应为 0 至 23"))
    if not 1 <= last <= 24:
        findings.append(Finding("/last_hour", "out_of_range", "1 to 24", "应为 1 至 24"))
    elif 0 <= first <= 23 and last <= first:
        findings.append(
            Finding("/last_hour", "invalid_range", "must be after the first hour", "应晚于开始时间")
        )
    count = int(bays) if bays.strip().isdigit() else 0
    if not 1 <= count <= 500:
        findings.append(Finding("/bays", "out_of_range", "1 to 500 bays", "应为 1 至 500 个"))
    if findings or parsed_day is None:
        raise ValidationFailed(
            "The capacity offer is not valid", "查验能力信息有误", findings=findings
        )
    start = datetime.combine(parsed_day, time(), CHINA_TZ) + timedelta(hours=first)
    end = datetime.combine(parsed_day, time(), CHINA_TZ) + timedelta(hours=last)
    return start, end, count


@router.post("/port/capacity")
def offer_capacity(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: PortUser,
    form: Posted,
) -> Response:
    day = field(form, "day", 10)
    first_hour = field(form, "first_hour", 2)
    last_hour = field(form, "last_hour", 2)
    bays = field(form, "bays", 4)
    entered = {"day": day, "first_hour": first_hour, "last_hour": last_hour, "bays": bays}

    def act() -> Any:
        start, end, count = _capacity_input(day, first_hour, last_hour, bays)
        return booking.offer(
            session,
            user.principal.party_code,
            starts_at=start,
            ends_at=end,
            bays=count,
            node_code=settings.node_code,
        )

    _, error = attempt(session, act)
    if error is not None:
        return _capacity_page(request, session, user, error=error, form=entered)
    return done(request, "/portal/port/capacity?saved=offered")


@router.post("/port/capacity/{capacity_id}/remove")
def remove_capacity(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: PortUser,
    capacity_id: str,
) -> Response:
    """Withdraws a future hour: the offer function with no bays (refused while booked)."""
    terminal = user.principal.party_code
    slot = session.get(InspectionCapacity, capacity_id)
    if slot is None or slot.terminal != terminal or slot.ends_at <= clock.now():
        raise NotFound("No such inspection slot", "无此查验时段", code="slot_not_found")
    _, error = attempt(
        session,
        lambda: booking.offer(
            session,
            terminal,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            bays=0,
            node_code=settings.node_code,
        ),
    )
    if error is not None:
        return _capacity_page(request, session, user, error=error)
    return done(request, "/portal/port/capacity?saved=removed")


# --- bookings


def _bookings_page(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    error: tuple[str, SingleWindowError] | None = None,
    notice: str = "",
) -> Response:
    terminal = user.principal.party_code
    cases = sorted(
        _cases(session, user, WORKING),
        key=lambda c: c.booking.starts_at if c.booking else c.created_at,
    )
    return page(
        request,
        "port/bookings.html",
        {
            "cases": cases,
            "waiting": _cases(session, user, ("open",)),
            "free": [
                Slot(s.id, s.starts_at, s.ends_at, s.bays, repository.bays_taken(session, s.id))
                for s in repository.free_slots(session, terminal, clock.now(), limit=48)
            ],
            "error": error,
            "notice": notice,
        },
        user=user,
        status_code=error[1].status if error else 200,
    )


@router.get("/port/bookings")
def bookings_page(
    request: Request,
    session: DbSession,
    user: PortUser,
    saved: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    notice = {
        "positioned": "port.notice_positioned",
        "no_show": "port.notice_no_show",
        "rescheduled": "port.notice_rescheduled",
    }.get(saved, "")
    return _bookings_page(request, session, user, notice=notice)


@router.post("/port/bookings/{case_no}/positioned")
def positioned(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: PortUser,
    case_no: str,
    form: Posted,
) -> Response:
    containers = fields(form, "containers") or None
    principal = user.principal

    def act() -> Any:
        case = reads.visible_case(session, principal, case_no, lock=True)
        chosen = inspection.check_containers(
            [c for c in containers or [] if c] or None, case.containers
        ) or list(case.containers)
        return booking.positioned(
            session,
            case,
            actor=principal.party_code,
            containers=chosen,
            node_code=settings.node_code,
        )

    _, error = attempt(session, act)
    if error is not None:
        return _bookings_page(request, session, user, error=(case_no, error))
    return done(request, "/portal/port/bookings?saved=positioned")


@router.post("/port/bookings/{case_no}/no-show")
def no_show(
    request: Request, session: DbSession, settings: AppSettings, user: PortUser, case_no: str
) -> Response:
    principal = user.principal

    def act() -> None:
        case = reads.visible_case(session, principal, case_no, lock=True)
        booking.no_show(session, case, actor=principal.party_code, node_code=settings.node_code)

    _, error = attempt(session, act)
    if error is not None:
        return _bookings_page(request, session, user, error=(case_no, error))
    return done(request, "/portal/port/bookings?saved=no_show")


@router.post("/port/bookings/{case_no}/reschedule")
def reschedule(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: PortUser,
    case_no: str,
    form: Posted,
) -> Response:
    capacity_id = field(form, "capacity_id", 36)
    principal = user.principal

    def act() -> Any:
        case = reads.visible_case(session, principal, case_no, lock=True)
        if not capacity_id:
            raise ValidationFailed(
                "Choose a slot",
                "请选择查验时段",
                findings=[Finding("/capacity_id", "required", "choose a slot", "请选择时段")],
            )
        return booking.pick(
            session,
            case,
            actor=principal.party_code,
            capacity_id=capacity_id,
            starts_at=None,
            node_code=settings.node_code,
        )

    _, error = attempt(session, act)
    if error is not None:
        return _bookings_page(request, session, user, error=(case_no, error))
    return done(request, "/portal/port/bookings?saved=rescheduled")


# --- release notices


@dataclass(frozen=True, slots=True)
class Notice:
    id: str
    release_no: str
    unified_no: str
    entry_no: str
    ie_flag: str
    bill_no: str
    vessel: str
    containers: list[str]
    received_at: datetime
    state: str


def _notice(message: Any) -> Notice:
    payload: dict[str, Any] = message.payload or {}
    raw_head = payload.get("head")
    head: dict[str, Any] = raw_head if isinstance(raw_head, dict) else {}
    raw_boxes = payload.get("containers")
    boxes: list[Any] = raw_boxes if isinstance(raw_boxes, list) else []
    return Notice(
        id=message.id,
        release_no=str(payload.get("release_no") or ""),
        unified_no=str(payload.get("unified_no") or ""),
        entry_no=str(payload.get("entry_no") or ""),
        ie_flag=str(head.get("ie_flag") or ""),
        bill_no=str(head.get("bill_no") or ""),
        vessel=str(head.get("traf_name") or ""),
        containers=[
            str(b.get("container_id"))
            for b in boxes
            if isinstance(b, dict) and b.get("container_id")
        ],
        received_at=message.created_at,
        state=message.state,
    )


@router.get("/port/releases")
def releases_page(
    request: Request,
    session: DbSession,
    user: PortUser,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    rows = _release_notices(
        session, user.principal.party_code, after_id=decode_cursor(cursor), limit=PAGE + 1
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return page(
        request,
        "port/releases.html",
        {
            "notices": [_notice(m) for m in rows],
            "next_url": f"/portal/port/releases?cursor={encode_cursor(rows[-1].id)}"
            if more and rows
            else None,
        },
        user=user,
    )


# --- gate


def _gate_page(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    error: SingleWindowError | None = None,
    form: dict[str, str] | None = None,
    notice: str = "",
) -> Response:
    events = reads.port_events(
        session, user.principal, container_no=None, bill_no=None, after_id=None, limit=20
    )
    return page(
        request,
        "port/gate.html",
        {
            "events": events,
            "error": error,
            "fields": field_errors(error, _CAPACITY_FIELDS),
            "form": form or {"event": "gate_out"},
            "notice": notice,
            "kinds": ["gate_in", "gate_out"],
        },
        user=user,
        status_code=error.status if error else 200,
    )


@router.get("/port/gate")
def gate_page(
    request: Request,
    session: DbSession,
    user: PortUser,
    saved: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    notice = "port.notice_gate" if saved in ("gate_in", "gate_out") else ""
    return _gate_page(request, session, user, notice=notice)


@router.post("/port/gate")
def gate_event(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: PortUser,
    form: Posted,
) -> Response:
    event = field(form, "event", 20)
    container_no = field(form, "container_no", 16)
    bill_no = field(form, "bill_no", 32)
    entered = {"event": event, "container_no": container_no, "bill_no": bill_no}

    def act() -> Any:
        if event not in ("gate_in", "gate_out"):
            raise ValidationFailed(
                "Choose gate-in or gate-out",
                "请选择进闸或出闸",
                findings=[Finding("/event", "required", "choose the event", "请选择事件")],
            )
        if not container_no.strip():
            raise ValidationFailed(
                "The container number is required",
                "集装箱号必填",
                findings=[Finding("/container_no", "required", "required", "必填")],
            )
        return port.record(
            session,
            user.principal.party_code,
            [port.EventIn(PortEventKind(event), container_no.strip(), bill_no.strip() or None)],
            node_code=settings.node_code,
            batch=False,
        )

    _, error = attempt(session, act)
    if error is not None:
        return _gate_page(request, session, user, error=error, form=entered)
    return done(request, f"/portal/port/gate?saved={event}")
