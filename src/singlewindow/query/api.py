"""Clearance query routes (``/api/v1/query``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/query", tags=["query"])
