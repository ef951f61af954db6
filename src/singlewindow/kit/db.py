"""Database plumbing: declarative base, engine, and the one-transaction-per-boundary scope.

Services receive a ``Session`` and may ``flush()`` but never ``commit()``: the boundary (a
request dependency, a worker loop iteration, a CLI command) owns the transaction through
``unit_of_work``.
"""

from __future__ import annotations

try:  # POSIX: writers of every process queue on one file lock
    import fcntl
except ImportError:  # pragma: no cover - Windows: the thread mutex only
    fcntl = None  # type: ignore[assignment]

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    MetaData,
    String,
    Table,
    Update,
    bindparam,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from singlewindow.kit import clock
from singlewindow.kit.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class IdMixin:
    """UUID v7 primary key, stored as a 36-char string (portable across backends)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


T = TypeVar("T")

# SQLite's page cache per connection, in KiB. Each pooled connection (about thirty in a busy
# node) keeps its own, and SQLite's default of 2 MiB each came to some 40 MB of the node's
# memory at 20,000 declarations, for no measured gain: the operating system caches the file
# for every connection anyway (docs/performance.md).
SQLITE_CACHE_KIB = 256
# Compiled statements each connection keeps (Python's default is 128). The node runs a few
# hundred distinct statements, so every pooled connection came to hold 128 of them, several
# MB each connection, growing for the whole of a 20,000-declaration run; the hot path's
# statements are a few dozen (see ``in_list``).
SQLITE_STATEMENTS = 32


def _sqlite_pragmas(
    dbapi_connection: Any, _record: ConnectionPoolEntry, *, cache_kib: int = SQLITE_CACHE_KIB
) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; synchronous=FULL makes a commit durable
    # before we answer 202 (the "receipt only after durable storage" promise).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")  # negative: KiB, not pages
    cursor.close()


_READ_PREFIXES = ("SELECT", "PRAGMA")


class _WriterConnection(sqlite3.Connection):
    """A SQLite connection that lets go of the writer lock once its transaction has really
    ended: after ``COMMIT`` or ``ROLLBACK`` has run, not when SQLAlchemy announces it (its
    ``commit`` event fires before the statement). Released earlier, the next writer could take
    its read snapshot before this commit landed and then fail at once with "database is
    locked" (SQLite refuses to upgrade a stale snapshot to a write, whatever the busy
    timeout)."""

    sw_release: Callable[[], None] | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer()

    def release_writer(self) -> None:
        release, self.sw_release = self.sw_release, None
        if release is not None:
            release()


def _install_write_mutex(engine: Engine) -> None:
    """Queues SQLite writers — of this process and of every other — instead of letting them
    meet SQLite's busy handler.

    SQLite has one writer at a time; a blocked writer otherwise sleeps in growing steps (up to
    100 ms) inside ``busy_timeout``, which turns contention into long, idle waits. Writers take
    a thread mutex and then an exclusive ``flock`` on ``<database>.writer.lock`` (so API
    processes, ``singlewindow worker`` and CLI commands queue in the kernel, in order) at a
    transaction's first write statement (pysqlite begins the transaction there, so no stale
    read snapshot is upgraded; a ``SAVEPOINT`` counts as a write, as it begins the
    transaction) and release both when the connection's ``COMMIT`` or ``ROLLBACK`` has run
    (``_WriterConnection``). Reads never wait. A process that dies releases its ``flock`` with
    it.
    """
    mutex = threading.Lock()
    lock_file = _writer_lock_file(engine)

    def release() -> None:
        if lock_file is not None:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
        mutex.release()

    def before_execute(_conn: Any, cursor: Any, statement: str, *_args: Any, **_kw: Any) -> None:
        connection = cursor.connection
        if connection.sw_release is not None or statement.lstrip()[:6].upper() in _READ_PREFIXES:
            return
        mutex.acquire()
        if lock_file is not None:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        connection.sw_release = release

    event.listen(engine, "before_cursor_execute", before_execute)
    # A connection going back to the pool holds nothing (its reset has rolled back already).
    event.listen(engine, "checkin", _release_on_checkin)


def _release_on_checkin(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    if isinstance(dbapi_connection, _WriterConnection):  # None once invalidated
        dbapi_connection.release_writer()


def _writer_lock_file(engine: Engine) -> IO[bytes] | None:
    """The lock file beside a file database (None: in-memory, or no ``fcntl`` on this OS)."""
    database = engine.url.database
    if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).resolve().with_name(Path(database).name + ".writer.lock")
    return path.open("ab")  # kept open for the engine's life; flock is per open file


def make_engine(
    url: str, *, pool_size: int = 10, sqlite_cache_kib: int = SQLITE_CACHE_KIB
) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "factory": _WriterConnection,
                "cached_statements": SQLITE_STATEMENTS,
            },
            pool_size=pool_size,
            max_overflow=20,
        )
        event.listen(
            engine, "connect", functools.partial(_sqlite_pragmas, cache_kib=sqlite_cache_kib)
        )
        _install_write_mutex(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=30, pool_pre_ping=True)


class Database:
    """An engine plus its session factory. One per process (or per test)."""

    def __init__(
        self, url: str, *, pool_size: int = 20, sqlite_cache_kib: int = SQLITE_CACHE_KIB
    ) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, sqlite_cache_kib=sqlite_cache_kib)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        # Short reads on PostgreSQL (``short_read``) run without a transaction block.
        self._short_readers = (
            self.sessions
            if self.is_sqlite
            else sessionmaker(
                self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
                autoflush=False,
            )
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any exception."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def read_only(self) -> AbstractContextManager[Session]:
        """A transaction for reads, rolled back at the end (server-side cursors allowed)."""
        return _reading(self.sessions)

    def short_read(self) -> AbstractContextManager[Session]:
        """A few short SELECTs on hot paths (every request's authentication, a page of the
        clearance query). On PostgreSQL they run in autocommit mode: under READ COMMITTED
        each statement takes its own snapshot anyway, and BEGIN and ROLLBACK would cost two
        round trips. So: no writes and no server-side cursors (``yield_per``,
        ``stream_results``) here; use ``read_only`` or ``unit_of_work``. On SQLite it is
        ``read_only``."""
        return _reading(self._short_readers)

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _reading(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is rolled back and which is closed at the end."""
    session = sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def table_of(model: type[Base]) -> Table:
    """A model's Core table: ``insert(table_of(M))`` skips the ORM bulk-insert machinery,
    which costs more than the statement on hot paths that need no ORM objects back."""
    return cast(Table, model.__table__)


def in_list(values: Iterable[T]) -> list[T]:
    """``values`` for an ``IN (…)`` whose length varies from call to call (a batch of ids),
    padded to the next power of two by repeating the last value, which changes nothing in an
    ``IN``.

    SQLAlchemy renders one placeholder per value, so every length is a statement of its own,
    and each connection keeps its recent statements compiled (SQLite: the last 128 of each
    pooled connection; psycopg: those it has prepared on the server). Batches of every length
    from 1 to 1,000 filled those caches with near-copies: on SQLite most of the node's memory
    growth from 2,000 to 20,000 declarations. Padded, a statement has at most 11 lengths."""
    items = list(values)
    if len(items) > 1:
        items += [items[-1]] * ((1 << (len(items) - 1).bit_length()) - len(items))
    return items


def claim_rows(
    session: Session,
    key: InstrumentedAttribute[Any],
    where: ColumnElement[bool],
    order_by: InstrumentedAttribute[Any],
    limit: int,
    values: dict[str, Any],
) -> int:
    """Updates, with ``values``, up to ``limit`` rows that match ``where`` (first by
    ``order_by``) and still match it when written; returns how many rows were picked.

    This is how workers and pollers take a batch (outbox, queue, inbox). The keys are read
    first, on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (a competing claimer passes over the
    rows rather than waiting), then updated by key. It is not one ``UPDATE … WHERE key IN
    (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``: when a concurrent transaction has changed a
    candidate row, PostgreSQL re-evaluates that subquery for the row, and the one UPDATE can
    then claim many more than ``n`` rows. An empty pick writes nothing, so an idle poll takes
    no SQLite write lock.
    """
    pick = select(key).where(where).order_by(order_by).limit(limit)
    if session.get_bind().dialect.name != "sqlite":
        pick = pick.with_for_update(skip_locked=True)
    keys: list[Any] = list(session.scalars(pick))
    if keys:
        session.execute(
            update(key.class_)
            .where(key.in_(in_list(keys)), where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return len(keys)


def chain_link_update(table: Table) -> Update:
    """The executemany UPDATE that seals entries of a hash-chained log (message log, audit
    log): by ``e_id``, the entry's number ``e_seq``, the previous hash ``e_prev``, its own hash
    ``e_hash`` and the sealing time ``e_at``."""
    return (
        update(table)
        .where(table.c.id == bindparam("e_id"))
        .values(
            seq=bindparam("e_seq"),
            prev_hash=bindparam("e_prev"),
            entry_hash=bindparam("e_hash"),
            sealed_at=bindparam("e_at"),
        )
    )
