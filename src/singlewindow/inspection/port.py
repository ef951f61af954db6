"""The terminal's container events: gate-in, gate-out, positioning, discharge, loading.

A gate-out is allowed only for a released container: one the inspection case released (a
partial release lets those containers leave), or one of a released declaration that is not
under inspection. A refused event stores nothing (a batch is all or nothing). Gate-out of
every released container closes the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.declarations.models import Declaration
from singlewindow.declarations.rules import Aggregate
from singlewindow.inspection import booking, repository, steps
from singlewindow.inspection.models import InspectionCase, PortEvent
from singlewindow.inspection.rules import (
    ACTIVE,
    CaseStatus,
    PortEventKind,
    container_ok,
    merge,
    normalise_container,
)
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, Forbidden, ValidationFailed
from singlewindow.kit.ids import new_id
from singlewindow.parties import directory

RELEASED = (Aggregate.released.value, Aggregate.cleared.value)


@dataclass(frozen=True)
class EventIn:
    event: PortEventKind
    container_no: str
    bill_no: str | None = None
    declaration_id: str | None = None
    at: datetime | None = None


def _containers_of(declaration: Declaration) -> list[str]:
    boxes = declaration.document.get("containers") if declaration.document else None
    if not isinstance(boxes, list):
        return []
    return [
        normalise_container(str(b["container_id"]))
        for b in boxes
        if isinstance(b, dict) and b.get("container_id")
    ]


def _declaration_for(
    session: Session, terminal: str, item: EventIn, container: str
) -> Declaration | None:
    """The goods of the event: named, or found by B/L, or through a case at this terminal."""
    if item.declaration_id:
        return session.get(Declaration, item.declaration_id)
    where = (
        InspectionCase.bill_no == item.bill_no
        if item.bill_no
        else (InspectionCase.terminal == terminal)
        & InspectionCase.status.in_([*(s.value for s in ACTIVE), CaseStatus.released.value])
    )
    cases = session.scalars(
        select(InspectionCase).where(where).order_by(InspectionCase.created_at.desc())
    )
    for c in cases:
        if container in c.containers:
            return session.get(Declaration, c.declaration_id)
    if item.bill_no:
        for d in session.scalars(
            select(Declaration)
            .where(Declaration.bill_no == item.bill_no)
            .order_by(Declaration.created_at.desc())
        ):
            if container in _containers_of(d) or not _containers_of(d):
                return d
    return None


def _serves(session: Session, terminal: str, declaration: Declaration) -> bool:
    party = directory.lookup(session, terminal)
    offices = (party.attrs.get("customs_offices") or []) if party is not None else []
    head = declaration.document.get("head") if declaration.document else None
    port = head.get("ie_port") if isinstance(head, dict) else None
    return port in offices or declaration.customs_master in offices


def _case_for(session: Session, declaration_id: str, container: str) -> InspectionCase | None:
    for case in session.scalars(
        select(InspectionCase)
        .where(
            InspectionCase.declaration_id == declaration_id,
            InspectionCase.status != CaseStatus.cancelled.value,
        )
        .order_by(InspectionCase.created_at.desc())
    ):
        if container in case.containers:
            return case
    return None


def _finding(i: int | None, field: str, code: str, en: str, zh: str) -> Finding:
    path = f"/events/{i}/{field}" if i is not None else f"/{field}"
    return Finding(path, code, en, zh)


def record(
    session: Session,
    terminal: str,
    items: list[EventIn],
    *,
    node_code: str,
    batch: bool,
) -> list[PortEvent]:
    """Stores the terminal's events in order; any refused event refuses the whole batch."""
    out: list[PortEvent] = []
    for i, item in enumerate(items):
        index = i if batch else None
        out.append(_one(session, terminal, item, index, node_code))
    return out


def _one(
    session: Session, terminal: str, item: EventIn, index: int | None, node_code: str
) -> PortEvent:
    container = normalise_container(item.container_no)
    if not container_ok(container):
        raise ValidationFailed(
            f"{item.container_no!r} is not a valid ISO 6346 container number",
            f"{item.container_no!r} 不是有效的 ISO 6346 集装箱号",
            findings=[
                _finding(
                    index,
                    "container_no",
                    "invalid_container_no",
                    "invalid check digit or format",
                    "集装箱号格式或校验位错误",
                )
            ],
        )
    at = item.at or clock.now()
    if at > clock.now() + booking.HOUR:
        raise ValidationFailed(
            "at is in the future",
            "事件时间晚于当前时间",
            findings=[_finding(index, "at", "in_future", "at is in the future", "事件时间无效")],
        )
    declaration = _declaration_for(session, terminal, item, container)
    if item.declaration_id and declaration is None:
        raise ValidationFailed(
            f"Declaration {item.declaration_id} not found",
            f"未找到报关单 {item.declaration_id}",
            findings=[
                _finding(index, "declaration_id", "not_found", "no such declaration", "无此报关单")
            ],
        )
    if declaration is not None and not _serves(session, terminal, declaration):
        raise Forbidden(
            "These goods do not pass your terminal",
            "该批货物不经贵码头进出",
            code="not_your_terminal",
            findings=[
                _finding(
                    index, "container_no", "not_your_terminal", "not your terminal", "非本码头"
                )
            ],
        )
    case = _case_for(session, declaration.id, container) if declaration is not None else None
    if case is not None and item.event in (PortEventKind.gate_out, PortEventKind.positioned):
        case = repository.case_by_no(session, case.case_no, lock=True)
    if item.event == PortEventKind.gate_out:
        _check_released(declaration, case, container, index)
    duplicate = session.scalar(
        select(PortEvent).where(
            PortEvent.terminal == terminal,
            PortEvent.event == item.event.value,
            PortEvent.container_no == container,
            PortEvent.at == at,
        )
    )
    if duplicate is not None:
        return duplicate  # the terminal re-sent the same event
    row = PortEvent(
        id=new_id(),
        terminal=terminal,
        event=item.event.value,
        container_no=container,
        bill_no=item.bill_no or (declaration.bill_no if declaration is not None else None),
        declaration_id=declaration.id if declaration is not None else None,
        case_id=case.id if case is not None else None,
        at=at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=terminal,
        action=actions.PORT_EVENT,
        target_type=actions.PORT_CONTAINER,
        target_id=container,
        detail={"event": item.event.value, "declaration_id": row.declaration_id},
    )
    if declaration is None:
        return row
    if item.event == PortEventKind.gate_out:
        _gate_out(session, declaration, case, container, terminal, node_code)
    elif item.event == PortEventKind.positioned and case is not None and case.status in ACTIVE:
        booking.positioned(
            session, case, actor=terminal, containers=[container], node_code=node_code
        )
    return row


def _check_released(
    declaration: Declaration | None,
    case: InspectionCase | None,
    container: str,
    index: int | None,
) -> None:
    if case is not None and container in case.released_containers:
        return
    if case is None and declaration is not None and declaration.status in RELEASED:
        return
    raise Conflict(
        f"Container {container} is not released",
        f"集装箱 {container} 尚未放行",
        code="not_released",
        findings=[
            _finding(
                index,
                "container_no",
                "not_released",
                f"{container} is not released",
                f"{container} 尚未放行",
            )
        ],
    )


def _gate_out(
    session: Session,
    declaration: Declaration,
    case: InspectionCase | None,
    container: str,
    terminal: str,
    node_code: str,
) -> None:
    released = list(case.released_containers) if case is not None else _containers_of(declaration)
    out = {e.container_no for e in repository.gated_out(session, declaration.id)}
    all_out = all(c in out for c in released)
    steps.timeline(
        session,
        declaration.id,
        actor=terminal,
        event="gate_out",
        detail={"container_no": container, "all_out": all_out},
    )
    if case is None:
        return
    case.gated_out = merge(case.gated_out, [container])
    if case.gate_out_at is None:
        case.gate_out_at = clock.now()
    session.flush()
    steps.step(
        session,
        case,
        actor=terminal,
        name="gate_out",
        node_code=node_code,
        changes={"container_no": container, "all_out": all_out},
    )
    if all_out and case.status == CaseStatus.released:
        case.status = CaseStatus.closed.value
        case.gate_out_at = clock.now()
        session.flush()
        steps.step(
            session,
            case,
            actor=terminal,
            name="closed",
            node_code=node_code,
            changes={"gated_out": case.gated_out},
        )
