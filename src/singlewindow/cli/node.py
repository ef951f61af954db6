"""``singlewindow run``: a full node in one process."""

from __future__ import annotations

import logging

import typer
import uvicorn

from singlewindow.cli.common import console, database, settings
from singlewindow.migrate import upgrade
from singlewindow.node import bootstrap


def run(
    host: str = typer.Option(None, help="listen address (default SW_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="listen port (default SW_PORT or 8000)"),
    no_sim: bool = typer.Option(False, "--no-sim", help="no simulated agencies (production)"),
    no_workers: bool = typer.Option(
        False, "--no-workers", help="API only; run `singlewindow worker` separately"
    ),
    demo_data: bool = typer.Option(True, help="create the demo trader parties and keys"),
) -> None:
    """Start the API, the exchange workers and (unless --no-sim) the simulated agencies."""
    s = settings()
    updates: dict[str, object] = {}
    if host:
        updates["host"] = host
    if port:
        updates["port"] = port
    if no_sim:
        updates["run_simulator"] = False
    if no_workers:
        updates["run_workers"] = False
    s = s.model_copy(update=updates)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    upgrade(s.effective_database_url)
    db = database(s)
    with db.unit_of_work() as session:
        bootstrap(session, s)
        if demo_data and s.run_simulator:
            from singlewindow.demo.seed import ensure_demo_traders

            traders = ensure_demo_traders(session, s)
            for trader in traders:
                console.print(
                    f"[cyan]demo trader[/cyan] {trader.name_zh} ({trader.code}) "
                    f"API key: [bold]{trader.token}[/bold]"
                )
    from singlewindow.app import create_app

    app = create_app(s, db)
    console.print(f"[green]Single Window node {s.node_code} on http://{s.host}:{s.port}[/green]")
    uvicorn.run(app, host=s.host, port=s.port, log_level="info", access_log=False)
