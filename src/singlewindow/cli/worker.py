"""``singlewindow worker``: the exchange workers in their own process."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from singlewindow.cli.common import console, database, settings


def worker(
    refresh: float = typer.Option(2.0, help="seconds between looks for new recipients"),
    log_level: str = typer.Option("INFO", help="logging level"),
) -> None:
    """Run the relay, channel workers and log sealer until SIGTERM/SIGINT."""
    early: list[int] = []  # a signal that arrives before the event loop runs still stops us
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: early.append(signum))
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    from singlewindow.runtime import exit_with_parent

    exit_with_parent()  # started by ``run``: stop when it has gone
    s = settings()
    db = database(s)
    from singlewindow.exchange.workers import run_workers

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if early:
            stop.set()
        await run_workers(db, s, stop, recipients_refresh_s=refresh)

    console.print(f"[green]exchange workers running ({s.exchange})[/green]")
    from singlewindow.kit.signals import start_listener

    listener = start_listener(db.url)  # wake on commits of the API processes (PostgreSQL)
    try:
        asyncio.run(main())
    finally:
        if listener is not None:
            listener.stop()
        db.dispose()
