"""Time-ordered identifiers (UUID v7)."""

from __future__ import annotations

import uuid6


def new_id() -> str:
    """A new UUID v7 as a 36-char string; sorts by creation time."""
    return str(uuid6.uuid7())
