"""Named actions on joint inspection cases: order (open or join), result, release, withdraw.

One case per declaration while it is open: every agency that orders an inspection of the same
goods joins it. Each agency's ``AgencyStatus`` on the declaration follows its order through
``declarations.service.follow_inspection`` (ordered → ``inspection_required``, result →
``inspected``, released → ``released``), so the declaration is released — and the one release
notice goes out, with the case's release number — only when every agency has released.
Services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from singlewindow.audit import actions
from singlewindow.declarations import repository as declarations_repo
from singlewindow.declarations import service as declarations
from singlewindow.declarations.models import Declaration
from singlewindow.declarations.rules import FINAL_AGGREGATES, AgencyState, Aggregate
from singlewindow.inspection import booking, repository, steps
from singlewindow.inspection.models import InspectionCase, InspectionOrder
from singlewindow.inspection.rules import (
    WORKING,
    BookingStatus,
    CaseStatus,
    OrderStatus,
    Result,
    case_no,
    container_ok,
    merge,
    normalise_container,
    release_no,
    status_after_release,
)
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, Forbidden, NotFound, ValidationFailed
from singlewindow.kit.ids import new_id
from singlewindow.kit.sequences import next_value
from singlewindow.parties import directory


@dataclass(frozen=True)
class Ordered:
    case: InspectionCase
    order: InspectionOrder
    opened: bool


def _not_found(case_no_: str) -> NotFound:
    return NotFound(
        f"Inspection case {case_no_} not found",
        f"未找到查验案件 {case_no_}",
        code="case_not_found",
    )


def _declaration_containers(declaration: Declaration) -> list[str]:
    boxes = declaration.document.get("containers") if declaration.document else None
    if not isinstance(boxes, list):
        return []
    return merge(
        normalise_container(str(b["container_id"]))
        for b in boxes
        if isinstance(b, dict) and b.get("container_id")
    )


def check_containers(
    requested: list[str] | None, allowed: list[str], *, path: str = "/containers"
) -> list[str] | None:
    """Normalised container numbers, each ISO 6346 valid and one of ``allowed`` (when the
    goods name their containers); None when none were asked for."""
    if requested is None:
        return None
    out: list[str] = []
    findings: list[Finding] = []
    for i, raw in enumerate(requested):
        value = normalise_container(raw)
        if not container_ok(value):
            findings.append(
                Finding(
                    f"{path}/{i}",
                    "invalid_container_no",
                    f"{raw!r} is not a valid ISO 6346 container number",
                    f"{raw!r} 不是有效的 ISO 6346 集装箱号",
                )
            )
        elif allowed and value not in allowed:
            findings.append(
                Finding(
                    f"{path}/{i}",
                    "container_not_in_case",
                    f"container {value} is not one of {', '.join(allowed)}",
                    f"集装箱 {value} 不在 {', '.join(allowed)} 之中",
                )
            )
        elif value not in out:
            out.append(value)
    if findings:
        raise ValidationFailed(
            "Some containers are not valid here", "部分集装箱号无效", findings=findings
        )
    return out


def terminal_for(session: Session, customs_office: str | None) -> str | None:
    """The terminal (port operator) serving the customs office of entry/exit."""
    if not customs_office:
        return None
    for party in directory.service_parties(session).values():
        if (
            party.kind == "port_operator"
            and party.active
            and customs_office in (party.attrs.get("customs_offices") or [])
        ):
            return party.code
    return None


def _head(declaration: Declaration, name: str) -> str | None:
    head = declaration.document.get("head") if declaration.document else None
    value = head.get(name) if isinstance(head, dict) else None
    return str(value) if value else None


def order(
    session: Session,
    declaration_id: str,
    agency_code: str,
    *,
    containers: list[str] | None,
    instructions: dict[str, Any],
    due_hours: int | None,
    node_code: str,
    default_due_hours: int = 24,
    locked: Declaration | None = None,
) -> Ordered:
    """An agency orders an inspection: opens the case of the goods or joins the open one."""
    declaration = locked or declarations.lock_for_inspection(session, declaration_id)
    if declaration is None:
        raise NotFound(
            f"Declaration {declaration_id} not found",
            f"未找到报关单 {declaration_id}",
            code="declaration_not_found",
        )
    status = declarations_repo.agency_status(session, declaration.id, agency_code)
    if status is None:
        raise Forbidden(
            "This declaration was not routed to your agency",
            "该报关单未分送至贵单位",
            code="not_routed_to_you",
        )
    if declaration.status in FINAL_AGGREGATES or declaration.status in (
        Aggregate.draft,
        Aggregate.released,
    ):
        raise Conflict(
            f"Declaration is {declaration.status}; an inspection can no longer be ordered",
            f"报关单状态为 {declaration.status}，不能再布控查验",
            code="illegal_transition",
        )
    if locked is None and status.status in (AgencyState.released, AgencyState.rejected):
        raise Conflict(
            f"Your agency has already decided ({status.status}) on this declaration",
            f"贵单位已对该报关单作出处理（{status.status}）",
            code="already_decided",
        )
    goods = _declaration_containers(declaration)
    wanted = check_containers(containers, goods)
    now = clock.now()
    case = repository.active_case(session, declaration.id)
    opened = case is None
    if case is None:
        office = _head(declaration, "ie_port") or declaration.customs_master
        case = InspectionCase(
            id=new_id(),
            case_no=case_no(clock.today_china(), next_value(session, "inspection_case")),
            declaration_id=declaration.id,
            declarant_code=declaration.declarant_code,
            bill_no=declaration.bill_no,
            containers=list(wanted or goods),
            terminal=terminal_for(session, office),
            customs_office=office,
            status=CaseStatus.open.value,
            released_containers=[],
            gated_out=[],
        )
        session.add(case)
        session.flush()
    else:
        case.containers = merge(case.containers, wanted or goods)
    existing = repository.order_of(session, case.id, agency_code)
    before = status.status
    hours = due_hours or default_due_hours
    if existing is not None and existing.status != OrderStatus.withdrawn:
        existing.containers = merge(existing.containers, wanted or goods)
        notes = [n for n in (existing.instructions.get("notes"), instructions.get("notes")) if n]
        existing.instructions = {
            "kind": instructions.get("kind") or existing.instructions.get("kind"),
            "notes": "\n".join(dict.fromkeys(notes)),
        }
        the_order = existing
    else:
        if existing is not None:  # ordered again after withdrawing
            session.delete(existing)
            session.flush()
        the_order = InspectionOrder(
            id=new_id(),
            case_id=case.id,
            agency_code=agency_code,
            containers=list(wanted or goods),
            instructions=dict(instructions),
            ordered_at=now,
            due_by=now + timedelta(hours=hours),
            status=OrderStatus.open.value,
            notes="",
            attachments=[],
            released_containers=[],
            agency_status_before=before
            if before != AgencyState.inspection_required
            else AgencyState.accepted.value,
        )
        session.add(the_order)
    session.flush()
    detail = {"agency": agency_code, "case_no": case.case_no}
    steps.timeline(
        session, declaration.id, actor=agency_code, event="inspection_ordered", detail=detail
    )
    declarations.follow_inspection(
        session,
        declaration,
        agency_code,
        AgencyState.inspection_required,
        node_code=node_code,
        detail={"case_no": case.case_no},
    )
    if opened and case.terminal is None:
        case.waiting_reason = "no_terminal"
    steps.step(
        session,
        case,
        actor=agency_code,
        name="opened" if opened else "joined",
        node_code=node_code,
        changes={
            "agency": agency_code,
            "containers": the_order.containers,
            "case_containers": case.containers,
            "instructions": the_order.instructions,
            "due_by": the_order.due_by,
        },
    )
    steps.audited(
        session,
        actor=agency_code,
        action=actions.INSPECTION_ORDERED,
        case=case,
        detail={"declaration_id": declaration.id, "opened": opened},
    )
    if case.status == CaseStatus.open and case.terminal is not None:
        booking.book_earliest(session, case, node_code=node_code, after=now)
    return Ordered(case, the_order, opened)


def _agency_order(session: Session, case: InspectionCase, agency_code: str) -> InspectionOrder:
    found = repository.order_of(session, case.id, agency_code)
    if found is None or found.status == OrderStatus.withdrawn:
        raise Forbidden(
            f"Your agency has no inspection order in case {case.case_no}",
            f"贵单位不是查验案件 {case.case_no} 的参与方",
            code="not_in_case",
        )
    return found


def _locked_case(session: Session, case_no_: str) -> InspectionCase:
    case = repository.case_by_no(session, case_no_, lock=True)
    if case is None:
        raise _not_found(case_no_)
    return case


def record_result(
    session: Session,
    case_no_: str,
    agency_code: str,
    *,
    result: Result,
    notes: str,
    attachments: list[dict[str, Any]],
    node_code: str,
    via_decision: bool = False,
) -> InspectionCase:
    """An agency of the case records what it found (once the containers are positioned)."""
    case = _locked_case(session, case_no_)
    the_order = _agency_order(session, case, agency_code)
    if the_order.status == OrderStatus.released:
        raise Conflict(
            "Your agency has already released in this case",
            "贵单位已在本案件中放行",
            code="already_released",
        )
    if case.status not in WORKING and not via_decision:
        raise Conflict(
            f"Case {case.case_no} is {case.status}: results are recorded once the containers "
            "are positioned",
            f"查验案件 {case.case_no} 状态为 {case.status}：集装箱到位后才能录入查验结果",
            code="not_positioned",
        )
    the_order.result = result.value
    the_order.notes = notes
    the_order.attachments = attachments
    the_order.result_at = clock.now()
    the_order.status = OrderStatus.resulted.value
    if case.status == CaseStatus.positioned:
        case.status = CaseStatus.inspecting.value
    session.flush()
    steps.timeline(
        session,
        case.declaration_id,
        actor=agency_code,
        event="inspection_result",
        detail={"agency": agency_code, "result": result.value, "case_no": case.case_no},
    )
    declaration = session.get(Declaration, case.declaration_id)
    assert declaration is not None  # a case's declaration is never deleted
    declarations.follow_inspection(
        session,
        declaration,
        agency_code,
        AgencyState.inspected,
        node_code=node_code,
        detail={"case_no": case.case_no, "result": result.value},
    )
    steps.step(
        session,
        case,
        actor=agency_code,
        name="result",
        node_code=node_code,
        changes={
            "agency": agency_code,
            "result": result.value,
            "notes": notes,
            "attachments": attachments,
        },
    )
    steps.audited(
        session,
        actor=agency_code,
        action=actions.INSPECTION_RESULT,
        case=case,
        detail={"result": result.value, "attachments": len(attachments)},
    )
    return case


def _holder(orders: list[InspectionOrder], agency_code: str) -> InspectionOrder | None:
    for o in orders:
        if (
            o.agency_code != agency_code
            and o.status == OrderStatus.resulted
            and o.result == Result.hold
        ):
            return o
    return None


def _released_by_all(orders: list[InspectionOrder], containers: list[str]) -> list[str]:
    """Containers every (not withdrawn) order covering them has released."""
    live = [o for o in orders if o.status != OrderStatus.withdrawn]
    return [
        c
        for c in containers
        if any(c in o.containers for o in live)
        and all(c in o.released_containers for o in live if c in o.containers)
    ]


def release(
    session: Session,
    case_no_: str,
    agency_code: str,
    *,
    containers: list[str] | None,
    node_code: str,
    via_decision: bool = False,
) -> InspectionCase:
    """An agency releases (all its containers, or some: a partial release). The declaration
    is released when every agency of the case has released all of them."""
    case = _locked_case(session, case_no_)
    the_order = _agency_order(session, case, agency_code)
    orders = repository.orders(session, case.id)
    holder = _holder(orders, agency_code)
    if holder is not None:
        raise Conflict(
            f"{holder.agency_code} holds the goods of case {case.case_no}",
            f"{holder.agency_code} 已对查验案件 {case.case_no} 的货物作扣留处理",
            code="held_by_other_agency",
            findings=[
                Finding(
                    "/agency",
                    "held_by_other_agency",
                    f"held by {holder.agency_code}",
                    f"被 {holder.agency_code} 扣留",
                )
            ],
        )
    if the_order.status == OrderStatus.open:
        raise Conflict(
            "Record your result before releasing",
            "请先录入查验结果再放行",
            code="no_result",
        )
    if case.status not in WORKING and not via_decision:
        raise Conflict(
            f"Case {case.case_no} is {case.status}; nothing to release",
            f"查验案件 {case.case_no} 状态为 {case.status}，无可放行内容",
            code="illegal_transition",
        )
    chosen = check_containers(containers, the_order.containers) or list(the_order.containers)
    if the_order.status == OrderStatus.released or set(chosen) <= set(
        the_order.released_containers
    ):
        return case  # a replay: nothing new is released
    the_order.released_containers = merge(the_order.released_containers, chosen)
    now = clock.now()
    fully = set(the_order.containers) <= set(the_order.released_containers)
    if fully:
        the_order.status = OrderStatus.released.value
        the_order.released_at = now
    case.released_containers = _released_by_all(orders, case.containers)
    if all(o.status in (OrderStatus.released, OrderStatus.withdrawn) for o in orders):
        new_status = CaseStatus.released
    else:
        new_status = status_after_release(case.containers, case.released_containers)
        if new_status == CaseStatus.released:  # every box out, yet an order is not done
            new_status = CaseStatus.partially_released
    case.status = new_status.value
    if new_status == CaseStatus.released:
        _mark_released(session, case)
    session.flush()
    steps.timeline(
        session,
        case.declaration_id,
        actor=agency_code,
        event="inspection_released",
        detail={"agency": agency_code, "containers": chosen, "case_no": case.case_no},
    )
    steps.step(
        session,
        case,
        actor=agency_code,
        name="released",
        node_code=node_code,
        changes={
            "agency": agency_code,
            "containers": chosen,
            "released_containers": case.released_containers,
            "release_no": case.release_no,
        },
    )
    steps.audited(
        session,
        actor=agency_code,
        action=actions.INSPECTION_RELEASED,
        case=case,
        detail={"containers": chosen, "fully": fully},
    )
    if fully and not via_decision:
        declaration = session.get(Declaration, case.declaration_id)
        assert declaration is not None
        declarations.follow_inspection(
            session,
            declaration,
            agency_code,
            AgencyState.released,
            node_code=node_code,
            detail={"case_no": case.case_no},
        )
    return case


def withdraw(
    session: Session, case_no_: str, agency_code: str, *, node_code: str
) -> InspectionCase:
    """An agency withdraws its order; the last withdrawal cancels the case."""
    case = _locked_case(session, case_no_)
    the_order = _agency_order(session, case, agency_code)
    if the_order.status == OrderStatus.released:
        raise Conflict(
            "Your agency has already released; the order cannot be withdrawn",
            "贵单位已放行，不能撤回查验指令",
            code="already_released",
        )
    the_order.status = OrderStatus.withdrawn.value
    orders = repository.orders(session, case.id)
    live = [o for o in orders if o.status != OrderStatus.withdrawn]
    session.flush()
    declaration = session.get(Declaration, case.declaration_id)
    assert declaration is not None
    steps.step(
        session,
        case,
        actor=agency_code,
        name="withdrawn",
        node_code=node_code,
        changes={"agency": agency_code},
    )
    steps.audited(
        session, actor=agency_code, action=actions.INSPECTION_WITHDRAWN, case=case, detail={}
    )
    if not live:
        cancel(session, case, actor=agency_code, node_code=node_code, reason="withdrawn")
    elif all(o.status == OrderStatus.released for o in live):
        case.released_containers = _released_by_all(orders, case.containers)
        _mark_released(session, case)
        session.flush()
    declarations.follow_inspection(
        session,
        declaration,
        agency_code,
        AgencyState(the_order.agency_status_before or AgencyState.accepted.value),
        node_code=node_code,
        detail={"case_no": case.case_no, "withdrawn": True},
    )
    return case


def _mark_released(session: Session, case: InspectionCase) -> None:
    """Every agency has released: the case's release number (an appointment still pending,
    e.g. released on documents before the containers were moved, is cancelled)."""
    case.status = CaseStatus.released.value
    case.released_at = clock.now()
    case.release_no = release_no(clock.today_china(), next_value(session, "release_no"))
    current = repository.current_booking(session, case.id)
    if current is not None and current.status == BookingStatus.booked:
        current.status = BookingStatus.cancelled.value


def cancel(
    session: Session, case: InspectionCase, *, actor: str, node_code: str, reason: str
) -> None:
    case.status = CaseStatus.cancelled.value
    current = repository.current_booking(session, case.id)
    if current is not None and current.status == BookingStatus.booked:
        current.status = BookingStatus.cancelled.value
    session.flush()
    steps.step(
        session,
        case,
        actor=actor,
        name="cancelled",
        node_code=node_code,
        changes={"reason": reason},
    )
