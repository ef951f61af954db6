"""Node status: the node's identity, every agency channel's health, continuity mode, and
planned maintenance (the same functions as ``/api/v1/status`` and ``/api/v1/health``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from singlewindow import __version__
from singlewindow.kit import clock
from singlewindow.kit.errors import Finding, SingleWindowError, ValidationFailed
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.settings import Settings
from singlewindow.ops import channel_status, continuity, maintenance
from singlewindow.ops.schemas import MaintenanceIn
from singlewindow.web.auth import OperatorUser, PortalUser
from singlewindow.web.i18n import lang_of, translate
from singlewindow.web.render import render
from singlewindow.web.views.operator_common import (
    attempt,
    field_errors,
    is_province_operator,
    optional,
    parse_model,
    require_province,
    see_other,
    text,
)

router = APIRouter(prefix="/portal/operator", include_in_schema=False)

HEALTH_BADGE = {"ok": "released", "degraded": "inspection", "down": "rejected"}


def local_time(value: str, path: str) -> datetime | str:
    """A ``datetime-local`` field, read as China time (the node's business clock)."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            "Invalid maintenance window",
            "维护窗口无效",
            findings=[
                Finding(path, "datetime_parsing", "expected a date and time", "日期时间格式错误")
            ],
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.CHINA_TZ)


def backlog_chart(channels: list[Any]) -> dict[str, Any]:
    """A Chart.js bar chart: backlog and dead letters per channel."""
    return {
        "type": "bar",
        "data": {
            "labels": [c.agency_code for c in channels],
            "datasets": [
                {
                    "label": "backlog",
                    "data": [c.backlog for c in channels],
                    "backgroundColor": "#0b4f8a",
                },
                {
                    "label": "dead",
                    "data": [c.dead_letters for c in channels],
                    "backgroundColor": "#b3261e",
                },
            ],
        },
        "options": {
            "plugins": {"legend": {"position": "bottom"}},
            "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
        },
    }


def status_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: PortalUser,
    *,
    form: dict[str, str] | None = None,
    error: SingleWindowError | None = None,
    notice: str = "",
) -> Response:
    channels = continuity.channel_statuses(session, settings)
    windows = [
        maintenance.window_out(w).model_copy(
            update={
                "starts_at": w.starts_at.astimezone(clock.CHINA_TZ),
                "ends_at": w.ends_at.astimezone(clock.CHINA_TZ),
            }
        )
        for w in maintenance.current_and_planned(session)
    ]  # shown in China time, as they are entered
    chart = backlog_chart(channels)
    lang = lang_of(request)
    chart["data"]["datasets"][0]["label"] = translate("operator.backlog", lang)
    chart["data"]["datasets"][1]["label"] = translate("operator.dead_letters", lang)
    values = {
        "node": settings,
        "version": __version__,
        "database": session.get_bind().dialect.name,
        "db_ok": session.execute(sql("SELECT 1")).scalar() == 1,
        "generated_at": clock.now(),
        "health": channel_status.worst([c.health for c in channels]),
        "channels": channels,
        "continuity": [c for c in channels if c.continuity],
        "totals": {
            "backlog": sum(c.backlog for c in channels),
            "dead": sum(c.dead_letters for c in channels),
            "down": sum(1 for c in channels if c.health == "down"),
            "degraded": sum(1 for c in channels if c.health == "degraded"),
        },
        "windows": windows,
        "chart": chart,
        "health_badge": HEALTH_BADGE,
        "can_edit": is_province_operator(user),
        "form": form or {},
        "error": error,
        "errors": field_errors(error),
        "notice": notice,
    }
    return render(
        request,
        "operator/status.html",
        values,
        user=user,
        status_code=error.status if error else 200,
    )


@router.get("")
def node_status(
    request: Request, session: DbSession, settings: AppSettings, user: OperatorUser
) -> Response:
    notice = {"added": "operator.maintenance_added", "removed": "operator.maintenance_removed"}
    return status_page(
        request,
        session,
        settings,
        user,
        notice=notice.get(request.query_params.get("done", ""), ""),
    )


@router.post("/maintenance")
async def add_maintenance(
    request: Request, session: DbSession, settings: AppSettings, user: OperatorUser
) -> Response:
    require_province(user)
    form = await request.form()
    values = {
        k: text(form, k) for k in ("agency_code", "starts_at", "ends_at", "notice_zh", "notice_en")
    }

    def create() -> object:
        body = parse_model(
            MaintenanceIn,
            {
                "agency_code": optional(form, "agency_code"),
                "starts_at": local_time(values["starts_at"], "/starts_at"),
                "ends_at": local_time(values["ends_at"], "/ends_at"),
                "notice_zh": values["notice_zh"],
                "notice_en": values["notice_en"],
            },
        )
        return maintenance.create_window(session, user.principal, body)

    _, error = attempt(session, create)
    if error is not None:
        return status_page(request, session, settings, user, form=values, error=error)
    return see_other("/portal/operator?done=added#maintenance")


@router.post("/maintenance/{window_id}/delete")
def remove_maintenance(session: DbSession, user: OperatorUser, window_id: str) -> Response:
    require_province(user)
    maintenance.delete_window(session, user.principal, window_id)
    return see_other("/portal/operator?done=removed#maintenance")
