"""In-process wake-ups: "something for KEY was committed" without polling the database.

Waiters (async, on any event loop) block until a key's version moves past the one they saw,
or a timeout. Notifiers may run on any thread. A waiter reads ``version(key)`` *before* it
looks at the database and passes it to ``wait``: a notification that lands between the look
and the wait is then not missed.

Signals only reach waiters in the same process. Pollers keep a (longer) fallback interval so
that work committed by another process (``singlewindow worker``, a second API process) is
still picked up.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from contextlib import suppress

from sqlalchemy import event
from sqlalchemy.orm import Session


class Signal:
    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]] = {}
        self._lock = threading.Lock()

    def version(self, key: str) -> int:
        return self._versions.get(key, 0)

    def notify(self, keys: Iterable[str]) -> None:
        woken: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        with self._lock:
            for key in set(keys):
                self._versions[key] = self._versions.get(key, 0) + 1
                woken += self._waiters.pop(key, [])
        for loop, future in woken:
            with suppress(RuntimeError):  # that loop has closed meanwhile
                loop.call_soon_threadsafe(_set, future)

    async def wait(
        self, key: str, since: int, timeout: float, stop: asyncio.Event | None = None
    ) -> bool:
        """Waits until ``key`` moved past ``since`` (True), ``stop`` is set or time runs out."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._versions.get(key, 0) != since:
                return True
            self._waiters.setdefault(key, []).append((loop, future))
        waits: set[asyncio.Future[object]] = {future}  # type: ignore[arg-type]
        stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
        if stopping is not None:
            waits.add(stopping)  # type: ignore[arg-type]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if stopping is not None:
                stopping.cancel()
            if not future.done():
                future.cancel()
                with self._lock:
                    entries = self._waiters.get(key, [])
                    if (loop, future) in entries:
                        entries.remove((loop, future))
        return self._versions.get(key, 0) != since


def _set(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# What committed work wakes: the relay (outbox rows), embedded-transport consumers (by
# subject) and long-polling inbox readers (by recipient).
OUTBOX = Signal()
TRANSPORT = Signal()
INBOX = Signal()

_PENDING = "singlewindow.signals.pending"


def notify_after_commit(session: Session, signal: Signal, keys: Iterable[str]) -> None:
    """Notifies ``keys`` of ``signal`` when ``session``'s transaction commits (not on rollback)."""
    pending: list[tuple[Signal, list[str]]] = session.info.setdefault(_PENDING, [])
    pending.append((signal, list(keys)))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for signal, keys in session.info.pop(_PENDING, ()):
        signal.notify(keys)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
