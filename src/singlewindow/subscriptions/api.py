"""Subscription routes (``/api/v1/subscriptions``): CloudEvents by webhook and SSE, with replay.

The stream holds no database connection while it waits: each look is a short read in a thread,
woken by the projector (``signals.EVENTS``) and, for events projected by another process,
by a short fallback poll.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from singlewindow.kit.db import Database
from singlewindow.kit.errors import BadRequest
from singlewindow.kit.http import AppDatabase, AppSettings, DbSession
from singlewindow.parties.access import DECLARANTS, OPERATORS, PORT, Allow
from singlewindow.parties.auth import Principal
from singlewindow.subscriptions import service
from singlewindow.subscriptions.models import Subscription
from singlewindow.subscriptions.schemas import (
    EventPage,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
)
from singlewindow.subscriptions.signals import CLOSING, EVENTS

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])

# Traders and port operators act on their own subscriptions; operators list and manage all.
Subscriber = Annotated[Principal, Allow(*DECLARANTS, *PORT, tenant="own")]
SubscriberWaiting = Annotated[Principal, Allow(*DECLARANTS, *PORT, tenant="own", detached=True)]
SubscriberOrOperator = Annotated[Principal, Allow(*DECLARANTS, *PORT, *OPERATORS, tenant="own")]

MAX_SEQ = 2**63 - 1
FALLBACK_POLL_S = 2.0  # events projected by another process (no in-process wake-up)
STREAM_BATCH = 200
TypeFilter = Annotated[
    list[str],
    Query(
        alias="type",
        description="event types (exact or prefix.*); default: all, or the subscription's",
    ),
]
SubscriptionFilter = Annotated[
    str | None,
    Query(max_length=36, description="filter like this subscription (types and document)"),
]


def out(row: Subscription) -> SubscriptionOut:
    return SubscriptionOut.model_validate(row, from_attributes=True)


@router.post("", response_model=SubscriptionCreated, status_code=status.HTTP_201_CREATED)
def create_subscription(
    session: DbSession, principal: Subscriber, settings: AppSettings, body: SubscriptionIn
) -> SubscriptionCreated:
    """Subscribes the caller's party to events of its documents (CloudEvents 1.0).

    ``webhook``: signed POSTs to ``url`` (on the operator's allow-list), one event each, in
    order; a generated ``secret`` is returned only here. ``sse``: ``GET /stream``. ``pull``:
    ``GET /events?after=``.
    """
    row, secret = service.create(session, principal, body, settings)
    return SubscriptionCreated(**out(row).model_dump(), secret=secret)


@router.get("", response_model=SubscriptionPage)
def list_subscriptions(
    session: DbSession,
    principal: SubscriberOrOperator,
    party: Annotated[str | None, Query(max_length=40, description="operators: one party")] = None,
    state: Annotated[str | None, Query(alias="status", pattern="^(active|suspended)$")] = None,
) -> SubscriptionPage:
    """The caller's subscriptions (operators: every party's)."""
    rows = service.list_for(session, principal, party=party, status=state)
    return SubscriptionPage(items=[out(r) for r in rows])


@dataclass(frozen=True)
class Reading:
    wanted: service.Filter
    after: int
    source: str


def _reading(
    db: AppDatabase,
    settings: AppSettings,
    principal: SubscriberWaiting,
    after: Annotated[int | None, Query(ge=0, le=MAX_SEQ, description="events after this")] = None,
    types: TypeFilter = [],  # noqa: B006 - FastAPI copies the default
    subscription: SubscriptionFilter = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Reading:
    """Validates a read before any event is streamed (errors are 4xx, not a broken stream)."""
    start = after or 0
    if last_event_id:
        if not (last_event_id.isascii() and last_event_id.isdigit()) or (
            int(last_event_id) > MAX_SEQ
        ):
            raise BadRequest(
                "Last-Event-ID must be an event sequence number",
                "Last-Event-ID 必须是事件序号",
                code="bad_cursor",
            )
        start = max(start, int(last_event_id))
    with db.read_only() as session:
        wanted = service.filter_for(session, principal, types=types, subscription_id=subscription)
    return Reading(wanted, start, service.source_of(settings))


ReadingDep = Annotated[Reading, Depends(_reading)]


def _page(db: Database, reading: Reading, after: int, limit: int) -> EventPage:
    with db.read_only() as session:
        items, next_after, more = service.read_events(
            session, reading.wanted, after=after, limit=limit, source=reading.source
        )
    return EventPage(items=items, next_after=next_after, has_more=more)


@router.get("/events", response_model=EventPage)
async def read_events(
    db: AppDatabase,
    reading: ReadingDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    """Replay: the caller's events after ``after`` (or ``Last-Event-ID``), oldest first."""
    return await asyncio.to_thread(_page, db, reading, reading.after, limit)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    request: Request,
    db: AppDatabase,
    settings: AppSettings,
    reading: ReadingDep,
    timeout: Annotated[
        float | None,
        Query(gt=0, le=3600, description="close after (seconds); clients reconnect"),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-Sent Events: each event's ``id`` is its sequence, so a reconnecting client
    resumes with ``Last-Event-ID`` (or ``?after=``). Comments keep idle connections open."""
    loop = asyncio.get_running_loop()
    duration = timeout or settings.subscription_stream_seconds
    deadline = loop.time() + duration
    beat_every = settings.subscription_heartbeat_seconds
    position, beat = reading.after, loop.time()
    party = reading.wanted.party
    yield ServerSentEvent(retry=2000, comment="cloudevents")
    while not await request.is_disconnected():
        seen = EVENTS.version(party)
        page = await asyncio.to_thread(_page, db, reading, position, STREAM_BATCH)
        for item in page.items:
            position = int(item["sequence"])
            yield ServerSentEvent(id=str(position), raw_data=json.dumps(item, ensure_ascii=False))
        if page.has_more:
            continue
        # Closing (shutdown or the time limit) comes after a read: what is stored is sent.
        if CLOSING.is_set() or loop.time() >= deadline:
            return
        now = loop.time()
        if now - beat >= beat_every:
            beat = now
            yield ServerSentEvent(comment="heartbeat")
        left = min(deadline, beat + beat_every) - loop.time()
        if left > 0:
            await EVENTS.wait(party, seen, min(FALLBACK_POLL_S, left))


@router.get("/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(
    session: DbSession, principal: SubscriberOrOperator, subscription_id: str
) -> SubscriptionOut:
    return out(service.get(session, principal, subscription_id))


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_subscription(
    session: DbSession, principal: SubscriberOrOperator, subscription_id: str
) -> None:
    """Ends a subscription (its events stay readable while another subscription is live)."""
    service.delete(session, principal, subscription_id)


@router.post("/{subscription_id}/resume", response_model=SubscriptionOut)
def resume_subscription(
    session: DbSession, principal: SubscriberOrOperator, settings: AppSettings, subscription_id: str
) -> SubscriptionOut:
    """Resumes a suspended webhook from its dead letter, with a fresh attempt budget."""
    return out(service.resume(session, principal, subscription_id, settings))
