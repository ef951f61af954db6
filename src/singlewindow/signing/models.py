"""ORM models of this context (see the package docstring)."""

from __future__ import annotations
