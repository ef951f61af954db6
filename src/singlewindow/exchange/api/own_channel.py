"""Self-service: any authenticated party views and sets its own delivery channel.

Same body and validation as the operator route ``PUT /channels/{recipient}``; this router is
mounted before the operator's, so ``/channels/me`` is never read as a recipient code.
"""

from __future__ import annotations

from fastapi import APIRouter

from singlewindow.exchange.api.operator import channel_out
from singlewindow.exchange.channels.config import channel_for, set_channel
from singlewindow.exchange.schemas import ChannelIn, ChannelOut
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.parties.access import SelfOnly

router = APIRouter()


@router.get("/channels/me", response_model=ChannelOut)
def get_own_channel(session: DbSession, principal: SelfOnly) -> ChannelOut:
    """How messages reach the caller: ``pull`` (the inbox, the default), ``webhook`` or ``nats``."""
    c = channel_for(session, principal.party_code)
    return channel_out(principal.party_code, c.kind, c.url, c.secret)


@router.put("/channels/me", response_model=ChannelOut)
def put_own_channel(
    session: DbSession, principal: SelfOnly, settings: AppSettings, body: ChannelIn
) -> ChannelOut:
    """Sets the caller's channel, e.g. a signed webhook (``X-SW-Signature``, HMAC-SHA256)."""
    row = set_channel(
        session,
        principal.party_code,
        kind=body.kind,
        url=body.url,
        secret=body.secret,
        actor=principal.party_code,
        exchange=settings.exchange,
        allowed_hosts=settings.webhook_allowed_hosts,
    )
    return channel_out(principal.party_code, row.kind, row.url, row.secret)
