"""Service status routes (``/api/v1/status``): channel health, maintenance, continuity."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/status", tags=["status"])
