"""Planned maintenance windows: named actions (create, delete) and reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.kit import clock
from singlewindow.kit.errors import Finding, NotFound, ValidationFailed
from singlewindow.ops.models import MaintenanceWindow
from singlewindow.ops.schemas import MaintenanceIn, MaintenanceOut
from singlewindow.parties.auth import Principal
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import PartyKind

MAINTENANCE_CHANGED: Final = actions.MAINTENANCE_CHANGED  # audit action (created, deleted)
MAINTENANCE: Final = "maintenance_window"  # audit target type
MAX_LENGTH = timedelta(days=31)
MAX_AHEAD = timedelta(days=366)
CHANNEL_KINDS = (PartyKind.agency.value, PartyKind.port_operator.value)


def window_out(row: MaintenanceWindow) -> MaintenanceOut:
    now = clock.now()
    return MaintenanceOut(
        id=row.id,
        agency_code=row.agency_code,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        notice_en=row.notice_en,
        notice_zh=row.notice_zh,
        created_by=row.created_by,
        created_at=row.created_at,
        active=row.starts_at <= now < row.ends_at,
    )


def _findings(session: Session, body: MaintenanceIn) -> list[Finding]:
    out = []
    if body.ends_at <= body.starts_at:
        out.append(
            Finding(
                "/ends_at",
                "ends_before_start",
                "ends_at must be after starts_at",
                "结束时间必须晚于开始时间",
            )
        )
    elif body.ends_at <= clock.now():
        out.append(
            Finding("/ends_at", "in_the_past", "the window has already ended", "维护窗口已结束")
        )
    elif body.starts_at > clock.now() + MAX_AHEAD:
        out.append(
            Finding(
                "/starts_at",
                "too_far_ahead",
                f"a window starts at most {MAX_AHEAD.days} days from now",
                f"维护窗口最多提前 {MAX_AHEAD.days} 天计划",
            )
        )
    elif body.ends_at - body.starts_at > MAX_LENGTH:
        out.append(
            Finding(
                "/ends_at",
                "too_long",
                f"a window lasts at most {MAX_LENGTH.days} days",
                f"维护窗口最长 {MAX_LENGTH.days} 天",
            )
        )
    if body.agency_code is not None:
        kind = session.scalar(select(Party.kind).where(Party.code == body.agency_code))
        if kind not in CHANNEL_KINDS:
            out.append(
                Finding(
                    "/agency_code",
                    "unknown_agency",
                    f"{body.agency_code} is not an agency or port operator of this node",
                    f"{body.agency_code} 不是本节点的监管部门或港口经营人",
                )
            )
    return out


def create_window(session: Session, principal: Principal, body: MaintenanceIn) -> MaintenanceWindow:
    findings = _findings(session, body)
    if findings:
        raise ValidationFailed("Invalid maintenance window", "维护窗口无效", findings=findings)
    row = MaintenanceWindow(
        agency_code=body.agency_code,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        notice_en=body.notice_en,
        notice_zh=body.notice_zh,
        created_by=principal.party_code,
    )
    session.add(row)
    session.flush()
    audit.record_principal(
        session,
        principal,
        action=MAINTENANCE_CHANGED,
        target_type=MAINTENANCE,
        target_id=row.id,
        detail={
            "change": "created",
            "agency_code": row.agency_code,
            "starts_at": row.starts_at.isoformat(),
            "ends_at": row.ends_at.isoformat(),
        },
    )
    return row


def delete_window(session: Session, principal: Principal, window_id: str) -> None:
    row = session.get(MaintenanceWindow, window_id)
    if row is None:
        raise NotFound(
            "Maintenance window not found", "未找到维护窗口", code="maintenance_not_found"
        )
    session.delete(row)
    session.flush()
    audit.record_principal(
        session,
        principal,
        action=MAINTENANCE_CHANGED,
        target_type=MAINTENANCE,
        target_id=window_id,
        detail={"change": "deleted", "agency_code": row.agency_code},
    )


def current_and_planned(session: Session, *, include_past: bool = False) -> list[MaintenanceWindow]:
    query = select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at, MaintenanceWindow.id)
    if not include_past:
        query = query.where(MaintenanceWindow.ends_at > clock.now())
    return list(session.scalars(query))


def open_now(session: Session, codes: Sequence[str]) -> dict[str | None, list[MaintenanceWindow]]:
    """Windows open now that concern ``codes`` (key ``None``: node-wide windows)."""
    now = clock.now()
    rows = session.scalars(
        select(MaintenanceWindow)
        .where(
            MaintenanceWindow.starts_at <= now,
            MaintenanceWindow.ends_at > now,
            or_(
                MaintenanceWindow.agency_code.is_(None),
                MaintenanceWindow.agency_code.in_(list(codes)),
            ),
        )
        .order_by(MaintenanceWindow.ends_at)
    )
    out: dict[str | None, list[MaintenanceWindow]] = {}
    for row in rows:
        out.setdefault(row.agency_code, []).append(row)
    return out
