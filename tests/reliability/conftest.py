"""Reliability fixtures: the two configurations under test, each on fresh servers and data,
and a registry that stops every child process a test started, even when the test fails."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from singlewindow.devservers import PostgresServer, nats_server
from tests.reliability.support import Backend, Processes

_counter = itertools.count()

PG_NATS = pytest.param("pg-nats", marks=[pytest.mark.postgres, pytest.mark.nats])


@contextmanager
def make_backend(kind: str, request: pytest.FixtureRequest) -> Iterator[Backend]:
    """``embedded``: SQLite + the embedded transport. ``pg-nats``: a fresh PostgreSQL
    database and a NATS JetStream server of its own (a test may stop and restart it)."""
    if kind == "embedded":
        template: Path = request.getfixturevalue("sqlite_template")
        yield Backend("embedded", {"SW_EXCHANGE": "embedded"}, sqlite_template=template)
        return
    pg: PostgresServer = request.getfixturevalue("pg")
    name = f"rel{next(_counter)}_{abs(hash(request.node.nodeid)) % 10**8}"
    # Cloned from the session's migrated template (the node's own upgrade is then a no-op).
    url = pg.create_database(name, template=request.getfixturevalue("pg_template"))
    try:
        with nats_server() as nats:
            yield Backend(
                "pg-nats",
                {
                    "SW_DATABASE_URL": url,
                    "SW_EXCHANGE": "nats",
                    "SW_NATS_URL": nats.url,
                    "SW_NATS_STREAM": "SWREL",
                },
                nats,
            )
    finally:
        pg.drop_database(name)


@pytest.fixture(params=["embedded", PG_NATS])
def backend(request: pytest.FixtureRequest, procs: Processes) -> Iterator[Backend]:
    with make_backend(request.param, request) as b:
        try:
            yield b
        finally:
            procs.close()  # the node and workers stop before their servers go away


@pytest.fixture(params=[PG_NATS])
def nats_backend(request: pytest.FixtureRequest, procs: Processes) -> Iterator[Backend]:
    with make_backend(request.param, request) as b:
        try:
            yield b
        finally:
            procs.close()


@pytest.fixture
def procs() -> Iterator[Processes]:
    registry = Processes()
    try:
        yield registry
    finally:
        registry.close()
