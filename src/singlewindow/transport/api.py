"""The transport context's JSON routes: calls, manifests and prefill."""

from __future__ import annotations

from fastapi import APIRouter

from singlewindow.transport.calls.api import router as calls
from singlewindow.transport.manifests.api import router as manifests
from singlewindow.transport.manifests.prefill_api import router as prefill

router = APIRouter()
router.include_router(calls)
router.include_router(manifests)
router.include_router(prefill)
