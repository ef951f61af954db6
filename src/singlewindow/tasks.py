"""Every context's background loops, in one place (the exchange workers start them)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings


def context_loops(
    db: Database, settings: Settings, stop: asyncio.Event
) -> dict[str, Callable[[], Awaitable[None]]]:
    from singlewindow.analytics import tasks as analytics_tasks
    from singlewindow.inspection import tasks as inspection
    from singlewindow.subscriptions import tasks as subscriptions

    loops: dict[str, Callable[[], Awaitable[None]]] = {}
    for module in (inspection, subscriptions, analytics_tasks):
        loops.update(module.loops(db, settings, stop))
    return loops
