"""Time Release Study routes (``/api/v1/analytics``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
