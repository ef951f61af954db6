"""``singlewindow run``: a full node in one process."""

from __future__ import annotations

import logging
import threading
from typing import Any

import typer
import uvicorn
from sqlalchemy import func, select

from singlewindow.cli.common import console, database, settings
from singlewindow.kit.settings import Settings
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
    processes: int = typer.Option(
        1,
        "--processes",
        min=1,
        max=64,
        help="API processes; above 1 the exchange workers and simulated agencies run in "
        "their own processes too",
    ),
    worker_process: bool = typer.Option(
        False,
        "--worker-process",
        help="run the exchange workers (relay, channels, sealers, projectors) and the "
        "simulated agencies in processes of their own beside one API process (always so "
        "with --processes above 1): the pipeline then has its own interpreter lock",
    ),
) -> None:
    """Start the API, the exchange workers and (unless --no-sim) the simulated agencies."""
    import os

    os.environ.setdefault("SW_SETTLE_HEAP", "true")  # this process and its API children
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
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the simulator's every poll
    s.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(s.effective_database_url)
    db = database(s)
    with db.unit_of_work() as session:
        bootstrap(session, s)
        if demo_data and s.run_simulator:
            from singlewindow.declarations.models import Declaration
            from singlewindow.demo.seed import (
                ensure_demo_partners,
                ensure_demo_traders,
                submit_demo_declarations,
            )
            from singlewindow.demo.ship_call import submit_demo_ship_call

            traders = ensure_demo_traders(session, s)
            partners = ensure_demo_partners(session)  # after the traders: they revoke demo keys
            for trader in traders:
                console.print(
                    f"[cyan]demo trader / 演示企业[/cyan] {trader.name_zh} ({trader.code})\n"
                    f"  API key: {trader.token}",
                    soft_wrap=True,
                )
            for role, partner in partners.items():
                console.print(
                    f"[cyan]demo {role} / 演示{'船代' if role == 'carrier' else '码头'}[/cyan] "
                    f"{partner.name_zh} ({partner.code})\n  API key: {partner.token}",
                    soft_wrap=True,
                )
            from singlewindow.demo.users import ensure_demo_users

            users = ensure_demo_users(session, s, traders[0].code, partners["terminal"].code)
            console.print(
                f"[cyan]portal users / 门户演示用户[/cyan] (http://{s.host}:{s.port}/portal)"
            )
            for user in users:
                second = (
                    f"  TOTP seed / 动态验证码密钥: {user.totp_secret}" if user.totp_secret else ""
                )
                console.print(
                    f"  {user.username} / {user.password} ({user.org_code}){second}",
                    soft_wrap=True,
                )
            from singlewindow.demo.portal_data import (
                ensure_demo_capacity,
                submit_huangpu_declarations,
            )

            ensure_demo_capacity(session, node_code=s.node_code)  # the terminal's inspection bays
            if session.scalar(select(func.count()).select_from(Declaration)) == 0:
                base_url = f"http://{s.host}:{s.port}"
                threading.Thread(  # left to the Huangpu customs officer (demo.officer)
                    target=submit_huangpu_declarations,
                    args=(base_url, traders[0]),
                    daemon=True,
                ).start()
                threading.Thread(
                    target=submit_demo_declarations,
                    args=(base_url, traders[0], DEMO_DECLARATIONS),
                    daemon=True,
                ).start()
                threading.Thread(
                    target=submit_demo_ship_call,
                    args=(base_url, traders[0], partners),
                    daemon=True,
                ).start()
    console.print(f"[green]Single Window node {s.node_code} on http://{s.host}:{s.port}[/green]")
    if processes > 1 or worker_process:
        db.dispose()
        _run_processes(s, processes)
        return
    from singlewindow.app import create_app

    _serve(create_app(s, db), s)


def _serve(app: Any, s: Settings, **options: Any) -> None:
    """uvicorn with the node's listen address and connection settings."""
    uvicorn.run(
        app,
        host=s.host,
        port=s.port,
        log_level="info",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        **options,
    )


# Idle keep-alive connections stay open this long (uvicorn's default is 5 s, the same as
# common clients' own idle limit, e.g. httpx): a client may then send on a connection the
# server is closing at that instant and get a transport error instead of an answer. Longer
# than the clients' limit, the client always closes first (nginx keeps 75 s too).
KEEP_ALIVE_S = 75


# Open streams (server-sent events, long polls) do not hold a stopping node longer than this;
# their clients reconnect with Last-Event-ID.
GRACEFUL_SHUTDOWN_S = 5


def _run_processes(s: Settings, processes: int) -> None:
    """``processes`` API workers (uvicorn) plus one exchange-worker process and, unless
    disabled, one simulated-agencies process; the children stop when the API stops."""
    import os
    import subprocess
    import sys

    from singlewindow.runtime import PARENT_PID_ENV

    env = {
        **os.environ,
        "SW_HOST": s.host,
        "SW_PORT": str(s.port),
        "SW_DATA_DIR": str(s.data_dir.resolve()),
        PARENT_PID_ENV: str(os.getpid()),  # the children stop when this process has gone
    }
    children = []
    if s.run_workers:
        children.append(subprocess.Popen([sys.executable, "-m", "singlewindow", "worker"], env=env))
    if s.run_simulator:
        url = f"http://{s.host}:{s.port}"
        command = [sys.executable, "-m", "singlewindow", "simulate", "--url", url]
        children.append(subprocess.Popen(command, env=env))  # noqa: S603 - our own CLI
    # The API processes build their app without background work: several from the environment
    # (uvicorn starts them afresh), one here from these settings (this process has cached the
    # environment's settings already).
    os.environ.update(env | {"SW_RUN_WORKERS": "false", "SW_RUN_SIMULATOR": "false"})
    api_only = s.model_copy(update={"run_workers": False, "run_simulator": False})
    try:
        if processes > 1:
            _serve("singlewindow.app:create_app", s, factory=True, workers=processes)
        else:
            from singlewindow.app import create_app

            _serve(create_app(api_only), s)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()


def simulate(
    url: str = typer.Option(None, help="the node's base URL (default http://SW_HOST:SW_PORT)"),
) -> None:
    """Run the simulated agencies on their own, against a node's public API, until SIGTERM.

    They get fresh API keys from the node's database (an operator step); everything else goes
    over HTTP, as a real department-end system would.
    """
    import asyncio
    import signal

    from singlewindow.agencies.simulator import Simulator
    from singlewindow.runtime import (
        exit_with_parent,
        provision_simulated_agencies_tx,
        simulator_behaviour,
    )

    exit_with_parent()
    s = settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the simulator's every poll
    db = database(s)
    agencies = [a for a in provision_simulated_agencies_tx(db) if a.code not in s.sim_skip_agencies]
    db.dispose()
    simulator = Simulator(url or f"http://{s.host}:{s.port}", agencies, simulator_behaviour(s))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await simulator.run(stop)

    console.print(f"[green]simulated agencies ({len(agencies)}) → {simulator.base_url}[/green]")
    asyncio.run(main())
