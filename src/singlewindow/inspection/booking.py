"""Inspection capacity (bays × one-hour slots per terminal) and the case's appointment.

The platform books the earliest free slot when a case opens (and when a terminal offers
capacity while cases wait for it); the trader or the terminal may pick or move the slot; the
terminal reports a no-show (the case goes back to ``open``) and the containers' positioning.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.inspection import repository, steps
from singlewindow.inspection.models import InspectionBooking, InspectionCapacity, InspectionCase
from singlewindow.inspection.rules import (
    BookingStatus,
    CaseStatus,
    is_whole_hour,
    merge,
)
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, NotFound, ValidationFailed
from singlewindow.kit.ids import new_id

MAX_SLOTS = 24 * 31  # one offer covers at most a month of hours
HOUR = timedelta(hours=1)


def _invalid(path: str, code: str, en: str, zh: str) -> ValidationFailed:
    return ValidationFailed(en, zh, findings=[Finding(path, code, en, zh)])


def offer(
    session: Session,
    terminal: str,
    *,
    starts_at: datetime,
    ends_at: datetime,
    bays: int,
    node_code: str,
) -> list[InspectionCapacity]:
    """Offers ``bays`` bays in every hour of [starts_at, ends_at); an hour already offered
    takes the new number of bays (never fewer than are booked)."""
    now = clock.now()
    if not is_whole_hour(starts_at):
        raise _invalid(
            "/starts_at", "not_whole_hour", "starts_at must be a whole hour", "开始时间必须为整点"
        )
    if not is_whole_hour(ends_at) or ends_at <= starts_at:
        raise _invalid(
            "/ends_at",
            "invalid_range",
            "ends_at must be a whole hour after starts_at",
            "结束时间必须为开始时间之后的整点",
        )
    if starts_at < now - HOUR:
        raise _invalid(
            "/starts_at", "slot_in_past", "starts_at is in the past", "开始时间早于当前时间"
        )
    hours = int((ends_at - starts_at) / HOUR)
    if hours > MAX_SLOTS:
        raise _invalid(
            "/ends_at",
            "range_too_long",
            f"at most {MAX_SLOTS} hours per offer",
            f"每次最多提供 {MAX_SLOTS} 个小时时段",
        )
    existing = {
        c.starts_at: c
        for c in session.scalars(
            select(InspectionCapacity).where(
                InspectionCapacity.terminal == terminal,
                InspectionCapacity.starts_at >= starts_at,
                InspectionCapacity.starts_at < ends_at,
            )
        )
    }
    out = []
    for i in range(hours):
        at = starts_at + i * HOUR
        slot = existing.get(at)
        if slot is None:
            slot = InspectionCapacity(
                id=new_id(), terminal=terminal, starts_at=at, ends_at=at + HOUR, bays=bays
            )
            session.add(slot)
        else:
            taken = repository.bays_taken(session, slot.id)
            if bays < taken:
                raise Conflict(
                    f"{taken} bays are booked at {at.isoformat()}; offer at least that many",
                    f"{at.isoformat()} 已预约 {taken} 个查验位，提供数量不能少于此数",
                    code="bays_in_use",
                    findings=[
                        Finding("/bays", "bays_in_use", f"{taken} booked", f"已预约 {taken} 个")
                    ],
                )
            slot.bays = bays
        out.append(slot)
    session.flush()
    audit.record(
        session,
        actor=terminal,
        action=actions.INSPECTION_CAPACITY,
        target_type=actions.INSPECTION_CASE,
        target_id=None,
        detail={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "bays": bays},
    )
    for case in repository.waiting_cases(session, terminal):
        book_earliest(session, case, node_code=node_code, after=now)
    return out


def _last_order_at(session: Session, case: InspectionCase) -> datetime:
    orders = repository.orders(session, case.id)
    return max((o.ordered_at for o in orders), default=case.created_at)


def book_earliest(
    session: Session, case: InspectionCase, *, node_code: str, after: datetime
) -> InspectionBooking | None:
    """Books the earliest free slot after now and after the case's last order; with none,
    the case stays ``open`` and says why (``waiting_reason``)."""
    if case.terminal is None:
        case.waiting_reason = "no_terminal"
        return None
    since = max(after, clock.now(), _last_order_at(session, case))
    for slot in repository.free_slots(session, case.terminal, since):
        locked = repository.lock_capacity(session, slot.id)
        if locked is None or repository.bays_taken(session, slot.id) >= locked.bays:
            continue
        return _book(session, case, locked, actor=node_code, node_code=node_code)
    if case.waiting_reason != "no_capacity":
        case.waiting_reason = "no_capacity"
        session.flush()
        steps.step(
            session,
            case,
            actor=node_code,
            name="waiting",
            node_code=node_code,
            changes={"waiting_reason": "no_capacity", "terminal": case.terminal},
        )
    return None


def _book(
    session: Session,
    case: InspectionCase,
    slot: InspectionCapacity,
    *,
    actor: str,
    node_code: str,
) -> InspectionBooking:
    previous = repository.current_booking(session, case.id)
    if previous is not None:
        previous.status = BookingStatus.rescheduled.value
    booking = InspectionBooking(
        id=new_id(),
        case_id=case.id,
        capacity_id=slot.id,
        starts_at=slot.starts_at,
        status=BookingStatus.booked.value,
        booked_by=actor,
        positioned_containers=[],
    )
    session.add(booking)
    case.status = CaseStatus.booked.value
    case.waiting_reason = None
    session.flush()
    steps.timeline(
        session,
        case.declaration_id,
        actor=actor,
        event="inspection_booked",
        detail={"case_no": case.case_no, "starts_at": slot.starts_at}
        | ({"rescheduled": True} if previous is not None else {}),
    )
    steps.step(
        session,
        case,
        actor=actor,
        name="rescheduled" if previous is not None else "booked",
        node_code=node_code,
        changes={
            "capacity_id": slot.id,
            "terminal": slot.terminal,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
        }
        | ({"previous_starts_at": previous.starts_at} if previous is not None else {}),
    )
    steps.audited(
        session,
        actor=actor,
        action=actions.INSPECTION_BOOKED,
        case=case,
        detail={"starts_at": slot.starts_at, "rescheduled": previous is not None},
    )
    return booking


def pick(
    session: Session,
    case: InspectionCase,
    *,
    actor: str,
    capacity_id: str | None,
    starts_at: datetime | None,
    node_code: str,
) -> InspectionBooking:
    """The trader or the terminal books (or moves the appointment to) a chosen slot."""
    if case.status not in (CaseStatus.open, CaseStatus.booked):
        raise Conflict(
            f"Case {case.case_no} is {case.status}; the appointment can no longer change",
            f"查验案件 {case.case_no} 状态为 {case.status}，不能再更改预约",
            code="illegal_transition",
        )
    path = "/capacity_id" if capacity_id else "/starts_at"
    if capacity_id:
        slot = session.get(InspectionCapacity, capacity_id)
    elif starts_at is not None:
        slot = session.scalar(
            select(InspectionCapacity).where(
                InspectionCapacity.terminal == case.terminal,
                InspectionCapacity.starts_at == starts_at,
            )
        )
    else:
        raise _invalid(
            "/capacity_id",
            "required",
            "give capacity_id or starts_at",
            "请提供 capacity_id 或 starts_at",
        )
    if slot is None or slot.terminal != case.terminal:
        raise NotFound(
            f"No inspection slot offered by {case.terminal} there",
            f"{case.terminal} 未提供该查验时段",
            code="slot_not_found",
            findings=[Finding(path, "slot_not_found", "no such slot", "无此时段")],
        )
    if slot.starts_at <= clock.now():
        raise _invalid(
            path, "slot_in_past", "The slot has already started", "该查验时段已开始或已过去"
        )
    current = repository.current_booking(session, case.id)
    if current is not None and current.capacity_id == slot.id:
        return current  # a replay: already booked there
    locked = repository.lock_capacity(session, slot.id)
    assert locked is not None
    if repository.bays_taken(session, slot.id) >= locked.bays:
        raise Conflict(
            f"The slot at {slot.starts_at.isoformat()} is full",
            f"{slot.starts_at.isoformat()} 的查验时段已满",
            code="slot_full",
            findings=[Finding(path, "slot_full", "the slot is full", "该时段已满")],
        )
    return _book(session, case, locked, actor=actor, node_code=node_code)


def no_show(session: Session, case: InspectionCase, *, actor: str, node_code: str) -> None:
    """The containers did not come: the booking is ``no_show`` and the case ``open``."""
    current = repository.current_booking(session, case.id)
    if case.status != CaseStatus.booked or current is None:
        raise Conflict(
            f"Case {case.case_no} is {case.status}, not booked",
            f"查验案件 {case.case_no} 状态为 {case.status}，没有待到位的预约",
            code="illegal_transition",
        )
    current.status = BookingStatus.no_show.value
    case.status = CaseStatus.open.value
    case.waiting_reason = "no_show"
    session.flush()
    steps.step(
        session,
        case,
        actor=actor,
        name="no_show",
        node_code=node_code,
        changes={"starts_at": current.starts_at, "waiting_reason": "no_show"},
    )
    steps.audited(
        session,
        actor=actor,
        action=actions.INSPECTION_BOOKED,
        case=case,
        detail={"no_show": current.starts_at},
    )


def positioned(
    session: Session,
    case: InspectionCase,
    *,
    actor: str,
    containers: list[str],
    node_code: str,
) -> list[str]:
    """The terminal has moved the containers to the inspection bay (one move). Returns the
    containers newly positioned (none for a replay)."""
    current = repository.current_booking(session, case.id)
    if current is None or case.status not in (
        CaseStatus.booked,
        CaseStatus.positioned,
        CaseStatus.inspecting,
        CaseStatus.partially_released,
    ):
        raise Conflict(
            f"Case {case.case_no} is {case.status}: containers are positioned for a booking",
            f"查验案件 {case.case_no} 状态为 {case.status}：须先预约再移箱到位",
            code="not_booked",
        )
    new = [c for c in containers if c not in current.positioned_containers]
    if not new:
        return []
    current.positioned_containers = merge(current.positioned_containers, new)
    if current.positioned_at is None:
        current.positioned_at = clock.now()
    current.status = BookingStatus.done.value
    if case.status == CaseStatus.booked:
        case.status = CaseStatus.positioned.value
    session.flush()
    steps.timeline(
        session,
        case.declaration_id,
        actor=actor,
        event="inspection_positioned",
        detail={"case_no": case.case_no, "containers": new},
    )
    steps.step(
        session,
        case,
        actor=actor,
        name="positioned",
        node_code=node_code,
        changes={"containers": new, "positioned_containers": current.positioned_containers},
    )
    steps.audited(
        session, actor=actor, action=actions.INSPECTION_POSITIONED, case=case, detail={"new": new}
    )
    return new
