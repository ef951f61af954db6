"""Service status routes (``/api/v1/status``): channel health, maintenance, continuity.

Anyone signed in may read the status: it shows figures per channel, never message content
or a channel's address. Only province operators plan maintenance.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from singlewindow.kit import clock
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.ops import channel_status, continuity, maintenance
from singlewindow.ops.schemas import MaintenanceIn, MaintenanceOut, StatusOut
from singlewindow.parties.access import Allow, ProvinceOperator
from singlewindow.parties.auth import Principal

router = APIRouter(prefix="/api/v1/status", tags=["status"])

SignedIn = Annotated[Principal, Allow(tenant="all")]


@router.get("", response_model=StatusOut, summary="Channel health per agency and port operator")
def get_status(session: DbSession, settings: AppSettings, principal: SignedIn) -> StatusOut:
    """Backlog, last delivery, hourly error rate, dead letters and the derived health
    (``ok`` | ``degraded`` | ``down``) of every agency and port operator channel;
    ``continuity: true`` while one is down or in maintenance (submissions are still accepted)."""
    channels = continuity.channel_statuses(session, settings)
    return StatusOut(
        node_code=settings.node_code,
        generated_at=clock.now(),
        health=channel_status.worst([c.health for c in channels]),
        channels=channels,
        maintenance=[maintenance.window_out(w) for w in maintenance.current_and_planned(session)],
    )


@router.get("/maintenance", response_model=list[MaintenanceOut])
def list_maintenance(
    session: DbSession,
    principal: SignedIn,
    include_past: Annotated[bool, Query(description="also windows that have ended")] = False,
) -> list[MaintenanceOut]:
    rows = maintenance.current_and_planned(session, include_past=include_past)
    return [maintenance.window_out(w) for w in rows]


@router.post("/maintenance", response_model=MaintenanceOut, status_code=status.HTTP_201_CREATED)
def create_maintenance(
    session: DbSession, op: ProvinceOperator, body: MaintenanceIn
) -> MaintenanceOut:
    """Plans a maintenance window for one agency or port operator, or node-wide."""
    return maintenance.window_out(maintenance.create_window(session, op, body))


@router.delete(
    "/maintenance/{maintenance_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def delete_maintenance(session: DbSession, op: ProvinceOperator, maintenance_id: str) -> Response:
    maintenance.delete_window(session, op, maintenance_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
