"""Health and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from singlewindow import __version__
from singlewindow.kit.http import AppSettings, DbSession

router = APIRouter(prefix="/api/v1", tags=["ops"])


@router.get("/health")
def health(session: DbSession, settings: AppSettings) -> dict[str, Any]:
    session.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "version": __version__,
        "node_code": settings.node_code,
        "node_role": settings.node_role,
        "exchange": settings.exchange,
        "database": session.get_bind().dialect.name,
    }
