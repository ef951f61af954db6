"""Short-lived process-wide caches of reference data read on every request.

Routing rules, the party directory and code-table version lists change rarely but are read by
every submission; re-reading them cost more than the work itself. Each is kept per database
for a few seconds (``TtlCache``). A change made by this process is seen at once: the writer
calls ``invalidate_on_commit``, which drops the entry now and again when its transaction
commits (so a reader that refilled the cache from the not-yet-committed state cannot keep
it). A change made by another process is seen within the TTL.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

V = TypeVar("V")

DEFAULT_TTL_S = 5.0


class TtlCache(Generic[V]):
    """Values by (database, name), each kept for ``ttl`` seconds.

    ``generation`` counts invalidations: a reader notes it before querying and stores its
    result only if no invalidation happened meanwhile, so a value read just before a change
    committed cannot overwrite the invalidation that change made.
    """

    def __init__(self, ttl: float = DEFAULT_TTL_S) -> None:
        self.ttl = ttl
        self.generation = 0
        self._data: dict[tuple[str, Hashable], tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, database: str, name: Hashable) -> V | None:
        found = self._data.get((database, name))  # a single dict read needs no lock
        if found is None or time.monotonic() - found[0] > self.ttl:
            return None
        return found[1]

    def put(self, database: str, name: Hashable, value: V, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._data[(database, name)] = (time.monotonic(), value)

    def get_or_load(self, session: Session, name: Hashable, load: Callable[[], V]) -> V:
        """The cached value, or ``load()`` (stored unless invalidated meanwhile)."""
        value = self.find_or_load(session, name, load)
        assert value is not None
        return value

    def find_or_load(
        self, session: Session, name: Hashable, load: Callable[[], V | None]
    ) -> V | None:
        """As ``get_or_load`` for a value that may not exist: None ("not found") is never
        stored, so names that don't exist can't fill the cache."""
        database = database_key(session)
        found = self.get(database, name)
        if found is not None and not _pending(session, self):
            return found
        generation = self.generation
        value = load()
        if value is not None and not _pending(session, self):
            self.put(database, name, value, generation)
        return value

    def invalidate(
        self, database: str | None = None, names: Iterable[Hashable] | None = None
    ) -> None:
        """Drops the values of ``names`` (default: all) of ``database`` (default: all)."""
        wanted = None if names is None else set(names)
        with self._lock:
            self.generation += 1
            for key in list(self._data):
                if (database is None or key[0] == database) and (
                    wanted is None or key[1] in wanted
                ):
                    del self._data[key]


_KEYS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def database_key(session: Session) -> str:
    """Which database a session reads, as a cache key (no password in it)."""
    engine = session.get_bind().engine  # a Connection's engine, or the Engine itself
    key = _KEYS.get(engine)  # rendering a URL costs more than a lookup: once per engine
    if key is None:
        url = engine.url
        key = str(url.render_as_string(hide_password=True))
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            # Every in-memory SQLite engine is its own database under the same URL.
            key += f"#{id(engine)}"
        _KEYS[engine] = key
    return key


# ``session.info`` key: [(cache, database)] changed in the session's open transaction.
_CHANGED = "singlewindow.cache.changed"


def _pending(session: Session, cache: TtlCache[Any]) -> bool:
    """Whether this session changed what ``cache`` holds and has not committed yet."""
    return any(c is cache for c, _ in session.info.get(_CHANGED, ()))


def invalidate_on_commit(session: Session, cache: TtlCache[Any]) -> None:
    """``session`` has changed data ``cache`` holds: drop it now and when the change commits.

    Until then the session itself bypasses the cache (it must see its own change, which is
    not visible to anyone else yet, so its reads must not be shared).
    """
    database = database_key(session)
    session.info.setdefault(_CHANGED, []).append((cache, database))
    cache.invalidate(database)


def invalidate_when_changed(model: type[Any], cache: TtlCache[Any]) -> None:
    """Any ORM insert, update or delete of a ``model`` row drops ``cache`` on commit
    (``invalidate_on_commit``). Core statements bypass this: use the ORM to change such rows."""

    @event.listens_for(Session, "after_flush")
    def _changed(session: Session, _ctx: Any) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, model):
                invalidate_on_commit(session, cache)
                return


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for cache, database in session.info.pop(_CHANGED, ()):
        cache.invalidate(database)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for cache, database in session.info.pop(_CHANGED, ()):
        cache.invalidate(database)
