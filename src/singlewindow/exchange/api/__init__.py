"""Exchange routes under ``/api/v1/exchange``."""

from fastapi import APIRouter

from singlewindow.exchange.api import inbox, operator, own_channel

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
router.include_router(inbox.router)
router.include_router(own_channel.router)  # before operator: /channels/me wins
router.include_router(operator.router)

__all__ = ["router"]
