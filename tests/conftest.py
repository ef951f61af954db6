"""Shared fixtures: real SQLite and real PostgreSQL databases, a real NATS server, the app."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from tests.support.schema import build_schema
from singlewindow.devservers import NatsServer, PostgresServer, nats_server, postgres_server

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def nats() -> Iterator[NatsServer]:
    with nats_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty, migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sw.db'}"
        build_schema(url)
        yield url
        return
    server: PostgresServer = request.getfixturevalue("pg")
    name = f"t{next(_db_counter)}_{abs(hash(request.node.nodeid)) % 10**8}"
    url = server.create_database(name)
    build_schema(url)
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
