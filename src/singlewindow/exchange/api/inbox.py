"""The recipient's side: long-poll inbox, acks, and the SSE event stream.

The long-poll and SSE endpoints are async and hold no database connection while they wait: each
look at the inbox is a short transaction run in a thread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.exchange import inbox as service
from singlewindow.exchange.schemas import AckIn, AckOut, InboxMessage, InboxPage
from singlewindow.kit.errors import BadRequest
from singlewindow.kit.http import AppDatabase, AppSettings, DbSession
from singlewindow.kit.signals import INBOX
from singlewindow.parties.access import SelfOnly, SelfWaiting
from singlewindow.parties.auth import Principal

router = APIRouter()
POLL_STEP_S = 1.0
MAX_EVENT_ID = 2**63 - 1  # event ids are 64-bit sequence numbers


WaitingPrincipal = SelfWaiting


@router.get("/inbox", response_model=InboxPage)
async def read_inbox(
    db: AppDatabase,
    settings: AppSettings,
    principal: WaitingPrincipal,
    wait: Annotated[float, Query(ge=0, le=30, description="seconds to wait for a message")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    lease: Annotated[float, Query(ge=1, le=3600, description="seconds before redelivery")] = 60,
) -> InboxPage:
    """Unacked messages for the caller, leased so that another poller does not get them too."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, settings.long_poll_max_seconds)
    code = principal.party_code
    while True:
        seen = INBOX.version(code)
        reads = partial(_audit_reads, principal) if principal.is_agency else None
        items = await asyncio.to_thread(service.lease, db, code, limit, lease, reads)
        left = deadline - loop.time()
        if items or left <= 0:
            return InboxPage(items=[InboxMessage(**i) for i in items])
        # Woken by a delivery in this process; polls for deliveries by another process.
        await INBOX.wait(code, seen, min(POLL_STEP_S, left))


# Transport filings carry personal data (crew and passenger lists): reads are audited too.
TRANSPORT_KINDS = frozenset(
    {
        "ship_report",
        "aircraft_report",
        "vehicle_report",
        "train_report",
        "person_list",
        "dangerous_goods",
    }
)


def _audit_reads(principal: Principal, session: Session, items: list[dict[str, Any]]) -> None:
    """An agency reading routed declarations or transport reports is audited (one entry per
    message read)."""
    for item in items:
        kind = item.get("kind")
        if kind == "goods_declaration":
            action, target = actions.DECLARATION_READ, actions.DECLARATION
        elif kind in TRANSPORT_KINDS:
            action, target = actions.TRANSPORT_REPORT_READ, actions.TRANSPORT_CALL
        else:
            continue
        audit.record_principal(
            session,
            principal,
            action=action,
            target_type=target,
            target_id=item.get("correlation_id"),
            detail={"via": "inbox", "message_id": item.get("id"), "kind": kind},
        )


@router.post("/inbox/ack", response_model=AckOut)
def ack_many(session: DbSession, principal: SelfOnly, body: AckIn) -> AckOut:
    """Acks several messages at once; all must be addressed to the caller (else 404, no change)."""
    return AckOut(acked=service.ack(session, principal.party_code, body.ids))


@router.post("/inbox/{message_id}/ack", response_model=AckOut)
def ack_one(session: DbSession, principal: SelfOnly, message_id: str) -> AckOut:
    """Acks one message. Acking twice is fine; someone else's message is 404."""
    return AckOut(acked=service.ack(session, principal.party_code, [message_id]))


def _sse(item: dict[str, object]) -> str:
    data = json.dumps(item, ensure_ascii=False, default=str, separators=(",", ":"))
    return f"id: {item['cursor']}\nevent: message\ndata: {data}\n\n"


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(
    request: Request,
    db: AppDatabase,
    principal: WaitingPrincipal,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_EVENT_ID, description="resume after this event id")
    ] = None,
    timeout: Annotated[
        float, Query(ge=1, le=3600, description="close after; clients reconnect")
    ] = 300,
) -> StreamingResponse:
    """Server-Sent Events of messages delivered to the caller, resumable with ``Last-Event-ID``."""
    start = cursor or 0
    if last_event_id:
        if not (
            last_event_id.isascii()
            and last_event_id.isdigit()
            and int(last_event_id) <= MAX_EVENT_ID
        ):
            raise BadRequest(
                "Last-Event-ID must be an event id",
                "Last-Event-ID 必须是事件编号",
                code="bad_cursor",
            )
        start = int(last_event_id)
    code = principal.party_code

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        position, deadline, beat = start, loop.time() + timeout, loop.time()
        yield "retry: 2000\n\n"
        while loop.time() < deadline and not await request.is_disconnected():
            items = await asyncio.to_thread(service.events_after, db, code, position)
            for item in items:
                position = int(str(item["cursor"]))
                yield _sse(item)
            if loop.time() - beat > 15:
                beat = loop.time()
                yield ": keep-alive\n\n"
            if not items:
                await asyncio.sleep(0.25)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
