"""Background loops of this context, started with the exchange workers (``singlewindow.tasks``).

``time_release_projector`` runs projector passes (``projector.refresh``), one transaction
each, until a pass finds no more fresh rows, then waits ``time_release_interval_seconds``; a
pass re-reads the overlap behind its watermark (late commits) once every quarter of
``time_release_overlap_seconds``, so no late row is missed; every
``time_release_sweep_hours`` it also walks every declaration once (``projector.sweep``).
Each step is safe to kill at any instant: it rolls back and the next one does it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

from singlewindow.analytics import projector
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings

log = logging.getLogger("singlewindow.analytics.tasks")


def refresh_step(db: Database, settings: Settings, *, recheck: bool = True) -> projector.Pass:
    """One pass; with ``recheck``, also over the overlap behind the watermark (late commits).
    The loop rechecks a quarter of the overlap apart, not on every pass: at a steady 60
    declarations a second, the overlap holds some 7,000 declarations to count again."""
    overlap = settings.time_release_overlap_seconds if recheck else 0.0
    with db.unit_of_work() as session:
        return projector.refresh(session, overlap=overlap)


def refresh_once(db: Database, settings: Settings) -> int:
    """Projector passes until the sources are read to the end; returns declarations written."""
    total = 0
    while True:
        result = refresh_step(db, settings)
        total += result.projected
        if not result.more:
            return total


def sweep_once(db: Database, settings: Settings) -> int:
    """One full reconciliation of every declaration (in batches, one transaction each)."""
    total = 0
    while True:
        with db.unit_of_work() as session:
            result = projector.sweep(session)
        total += result.projected
        if not result.more:
            return total


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_projector(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Projects until ``stop``; a failure is logged and retried with backoff."""
    failures = 0
    next_sweep = clock.now().timestamp() + settings.time_release_sweep_hours * 3600
    recheck_every = settings.time_release_overlap_seconds / 4
    next_recheck = 0.0
    while not stop.is_set():
        try:
            recheck = (now := clock.now().timestamp()) >= next_recheck
            result = await asyncio.to_thread(refresh_step, db, settings, recheck=recheck)
            if recheck:
                next_recheck = now + recheck_every
            if (now := clock.now().timestamp()) >= next_sweep:
                next_sweep = now + settings.time_release_sweep_hours * 3600
                swept = await asyncio.to_thread(sweep_once, db, settings)
                log.info("time release sweep: %d declarations corrected", swept)
            failures = 0
        except asyncio.CancelledError:
            raise
        except Exception:
            failures += 1
            delay = min(60.0, 0.5 * 2 ** min(failures, 7))
            log.exception("time release projector failed (%d in a row); retry in %.1fs",
                          failures, delay)  # fmt: skip
            await _sleep(stop, delay)
            continue
        if not result.more:
            await _sleep(stop, settings.time_release_interval_seconds)


def loops(
    db: Database, settings: Settings, stop: asyncio.Event
) -> dict[str, Callable[[], Awaitable[None]]]:
    """Named loop bodies (each runs until ``stop`` is set; restarted by the supervisor)."""

    async def time_release_projector() -> None:
        await run_projector(db, settings, stop)

    return {"time_release_projector": time_release_projector}
