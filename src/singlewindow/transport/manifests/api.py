"""Manifest routes (``/api/v1/manifests``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/manifests", tags=["manifests"])
