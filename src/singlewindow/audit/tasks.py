"""Background work: seal new entries continuously, purge old ones now and then.

Each step is one transaction, safe to kill at any instant: an interrupted seal or purge rolls
back and the next run does it again. Several nodes may run it; the head lock takes turns.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from singlewindow.audit.retention import ChainBroken, PurgeResult, purge_all
from singlewindow.audit.service import seal
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings

log = logging.getLogger("singlewindow.audit.tasks")


def seal_once(db: Database, *, limit: int = 1000) -> int:
    """Seals one batch in its own transaction; returns how many entries were chained."""
    with db.unit_of_work() as session:
        return seal(session, limit=limit)


def seal_all(db: Database, *, limit: int = 1000) -> int:
    total = 0
    while sealed := seal_once(db, limit=limit):
        total += sealed
    return total


def purge_expired(db: Database, settings: Settings) -> list[PurgeResult]:
    """Deletes sealed entries older than ``settings.audit_retention_days`` (in batches)."""
    seal_all(db)  # entries are purged only once chained; a backlog would hold the cut back
    return purge_all(db, retention_days=settings.audit_retention_days, actor="system:retention")


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _purge_step(db: Database, settings: Settings) -> None:
    try:
        results = await asyncio.to_thread(purge_expired, db, settings)
    except ChainBroken as exc:
        # Keep sealing: refusing to purge a broken chain is the point. Operators see the log.
        log.error("audit purge refused: %s", exc.message)
        return
    if results:
        log.info("audit purge: %d entries", sum(r.purged for r in results))


async def run_audit_worker(
    db: Database,
    settings: Settings,
    stop: asyncio.Event,
    *,
    idle: float = 0.5,
    purge_every: float = 3600.0,
) -> None:
    """Seals until ``stop``; purges expired entries at start and every ``purge_every`` seconds.

    A failure is logged and retried with backoff; it never ends the loop.
    """
    next_purge = 0.0
    failures = 0
    while not stop.is_set():
        try:
            sealed = await asyncio.to_thread(seal_once, db)
            if (now := clock.now().timestamp()) >= next_purge:
                next_purge = now + purge_every
                await _purge_step(db, settings)
            failures = 0
        except asyncio.CancelledError:
            raise
        except Exception:
            failures += 1
            delay = min(30.0, 0.25 * 2 ** min(failures, 7))
            log.exception("audit worker failed (%d in a row); retrying in %.1fs", failures, delay)
            await _sleep(stop, delay)
            continue
        if sealed == 0:
            await _sleep(stop, idle)
