"""Subscription routes (``/api/v1/subscriptions``): CloudEvents by webhook and SSE."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])
