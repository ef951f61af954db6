"""Exchange workers: relay (with resend), channel workers per recipient, and the log sealer.

Each loop runs under a supervisor that logs a failure and restarts the loop with backoff, so a
broken database connection or a NATS outage never ends a worker silently. Database work runs in
threads (``asyncio.to_thread``) so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import httpx
from sqlalchemy import select

from singlewindow.audit.tasks import run_audit_worker
from singlewindow.exchange.channels.worker import ChannelWorker
from singlewindow.exchange.messagelog import seal
from singlewindow.exchange.models import Message as Msg
from singlewindow.exchange.relay import CLAIMED, relay_once, run_relay, take_claimed
from singlewindow.exchange.transports import Transport, make_transport
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.tasks import context_loops

log = logging.getLogger("singlewindow.exchange.workers")


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def supervised(
    name: str, body: Callable[[], Awaitable[None]], stop: asyncio.Event, *, once: bool = False
) -> None:
    """Runs ``body`` until ``stop``; restarts it after a failure with exponential backoff.

    With ``once=True`` a clean return ends supervision (used for idle channel workers).
    """
    failures = 0
    while not stop.is_set():
        try:
            await body()
            failures = 0
            if once:
                return
        except asyncio.CancelledError:
            raise
        except Exception:
            failures += 1
            delay = min(30.0, 0.25 * 2 ** min(failures, 7))
            log.exception("%s failed (%d in a row); restarting in %.1fs", name, failures, delay)
            await _sleep(stop, delay)


def recipients_waiting(db: Database) -> list[str]:
    with db.read_only() as session:
        return list(
            session.scalars(
                select(Msg.recipient).where(Msg.state.in_(("pending", "published"))).distinct()
            )
        )


def seal_once(db: Database) -> int:
    with db.unit_of_work() as session:
        return seal(session)


async def run_sealer(db: Database, stop: asyncio.Event, *, idle: float = 0.5) -> None:
    while not stop.is_set():
        if await asyncio.to_thread(seal_once, db) == 0:
            await _sleep(stop, idle)


async def run_channels(
    db: Database,
    transport: Transport,
    settings: Settings,
    stop: asyncio.Event,
    *,
    refresh_s: float,
    idle_exit_s: float,
) -> None:
    running: dict[str, asyncio.Task[None]] = {}
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    loop = asyncio.get_running_loop()
    next_look = 0.0
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        try:
            while not stop.is_set():
                # The relay of this process names its recipients at once (relay.CLAIMED); the
                # database is looked at every ``refresh_s`` for another process's messages.
                seen = CLAIMED.version(db.url)
                codes = take_claimed(db)
                if loop.time() >= next_look:
                    codes.update(await asyncio.to_thread(recipients_waiting, db))
                    next_look = loop.time() + refresh_s
                for code in sorted(codes):
                    task = running.get(code)
                    if task is None or task.done():
                        worker = ChannelWorker(db, transport, settings, code, http)

                        async def body(w: ChannelWorker = worker) -> None:
                            await w.run(stop, idle_exit_s=idle_exit_s)

                        running[code] = asyncio.create_task(
                            supervised(f"channel {code}", body, stop, once=True),
                            name=f"channel-{code}",
                        )
                await CLAIMED.wait(db.url, seen, max(0.0, next_look - loop.time()), stop)
        finally:
            for task in running.values():
                task.cancel()
            await asyncio.gather(*running.values(), return_exceptions=True)


async def run_workers(
    db: Database,
    settings: Settings,
    stop: asyncio.Event,
    *,
    recipients_refresh_s: float = 2.0,
    idle_exit_s: float = 60.0,
    transport: Transport | None = None,
) -> None:
    """Runs relay + resend, channel workers and the sealer until ``stop`` is set."""
    transport = transport or make_transport(db, settings)

    async def start() -> None:
        # NATS connects "forever": give up waiting when asked to stop.
        starting = asyncio.ensure_future(transport.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not starting.done():
            starting.cancel()
            return
        starting.result()

    await supervised("transport start", start, stop, once=True)
    if stop.is_set():
        await transport.close()
        return
    loops = {
        "relay": lambda: run_relay(db, transport, settings, stop),
        "sealer": lambda: run_sealer(db, stop),
        "audit": lambda: run_audit_worker(db, settings, stop),
        "channels": lambda: run_channels(
            db, transport, settings, stop, refresh_s=recipients_refresh_s, idle_exit_s=idle_exit_s
        ),
        **context_loops(db, settings, stop),
    }
    tasks = [
        asyncio.create_task(supervised(name, body, stop), name=name) for name, body in loops.items()
    ]
    log.info("exchange workers started (%s transport)", transport.name)
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await transport.close()
        log.info("exchange workers stopped")


@asynccontextmanager
async def exchange_workers(
    db: Database, settings: Settings, **options: float
) -> AsyncIterator[None]:
    """For an app lifespan: ``async with exchange_workers(db, settings): yield``."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_workers(db, settings, stop, **options), name="exchange-workers")  # type: ignore[arg-type]
    try:
        yield
    finally:
        stop.set()
        with suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def drain(db: Database, settings: Settings, *, transport: Transport | None = None) -> int:
    """Relays, delivers and seals until nothing more is ready (tests, demos, scripts).

    Returns how many transport messages the channels handled.

    Messages waiting for a retry delay or a resend deadline are left for the real workers.
    """
    own = transport is None
    transport = transport or make_transport(db, settings)
    await transport.start()
    handled = 0
    try:
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as http:
            while True:
                progress = 0
                while (stats := await relay_once(db, transport, settings)).claimed:
                    progress += stats.published
                    if stats.published == 0:
                        break
                for code in await asyncio.to_thread(recipients_waiting, db):
                    worker = ChannelWorker(db, transport, settings, code, http)
                    delivered = await worker.drain()
                    handled += delivered
                    progress += delivered
                if progress == 0:
                    break
        while await asyncio.to_thread(seal_once, db):
            pass
    finally:
        if own:
            await transport.close()
    return handled


def pump(db: Database, settings: Settings) -> int:
    """Synchronous ``drain`` (from a thread without a running event loop)."""
    return asyncio.run(drain(db, settings))
