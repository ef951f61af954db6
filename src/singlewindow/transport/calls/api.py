"""Transport call routes (``/api/v1/transport``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/transport", tags=["transport"])
