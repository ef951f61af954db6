"""Builds a database schema for tests from the Alembic migrations (the same path as production)."""

from __future__ import annotations

from singlewindow.migrate import upgrade


def build_schema(url: str) -> None:
    upgrade(url)
