"""Background loops of this context, started with the exchange workers (``singlewindow.tasks``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings


def loops(
    db: Database, settings: Settings, stop: asyncio.Event
) -> dict[str, Callable[[], Awaitable[None]]]:
    """Named loop bodies (each runs until ``stop`` is set; restarted by the supervisor)."""
    return {}
