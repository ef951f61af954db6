"""Every step of a case leaves three traces, in the caller's transaction:

* one ``inspection_event`` row (the case's own timeline);
* one ``inspection_notice`` exchange message per recipient (the declarant, the terminal and
  every agency of the case), in the order the steps happen: these messages are the trader's
  and the terminal's event stream (subscriptions turn them into CloudEvents);
* where the Time Release Study needs it, a declaration timeline event (``declaration_event``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.declarations.models import TimelineEvent
from singlewindow.exchange import service as exchange
from singlewindow.inspection.models import InspectionCase, InspectionEvent, InspectionOrder
from singlewindow.kit import clock
from singlewindow.kit.db import table_of
from singlewindow.kit.ids import new_id

NOTICE = "inspection_notice"


def recipients(session: Session, case: InspectionCase) -> list[str]:
    """The declarant, the terminal, then every agency that ordered (in order of ordering)."""
    agencies = session.scalars(
        select(InspectionOrder.agency_code)
        .where(InspectionOrder.case_id == case.id)
        .order_by(InspectionOrder.ordered_at, InspectionOrder.id)
    )
    out: list[str] = []
    for code in [case.declarant_code, case.terminal, *agencies]:
        if code and code not in out:
            out.append(code)
    return out


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def step(
    session: Session,
    case: InspectionCase,
    *,
    actor: str,
    name: str,
    node_code: str,
    changes: dict[str, Any] | None = None,
    to: list[str] | None = None,
) -> None:
    """Records one step and notifies its recipients (default: everyone in the case)."""
    session.flush()
    at = clock.now()
    detail = _json(changes or {})
    session.add(
        InspectionEvent(id=new_id(), case_id=case.id, at=at, actor=actor, step=name, detail=detail)
    )
    payload = {
        "case_no": case.case_no,
        "declaration_id": case.declaration_id,
        "step": name,
        "at": at.isoformat(),
        "status": case.status,
        "actor": actor,
        "changes": detail,
    }
    rows = [
        exchange.send_row(
            kind=NOTICE,
            sender=node_code,
            recipient=code,
            correlation_id=case.declaration_id,
            payload=payload,
        )
        for code in (to if to is not None else recipients(session, case))
    ]
    exchange.write(session, rows)


def timeline(
    session: Session, declaration_id: str, *, actor: str, event: str, detail: dict[str, Any]
) -> None:
    """A declaration timeline event (names are the Time Release Study's contract)."""
    session.execute(
        insert(table_of(TimelineEvent)),
        [
            {
                "id": new_id(),
                "declaration_id": declaration_id,
                "at": clock.now(),
                "actor": actor,
                "event": event,
                "status_before": None,
                "status_after": None,
                "detail": _json(detail),
            }
        ],
    )


def audited(
    session: Session, *, actor: str, action: str, case: InspectionCase, detail: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type=actions.INSPECTION_CASE,
        target_id=case.case_no,
        detail=_json(detail),
    )
