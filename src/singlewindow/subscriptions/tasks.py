"""Background loops of this context, started with the exchange workers (``singlewindow.tasks``).

* ``subscriptions-projector``: exchange messages → CloudEvents (``projector``);
* ``subscriptions-webhooks``: signed webhook delivery (``delivery``), woken by new events;
* ``subscriptions-streams``: ends open SSE streams when the workers stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta

import httpx

from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.subscriptions import delivery
from singlewindow.subscriptions.projector import Projected, project_once, prune_all
from singlewindow.subscriptions.signals import ANY, EVENTS, close_streams, reopen_streams

log = logging.getLogger("singlewindow.subscriptions.tasks")


def projector_once(db: Database, settings: Settings) -> Projected:
    """One projector transaction (tests: after ``pump``/``drain``)."""
    return project_once(db, settings.subscription_batch)


def prune_once(db: Database, settings: Settings) -> int:
    """Deletes events older than ``subscription_retention_days``; returns how many."""
    cutoff = clock.now() - timedelta(days=settings.subscription_retention_days)
    return prune_all(db, cutoff)


def webhooks_once(db: Database, settings: Settings) -> int:
    """One webhook pass; returns how many events were delivered."""
    return delivery.deliver_once(db, settings)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_projector(
    db: Database, settings: Settings, stop: asyncio.Event, *, prune_every: float = 3600.0
) -> None:
    next_prune = 0.0
    while not stop.is_set():
        if (now := clock.now().timestamp()) >= next_prune:
            next_prune = now + prune_every
            if pruned := await asyncio.to_thread(prune_once, db, settings):
                log.info("subscription events pruned: %d", pruned)
        step = await asyncio.to_thread(projector_once, db, settings)
        if not step.more:
            await _sleep(stop, settings.subscription_poll_seconds)


async def run_webhooks(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        while not stop.is_set():
            seen = EVENTS.version(ANY)
            if await delivery.deliver(db, http=http, settings=settings) == 0:
                # New events wake us; retry delays and other processes' events are polled.
                await EVENTS.wait(ANY, seen, settings.subscription_poll_seconds, stop)


async def run_stream_closer(stop: asyncio.Event) -> None:
    reopen_streams()
    try:
        await stop.wait()
    finally:
        close_streams()


def loops(
    db: Database, settings: Settings, stop: asyncio.Event
) -> dict[str, Callable[[], Awaitable[None]]]:
    """Named loop bodies (each runs until ``stop`` is set; restarted by the supervisor)."""
    return {
        "subscriptions-projector": lambda: run_projector(db, settings, stop),
        "subscriptions-webhooks": lambda: run_webhooks(db, settings, stop),
        "subscriptions-streams": lambda: run_stream_closer(stop),
    }
