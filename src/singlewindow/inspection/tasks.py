"""Background loops of this context, started with the exchange workers (``singlewindow.tasks``).

Escalation: an order whose ``due_by`` has passed without a result raises one ``escalated``
notice to its agency and to the node operator. Each run is one transaction and marks the
orders it escalated (``escalated_at``), so a run killed halfway is simply done again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.inspection import steps
from singlewindow.inspection.models import InspectionCase, InspectionOrder
from singlewindow.inspection.rules import ACTIVE, OrderStatus
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings

log = logging.getLogger("singlewindow.inspection.tasks")


def escalate(session: Session, *, node_code: str, limit: int = 200) -> int:
    """Escalates overdue orders (once each); returns how many."""
    now = clock.now()
    rows = session.execute(
        select(InspectionOrder, InspectionCase)
        .join(InspectionCase, InspectionCase.id == InspectionOrder.case_id)
        .where(
            InspectionOrder.status == OrderStatus.open.value,
            InspectionOrder.escalated_at.is_(None),
            InspectionOrder.due_by < now,
            InspectionCase.status.in_([s.value for s in ACTIVE]),
        )
        .order_by(InspectionOrder.due_by)
        .limit(limit)
    ).all()
    for order, case in rows:
        order.escalated_at = now
        steps.step(
            session,
            case,
            actor=node_code,
            name="escalated",
            node_code=node_code,
            changes={"agency": order.agency_code, "due_by": order.due_by},
            to=[order.agency_code, node_code],
        )
        audit.record(
            session,
            actor=node_code,
            action=actions.INSPECTION_ESCALATED,
            target_type=actions.INSPECTION_CASE,
            target_id=case.case_no,
            detail={"agency": order.agency_code, "due_by": order.due_by.isoformat()}
            if order.due_by
            else {"agency": order.agency_code},
        )
    return len(rows)


def escalate_once(db: Database, settings: Settings) -> int:
    with db.unit_of_work() as session:
        return escalate(session, node_code=settings.node_code)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def loops(
    db: Database, settings: Settings, stop: asyncio.Event
) -> dict[str, Callable[[], Awaitable[None]]]:
    """Named loop bodies (each runs until ``stop`` is set; restarted by the supervisor)."""

    async def escalation() -> None:
        failures = 0
        while not stop.is_set():
            try:
                await asyncio.to_thread(escalate_once, db, settings)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("inspection escalation failed (%d in a row)", failures)
                await _sleep(stop, min(300.0, 2.0**failures))
                continue
            await _sleep(stop, settings.inspection_escalation_seconds)

    return {"inspection_escalation": escalation}
