"""Every context's JSON router, in one list (the app factory mounts them)."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    from singlewindow.ops.api import router as ops

    return [ops]
