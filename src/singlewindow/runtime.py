"""Background work of a node process: exchange workers and (optionally) simulated agencies."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from singlewindow.agencies.provision import provision_simulated_agencies
from singlewindow.agencies.simulator import Behaviour, SimulatedAgency, Simulator
from singlewindow.exchange.workers import run_workers
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings

log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Once a process has started (modules, table metadata, schemas, caches loaded): collect,
    then move every object alive now out of the collector's view (``gc.freeze``). A full
    collection then scans only what requests allocate. With the ~160,000 objects of a started
    node it took about 80 ms — a pause any request could hit; frozen, about 1 ms. Start-up
    objects are long-lived: keeping them out of collection loses nothing."""
    gc.collect()
    gc.freeze()


PARENT_PID_ENV = "SINGLEWINDOW_PARENT_PID"


def exit_with_parent() -> None:
    """In a child process of ``run`` (the exchange worker, the simulated agencies): stop,
    through this process's own SIGTERM handling, once ``run`` has gone, however it went.
    ``run`` terminates its children when it stops, but uvicorn re-raises the SIGTERM it caught
    after its own shutdown, which can end ``run`` before that clean-up, and a SIGKILL never
    lets it run."""
    parent = os.environ.get(PARENT_PID_ENV, "")
    if not parent.isdigit() or int(parent) != os.getppid():
        return  # not started by ``run`` (an operator's own worker process)

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def simulator_behaviour(settings: Settings) -> Behaviour:
    return Behaviour(
        rejection_rate=settings.sim_rejection_rate,
        inspection_rate=settings.sim_inspection_rate,
        latency_seconds=settings.sim_latency_seconds,
        seed=settings.sim_seed or 0,
        mode=settings.sim_mode,
    )


@asynccontextmanager
async def background(
    db: Database,
    settings: Settings,
    *,
    base_url: str | None = None,
    simulator_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[None]:
    """Runs the configured background work for as long as the context is open."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    if settings.run_workers:
        tasks.append(asyncio.create_task(run_workers(db, settings, stop), name="exchange"))
    if settings.run_simulator:
        agencies = await asyncio.to_thread(provision_simulated_agencies_tx, db)
        agencies = [a for a in agencies if a.code not in settings.sim_skip_agencies]
        simulator = Simulator(
            base_url or f"http://{settings.host}:{settings.port}",
            agencies,
            simulator_behaviour(settings),
            transport=simulator_transport,
        )
        tasks.append(asyncio.create_task(simulator.run(stop), name="simulator"))
    try:
        yield
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=15)


def provision_simulated_agencies_tx(db: Database) -> list[SimulatedAgency]:
    with db.unit_of_work() as session:
        return provision_simulated_agencies(session)
