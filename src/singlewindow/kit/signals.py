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
import logging
import threading
from collections.abc import Iterable
from contextlib import suppress

from sqlalchemy import event, make_url, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


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

    def notify_all(self) -> None:
        """Wakes every waiter of every key (after a gap in cross-process notifications)."""
        woken: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        with self._lock:
            for key in set(self._versions) | set(self._waiters):
                self._versions[key] = self._versions.get(key, 0) + 1
            for waiters in self._waiters.values():
                woken += waiters
            self._waiters.clear()
        for loop, future in woken:
            with suppress(RuntimeError):
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


# --- Across processes: PostgreSQL LISTEN/NOTIFY ---------------------------------------------
#
# With several processes (``run --processes``, ``singlewindow worker``) a commit in one process
# must wake waiters in another. On PostgreSQL the writer adds ``pg_notify`` to its transaction
# (delivered only if it commits) and every process runs one listener thread that turns the
# notifications into the in-process signals above. SQLite has no such channel: there, waiters
# in other processes fall back to their polling interval.

CHANNELS: dict[str, Signal] = {"sw_outbox": OUTBOX, "sw_transport": TRANSPORT, "sw_inbox": INBOX}


def register_channel(channel: str, signal: Signal) -> None:
    """A context's own signal on a PostgreSQL channel (at import, before listeners start)."""
    CHANNELS.setdefault(channel, signal)


def notify_other_processes(session: Session, channel: str, keys: Iterable[str]) -> None:
    """On PostgreSQL, queues a notification of ``keys`` on ``channel`` in this transaction."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in set(keys):
        session.execute(text("SELECT pg_notify(:c, :k)"), {"c": channel, "k": key})


class Listener:
    """A daemon thread LISTENing on the signal channels of one PostgreSQL database."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        dsn = make_url(self._url).set(drivername="postgresql").render_as_string(False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    for channel in CHANNELS:
                        conn.execute(f"LISTEN {channel}")
                    # Anything committed while we were not listening: wake everyone once.
                    for signal in CHANNELS.values():
                        signal.notify_all()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0, stop_after=256):
                            CHANNELS[note.channel].notify([note.payload])
            except Exception:  # the database went away: retry quietly, pollers still poll
                log.warning("signal listener lost its connection; retrying", exc_info=True)
                self._stop.wait(2.0)


def start_listener(url: str) -> Listener | None:
    """A running listener for a PostgreSQL ``url`` (None for SQLite)."""
    if not url.startswith("postgresql"):
        return None
    return Listener(url).start()
