"""The manifests' node (agencies, terminals, traders, carriers), and helpers to write timeline
events the inspection routes will write (they do not all exist yet)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from singlewindow.declarations.models import TimelineEvent
from singlewindow.kit import clock
from singlewindow.kit.db import Database, table_of
from singlewindow.kit.ids import new_id
from tests.transport.manifests.conftest import entry_no, mf, node

__all__ = ["Clock", "add_event", "entry_no", "fixed_clock", "mf", "node"]


class Clock:
    """The platform clock, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def fixed_clock() -> Iterator[Clock]:
    real = datetime.now(UTC).replace(microsecond=0)
    c = Clock(real)
    clock.set_clock(lambda: c.now)
    yield c
    clock.reset_clock()


def add_event(
    db: Database,
    declaration_id: str,
    event: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
    *,
    event_id: str | None = None,
) -> str:
    """A timeline event as the declarations service writes it (``event_id``: one generated
    earlier, to stand for a transaction that commits late)."""
    row_id = event_id or new_id()
    with db.unit_of_work() as session:
        session.execute(
            insert(table_of(TimelineEvent)),
            [
                {
                    "id": row_id,
                    "declaration_id": declaration_id,
                    "at": at,
                    "actor": "test",
                    "event": event,
                    "status_before": None,
                    "status_after": None,
                    "detail": detail or {},
                }
            ],
        )
    return row_id
