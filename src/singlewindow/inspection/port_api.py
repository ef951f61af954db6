"""Port operator event routes (``/api/v1/port``): gate-in, gate-out, positioning."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/port", tags=["port"])
