"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from singlewindow.migrate import check


def test_models_and_migrations_agree(database_url: str) -> None:
    # database_url is already upgraded to head; `alembic check` fails on any drift.
    check(database_url)
