"""A started node freezes its start-up heap out of garbage collection (``settle_heap``), so
that no request later waits for a full collection over every module, schema and cache."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test process collects as usual


@pytest.mark.parametrize("settle", [True, False])
def test_start_up_heap_is_frozen_only_when_asked(
    tmp_path: Path, sqlite_url: str, unfrozen: None, settle: bool
) -> None:
    from singlewindow.app import create_app

    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=sqlite_url,
        run_workers=False,
        run_simulator=False,
        settle_heap=settle,
    )
    db = Database(sqlite_url)
    with TestClient(create_app(settings, db)) as client:
        assert client.get("/api/v1/health").status_code == 200
        frozen = gc.get_freeze_count()
    db.dispose()
    if settle:
        assert frozen > 10_000  # modules, metadata, schemas: everything alive at start-up
    else:
        assert frozen == 0
