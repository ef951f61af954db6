"""``singlewindow run``: a full node in one process."""

from __future__ import annotations

import logging
import threading

import typer
import uvicorn
from sqlalchemy import func, select

from singlewindow.cli.common import console, database, settings
from singlewindow.migrate import upgrade
from singlewindow.node import bootstrap

DEMO_DECLARATIONS = 12


def run(
    host: str = typer.Option(None, help="listen address (default SW_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="listen port (default SW_PORT or 8000)"),
    no_sim: bool = typer.Option(False, "--no-sim", help="no simulated agencies (production)"),
    no_workers: bool = typer.Option(
        False, "--no-workers", help="API only; run `singlewindow worker` separately"
    ),
    demo_data: bool = typer.Option(
        True, help="create demo traders (with keys) and, on a fresh node, demo declarations"
    ),
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
    s.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(s.effective_database_url)
    db = database(s)
    with db.unit_of_work() as session:
        bootstrap(session, s)
        if demo_data and s.run_simulator:
            from singlewindow.declarations.models import Declaration
            from singlewindow.demo.seed import ensure_demo_traders, submit_demo_declarations

            traders = ensure_demo_traders(session, s)
            for trader in traders:
                console.print(
                    f"[cyan]demo trader / 演示企业[/cyan] {trader.name_zh} ({trader.code})\n"
                    f"  API key: {trader.token}",
                    soft_wrap=True,
                )
            if session.scalar(select(func.count()).select_from(Declaration)) == 0:
                threading.Thread(
                    target=submit_demo_declarations,
                    args=(f"http://{s.host}:{s.port}", traders[0], DEMO_DECLARATIONS),
                    daemon=True,
                ).start()
    from singlewindow.app import create_app

    app = create_app(s, db)
    console.print(f"[green]Single Window node {s.node_code} on http://{s.host}:{s.port}[/green]")
    uvicorn.run(app, host=s.host, port=s.port, log_level="info", access_log=False)
