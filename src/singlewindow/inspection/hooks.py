"""Hooks the declarations service calls (lazily: it is imported by this context).

The decision route and the release notice live in ``declarations``; these keep the case in
step with them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from singlewindow.declarations.models import Declaration
from singlewindow.inspection import repository, service, steps
from singlewindow.inspection.rules import OrderStatus, Result, release_no
from singlewindow.kit import clock
from singlewindow.kit.sequences import next_value


def on_decision(
    session: Session,
    declaration: Declaration,
    agency_code: str,
    decision: str,
    *,
    node_code: str,
    due_hours: int,
) -> None:
    """An agency posted a decision directly (``POST /api/v1/agency/decisions``): the case
    follows. ``inspection_required`` opens or joins the case; ``inspected`` records a
    ``pass`` when the agency has no result yet; ``released`` releases its whole order;
    a rejection cancels the open case."""
    if decision == "inspection_required":
        service.order(
            session,
            declaration.id,
            agency_code,
            containers=None,
            instructions={"kind": "physical", "notes": ""},
            due_hours=None,
            node_code=node_code,
            default_due_hours=due_hours,
            locked=declaration,
        )
        return
    case = repository.active_case(session, declaration.id)
    if case is None:
        return
    mine = repository.order_of(session, case.id, agency_code)
    if decision in ("rejected", "licence_refused"):
        service.cancel(session, case, actor=agency_code, node_code=node_code, reason="rejected")
        return
    if mine is None or mine.status == OrderStatus.withdrawn:
        return
    if decision == "inspected" and mine.status == OrderStatus.open:
        service.record_result(
            session,
            case.case_no,
            agency_code,
            result=Result.passed,
            notes="",
            attachments=[],
            node_code=node_code,
            via_decision=True,
        )
    elif decision == "released" and mine.status != OrderStatus.released:
        service.release(
            session,
            case.case_no,
            agency_code,
            containers=None,
            node_code=node_code,
            via_decision=True,
        )


def release_no_for(session: Session, declaration_id: str) -> str:
    """The release number of the declaration's release notice: its case's, else a new one."""
    found = repository.latest_release_no(session, declaration_id)
    if found is not None:
        return found
    return release_no(clock.today_china(), next_value(session, "release_no"))


def on_release_notice(
    session: Session, declaration_id: str, release_no_: str, node_code: str
) -> None:
    """The declaration's release notice went out: the case (if any) tells its parties."""
    case = repository.case_with_release(session, declaration_id, release_no_)
    if case is None:
        return
    steps.step(
        session,
        case,
        actor=node_code,
        name="release_notice",
        node_code=node_code,
        changes={"release_no": release_no_, "released_containers": case.released_containers},
    )
