"""Imports every context's ORM models so that ``Base.metadata`` knows all tables.

Alembic's env and the test fixtures import this module; domain code never does.
"""

from __future__ import annotations

from singlewindow.kit.db import Base

__all__ = ["Base"]
