"""Platform number sequences: unique under concurrency, on both backends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from singlewindow.kit.db import Database
from singlewindow.kit.sequences import next_value


def test_concurrent_first_use_gives_distinct_numbers(db: Database) -> None:
    def take(_: int) -> int:
        with db.unit_of_work() as session:
            return next_value(session, "test_concurrent")

    with ThreadPoolExecutor(max_workers=8) as pool:
        values = list(pool.map(take, range(40)))
    assert len(set(values)) == 40
    assert min(values) >= 1
