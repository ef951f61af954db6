"""Reliability fixtures: the two configurations under test, each on fresh servers and data."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from singlewindow.devservers import PostgresServer, nats_server
from tests.reliability.support import Backend

_counter = itertools.count()


@pytest.fixture(
    params=["embedded", pytest.param("pg-nats", marks=[pytest.mark.postgres, pytest.mark.nats])]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """``embedded``: SQLite + the embedded transport. ``pg-nats``: a fresh PostgreSQL
    database + a NATS JetStream server of its own (the tests stop and start it)."""
    if request.param == "embedded":
        yield Backend("embedded", {"SW_EXCHANGE": "embedded"})
        return
    pg: PostgresServer = request.getfixturevalue("pg")
    name = f"rel{next(_counter)}_{abs(hash(request.node.nodeid)) % 10**8}"
    url = pg.create_database(name)
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
