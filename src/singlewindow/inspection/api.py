"""Joint inspection routes (``/api/v1/inspections``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])
