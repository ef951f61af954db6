"""Webhook delivery of CloudEvents: in order per subscription, signed, retried, then suspended.

One event per POST (``Content-Type: application/cloudevents+json``), signed like the exchange's
own webhooks (``X-SW-Signature``/``X-SW-Timestamp``, ``exchange.channels.webhook``). A failed
POST is retried with the exchange's backoff (``max_attempts``, ``retry_base_seconds``,
``retry_max_seconds``); the subscription holds its place (``cursor``), so later events wait
behind the failing one. After the last attempt it is ``suspended`` with the failing event kept
as its dead letter (``dead_seq``); ``resume`` starts from it. The URL is checked against the
operator's allow-list again before every POST: a host taken off the list gets no request.

Database steps are short transactions run in threads; a subscription is claimed with a
conditional UPDATE (a lease), so several worker processes never deliver one subscription twice
at the same time. Delivery is at least once: a crash between the POST and the cursor update
sends that event again (receivers de-duplicate by the CloudEvent ``id``).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from singlewindow.exchange.channels.config import host_allowed
from singlewindow.exchange.channels.delivery import backoff
from singlewindow.exchange.channels.webhook import signed_headers
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.ids import new_id
from singlewindow.kit.settings import Settings
from singlewindow.subscriptions.cloudevents import MEDIA_TYPE, selects
from singlewindow.subscriptions.models import Subscription, SubscriptionEvent
from singlewindow.subscriptions.service import as_cloudevent, source_of

CLAIM_BATCH = 50  # subscriptions per pass
EVENT_BATCH = 50  # events per subscription per pass
PARALLEL = 16


@dataclass(frozen=True)
class Claim:
    id: str
    party: str
    types: tuple[str, ...]
    subject: str | None
    url: str
    secret: str
    cursor: int
    token: str


def _lease(settings: Settings) -> timedelta:
    return timedelta(seconds=max(60.0, settings.webhook_timeout_seconds * (EVENT_BATCH + 1)))


def claim_due(db: Database, settings: Settings, limit: int = CLAIM_BATCH) -> list[Claim]:
    """Active webhook subscriptions with events waiting and no retry delay, leased to us."""
    now = clock.now()
    sub = aliased(Subscription)
    waiting = exists().where(
        SubscriptionEvent.party == sub.party, SubscriptionEvent.seq > sub.cursor
    )
    free = or_(sub.lease_until.is_(None), sub.lease_until < now)
    with db.read_only() as session:
        ids = list(
            session.scalars(
                select(sub.id)
                .where(
                    sub.delivery == "webhook",
                    sub.status == "active",
                    or_(sub.next_attempt_at.is_(None), sub.next_attempt_at <= now),
                    free,
                    waiting,
                )
                .order_by(sub.id)
                .limit(limit)
            )
        )
    if not ids:
        return []
    claims: list[Claim] = []
    with db.unit_of_work() as session:
        for subscription_id in ids:
            token = new_id()
            taken = session.execute(
                update(Subscription)
                .where(
                    Subscription.id == subscription_id,
                    Subscription.status == "active",
                    or_(Subscription.lease_until.is_(None), Subscription.lease_until < now),
                )
                .values(lease_until=now + _lease(settings), lease_token=token)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue
            row = session.get(Subscription, subscription_id, populate_existing=True)
            assert row is not None
            claims.append(
                Claim(
                    row.id,
                    row.party,
                    tuple(row.types),
                    row.subject,
                    row.url or "",
                    row.secret or "",
                    row.cursor,
                    token,
                )
            )
    return claims


@dataclass(frozen=True)
class Pending:
    seq: int
    envelope_id: str
    type: str
    subject: str
    body: bytes


def waiting_events(
    db: Database, claim: Claim, source: str, limit: int = EVENT_BATCH
) -> list[Pending]:
    with db.read_only() as session:
        rows = session.scalars(
            select(SubscriptionEvent)
            .where(SubscriptionEvent.party == claim.party, SubscriptionEvent.seq > claim.cursor)
            .order_by(SubscriptionEvent.seq)
            .limit(limit)
        )
        return [
            Pending(
                r.seq,
                r.envelope_id,
                r.type,
                r.subject,
                json.dumps(
                    as_cloudevent(r, source), ensure_ascii=False, separators=(",", ":")
                ).encode(),
            )
            for r in rows
        ]


def _ours(claim: Claim) -> list[object]:
    return [Subscription.id == claim.id, Subscription.lease_token == claim.token]


def advance(db: Database, claim: Claim, cursor: int, *, delivered: bool, release: bool) -> None:
    """Moves the cursor past a delivered (or not selected) event."""
    now = clock.now()
    values: dict[str, object] = {"cursor": cursor, "updated_at": now}
    if delivered:
        values |= {"attempts": 0, "last_error": None, "last_delivered_at": now}
    if release:
        values |= {"lease_until": None, "lease_token": None}
    with db.unit_of_work() as session:
        session.execute(
            update(Subscription)
            .where(*_ours(claim), Subscription.cursor <= cursor)  # type: ignore[arg-type]
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def record_failure(
    db: Database, claim: Claim, cursor: int, seq: int, reason: str, settings: Settings
) -> bool:
    """One failed attempt at event ``seq``; True when the subscription is now suspended."""
    now = clock.now()
    with db.unit_of_work() as session:
        row = session.get(Subscription, claim.id, with_for_update=not db.is_sqlite)
        if row is None or row.lease_token != claim.token:
            return False
        row.cursor = max(row.cursor, cursor)
        row.attempts += 1
        row.last_error = reason[:1000]
        row.lease_until = row.lease_token = None
        row.updated_at = now
        if row.attempts >= settings.max_attempts:
            if row.status == "active":
                row.status, row.suspended_at = "suspended", now
            row.dead_seq, row.next_attempt_at = seq, None
            return True
        row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts, settings))
        return False


async def post(
    http: httpx.AsyncClient, claim: Claim, event_id: str, body: bytes, settings: Settings
) -> str | None:
    """POSTs one CloudEvent; ``None`` on a 2xx answer, else why it failed (no request is sent
    to a host that is not on the allow-list any more)."""
    if not host_allowed(claim.url, settings.webhook_allowed_hosts):
        host = urlsplit(claim.url).hostname
        return (
            f"host_not_allowed: {host} is not on this node's allow-list "
            "(SW_WEBHOOK_ALLOWED_HOSTS); no request was sent"
        )
    headers = signed_headers(claim.secret, event_id, body)
    headers["Content-Type"] = MEDIA_TYPE
    try:
        response = await http.post(claim.url, content=body, headers=headers)
    except httpx.TimeoutException:
        return "timeout"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"


async def deliver_subscription(
    db: Database, settings: Settings, http: httpx.AsyncClient, claim: Claim
) -> int:
    """Delivers a claimed subscription's waiting events in order; stops at the first failure."""
    events = await asyncio.to_thread(waiting_events, db, claim, source_of(settings))
    cursor, delivered = claim.cursor, 0
    for event in events:
        if not selects(claim.types, claim.subject, event.type, event.subject):
            cursor = event.seq
            continue
        error = await post(http, claim, event.envelope_id, event.body, settings)
        if error is not None:
            await asyncio.to_thread(record_failure, db, claim, cursor, event.seq, error, settings)
            return delivered
        cursor, delivered = event.seq, delivered + 1
        await asyncio.to_thread(advance, db, claim, cursor, delivered=True, release=False)
    await asyncio.to_thread(advance, db, claim, cursor, delivered=False, release=True)
    return delivered


async def deliver(db: Database, settings: Settings, http: httpx.AsyncClient) -> int:
    """One pass over every due webhook subscription; returns how many events were delivered."""
    claims = await asyncio.to_thread(claim_due, db, settings)
    gate = asyncio.Semaphore(PARALLEL)

    async def one(claim: Claim) -> int:
        async with gate:
            return await deliver_subscription(db, settings, http, claim)

    return sum(await asyncio.gather(*(one(c) for c in claims)))


async def _deliver_with_client(db: Database, settings: Settings) -> int:
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        return await deliver(db, settings, http)


def deliver_once(db: Database, settings: Settings) -> int:
    """Synchronous pass (tests, scripts; from a thread without a running event loop)."""
    return asyncio.run(_deliver_with_client(db, settings))
