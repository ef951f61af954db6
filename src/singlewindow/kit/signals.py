"""In-process wake-ups: "something for KEY was committed" without polling the database.

Waiters (async, on any event loop) block until a key's version moves past the one they saw,
or a timeout. Notifiers may run on any thread. A waiter reads ``version(key)`` *before* it
looks at the database and passes it to ``wait``: a notification that lands between the look
and the wait is then not missed.

Signals reach waiters in the same process; ``notify_other_processes`` and a listener per
process (below) carry them to the node's other processes. Pollers keep a (longer) fallback
interval, so work committed by another process is still picked up if a wake-up is lost.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import secrets
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path

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
    for directory, channel, keys in session.info.pop(_PEERS, ()):
        _send_to_peers(directory, channel, keys)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PEERS, None)


# --- Across processes ------------------------------------------------------------------------
#
# With several processes (``run --processes``, ``run --worker-process``, ``singlewindow worker``)
# a commit in one process must wake waiters in another. Every process runs one listener thread
# that turns notifications into the in-process signals above.
#
# * PostgreSQL: the writer adds ``pg_notify`` to its transaction (delivered only if it commits).
# * SQLite (a database file): after the commit, the writer sends one datagram to each other
#   process's Unix socket in the database's wake-up directory (``wake_directory``). Best
#   effort: a datagram that cannot be sent is dropped, and waiters keep polling at their
#   (longer) fallback interval, so a lost wake-up only costs latency.

CHANNELS: dict[str, Signal] = {"sw_outbox": OUTBOX, "sw_transport": TRANSPORT, "sw_inbox": INBOX}


def register_channel(channel: str, signal: Signal) -> None:
    """A context's own signal on a PostgreSQL channel (at import, before listeners start)."""
    CHANNELS.setdefault(channel, signal)


def notify_other_processes(session: Session, channel: str, keys: Iterable[str]) -> None:
    """Wakes ``keys`` of ``channel`` in the node's other processes if this transaction commits
    (PostgreSQL: ``pg_notify`` in the transaction; SQLite: a datagram after the commit)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        for key in set(keys):
            session.execute(text("SELECT pg_notify(:c, :k)"), {"c": channel, "k": key})
        return
    directory = wake_directory(str(bind.engine.url))
    if directory is not None:
        session.info.setdefault(_PEERS, []).append((directory, channel, sorted(set(keys))))


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


_PEERS = "singlewindow.signals.peers"
_MAX_DATAGRAM = 4096
_own_sockets: set[str] = set()  # this process's listening sockets: never sent to
_sender_lock = threading.Lock()
_sender: socket.socket | None = None


@functools.lru_cache(maxsize=64)
def wake_directory(url: str) -> Path | None:
    """Where the processes of the SQLite database at ``url`` keep their wake-up sockets
    (None: not a database file, or no Unix sockets on this system). Short, under the
    temporary directory (a socket path is limited to ~100 bytes), one per database file and
    user."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"):
        return None  # pragma: no cover - Windows: pollers only
    digest = hashlib.sha256(str(Path(str(parsed.database)).resolve()).encode()).hexdigest()
    directory = Path(tempfile.gettempdir()) / f"sw-wake-{os.getuid()}-{digest[:16]}"
    return directory if len(str(directory)) <= 80 else None


def _datagrams(channel: str, keys: list[str]) -> Iterator[bytes]:
    """``channel`` and then one key per line, split to stay under the datagram size."""
    head = channel.encode()
    part: list[bytes] = []
    size = len(head)
    for key in keys:
        data = key.encode()
        if part and size + 1 + len(data) > _MAX_DATAGRAM:
            yield b"\n".join([head, *part])
            part, size = [], len(head)
        part.append(data)
        size += 1 + len(data)
    if part:
        yield b"\n".join([head, *part])


def _send_to_peers(directory: Path, channel: str, keys: list[str]) -> None:
    global _sender
    try:
        peers = [p for p in os.listdir(directory) if p.endswith(".sock")]
    except OSError:
        return  # no other process listens
    targets = [str(directory / p) for p in peers if str(directory / p) not in _own_sockets]
    if not targets or not keys:
        return
    with _sender_lock:
        if _sender is None:
            _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            _sender.setblocking(False)
        sender = _sender
    for target in targets:
        for datagram in _datagrams(channel, keys):
            try:
                sender.sendto(datagram, target)
            except (ConnectionRefusedError, FileNotFoundError):
                with suppress(OSError):  # its process has gone: remove the stale socket
                    os.unlink(target)
                break
            except OSError:
                break  # its queue is full: it is busy and will poll


class SocketListener:
    """A daemon thread receiving the wake-up datagrams of one SQLite database's processes."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._path = str(directory / f"{os.getpid()}-{secrets.token_hex(4)}.sock")
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._thread = threading.Thread(target=self._run, name="sqlite-wake", daemon=True)

    def start(self) -> SocketListener | None:
        try:
            self._directory.mkdir(mode=0o700, exist_ok=True)
            info = self._directory.stat()
            if info.st_uid != os.getuid() or info.st_mode & 0o077:
                log.warning("wake-up directory %s is not private; polling only", self._directory)
                self._sock.close()
                return None
            self._sock.bind(self._path)
        except OSError:
            log.warning("no wake-up socket in %s; polling only", self._directory, exc_info=True)
            self._sock.close()
            return None
        self._sock.settimeout(1.0)
        _own_sockets.add(self._path)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as poke:
            poke.sendto(b"", self._path)  # wakes the receiving thread now, not after its timeout
        self._thread.join(timeout=5)
        self._sock.close()
        _own_sockets.discard(self._path)
        with suppress(OSError):
            os.unlink(self._path)
        with suppress(OSError):
            self._directory.rmdir()  # only if no other process listens any more

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            channel, *keys = data.decode(errors="replace").split("\n")
            signal = CHANNELS.get(channel)
            if signal is not None and keys:
                signal.notify(keys)


def start_listener(url: str) -> Listener | SocketListener | None:
    """A running listener of the other processes' wake-ups for the database at ``url``
    (None for an in-memory database, or where no socket can be made)."""
    if url.startswith("postgresql"):
        return Listener(url).start()
    directory = wake_directory(url)
    return SocketListener(directory).start() if directory is not None else None
