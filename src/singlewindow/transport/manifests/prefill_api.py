"""Goods-declaration prefill routes (``/api/v1/prefill``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/prefill", tags=["prefill"])
