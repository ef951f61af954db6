"""Shared fixtures: real SQLite and real PostgreSQL databases, a real NATS server, the app."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from singlewindow.devservers import NatsServer, PostgresServer, nats_server, postgres_server
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from tests.support.schema import build_schema

_db_counter = itertools.count()

# Under pytest-xdist the longest tests start first, so that no worker is left running a
# several-minute scenario alone at the end while the other one idles. The order is the same
# on every worker (xdist requires it); a serial run keeps the collection order.
_FIRST = ("tests/reliability/test_worker_kill.py", "tests/reliability/")


def _start_order(item: pytest.Item) -> int:
    for rank, prefix in enumerate(_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(_FIRST) + (0 if item.get_closest_marker("slow") else 1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_start_order)  # stable: otherwise the collection order


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        _no_fsync(server)
        yield server


def _no_fsync(server: PostgresServer) -> None:
    """A throw-away server that nothing ever crashes: commits need not be forced to disk.
    Every commit is still written and visible; what fsync adds is survival of an operating
    system crash, which no test exercises (the reliability tests kill the node, never the
    database). Without it, clones, drops and commits stop queueing on the shared disk."""
    engine = sa.create_engine(server.base_uri, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("ALTER SYSTEM SET fsync = off"))
        conn.execute(sa.text("ALTER SYSTEM SET full_page_writes = off"))
        conn.execute(sa.text("SELECT pg_reload_conf()"))
    engine.dispose()


@pytest.fixture(scope="session")
def nats() -> Iterator[NatsServer]:
    with nats_server() as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database migrated once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    build_schema(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg: PostgresServer) -> str:
    """A migrated PostgreSQL template database; each test's database is cloned from it."""
    url = pg.create_database("sw_template")
    build_schema(url)
    return "sw_template"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty, migrated database on each backend (cloned from a migrated template)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "sw.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    server: PostgresServer = request.getfixturevalue("pg")
    pg_template: str = request.getfixturevalue("pg_template")
    name = f"t{next(_db_counter)}_{abs(hash(request.node.nodeid)) % 10**8}"
    url = server.create_database(name, template=pg_template)
    yield url
    server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'sw.db'}"
    build_schema(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        run_workers=False,
        run_simulator=False,
    )


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    from singlewindow.app import create_app

    with TestClient(create_app(settings, db)) as client:
        yield client
