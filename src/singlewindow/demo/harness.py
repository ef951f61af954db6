"""A throw-away node in its own process, on loopback, for the demo and the benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from singlewindow.demo.seed import (
    DemoPartner,
    DemoTrader,
    ensure_demo_partners,
    ensure_demo_traders,
)
from singlewindow.demo.users import DemoUser, ensure_demo_users
from singlewindow.devservers import free_port
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.migrate import upgrade
from singlewindow.node import bootstrap


@dataclass
class NodeProcess:
    """Prepares a database, then runs ``singlewindow run`` in a child process."""

    env: dict[str, str] = field(default_factory=dict)
    data_dir: Path | None = None
    port: int = 0
    traders: list[DemoTrader] = field(default_factory=list)
    partners: dict[str, DemoPartner] = field(default_factory=dict)  # carrier, terminal
    users: list[DemoUser] = field(default_factory=list)  # the portal's demo users
    process: subprocess.Popen[bytes] | None = None
    separate_simulator: bool = False  # run the simulated agencies in their own process
    processes: int = 1  # API processes (``run --processes``)
    worker_process: bool = False  # exchange workers in their own process (``--worker-process``)
    simulator: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _own_dir: bool = False

    def __post_init__(self) -> None:
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="sw-node-"))
            self._own_dir = True
        self.port = self.port or free_port()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> Settings:
        assert self.data_dir is not None
        values = {k[3:].lower(): v for k, v in self.env.items() if k.startswith("SW_")}
        values["data_dir"] = str(self.data_dir)
        return Settings.model_validate(values)

    def prepare(self) -> None:
        s = self.settings()
        s.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(s.effective_database_url)
        db = Database(s.effective_database_url)
        with db.unit_of_work() as session:
            bootstrap(session, s)
            self.traders = ensure_demo_traders(session, s)
            self.partners = ensure_demo_partners(session)  # after: traders revoke demo keys
            self.users = ensure_demo_users(
                session, s, self.traders[0].code, self.partners["terminal"].code
            )
        db.dispose()

    def start(self, timeout: float = 60) -> None:
        assert self.data_dir is not None
        env = {**os.environ, **self.env, "SW_DATA_DIR": str(self.data_dir)}
        self.log_path = self.data_dir / "node.log"
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "singlewindow", "run",
                    "--host", "127.0.0.1", "--port", str(self.port), "--no-demo-data",
                    *(["--no-sim"] if self.separate_simulator else []),
                    *(["--processes", str(self.processes)] if self.processes > 1 else []),
                    *(["--worker-process"] if self.worker_process else []),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited early; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=1).status_code == 200:
                    if self.separate_simulator:
                        self._start_simulator(env)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"node did not start within {timeout}s; see {self.log_path}")

    def _start_simulator(self, env: dict[str, str]) -> None:
        assert self.data_dir is not None
        with (self.data_dir / "simulator.log").open("ab") as log:
            self.simulator = subprocess.Popen(
                [sys.executable, "-m", "singlewindow", "simulate", "--url", self.base_url],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.simulator and self.simulator.poll() is None:
            self.simulator.terminate()
            try:
                self.simulator.wait(20)
            except subprocess.TimeoutExpired:
                self.simulator.kill()
                self.simulator.wait(5)
        self.simulator = None
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> NodeProcess:
        self.prepare()
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()
