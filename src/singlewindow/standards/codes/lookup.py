"""Looking codes up: the port validators use, with a database and a static implementation.

``DbCodeLookup`` reads the version applying on the asked date and keeps that version's entries
in a process-wide cache keyed by the version id. Versions are immutable once loaded, so that
cache never goes stale, and a newly loaded version (a new id) is read afresh.

The list of versions of a table is also shared process-wide, per (database, table), for
``VERSION_TTL_S`` seconds: a ``DbCodeLookup`` lives for one request, and re-reading the lists
on every request cost more than the validation itself. A version loaded by this process
(``load_table``, ``ensure_builtin_tables``) is seen at once: the loaders call
``note_loaded``, the session that loads reads its own lists until it commits, and the commit
drops the shared lists. One loaded by another process is seen within the TTL, or at once after
``refresh()``.

``StaticCodeLookup`` reads the shipped data files, without a database, for pure rules and tests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.cache import TtlCache, database_key
from singlewindow.standards.codes import repository
from singlewindow.standards.codes.builtin import TableSpec, builtin_tables
from singlewindow.standards.codes.loader import read_rows
from singlewindow.standards.codes.models import CodeTableVersion


@dataclass(frozen=True, slots=True)
class CodeEntryView:
    code: str
    name_zh: str
    name_en: str
    attrs: Mapping[str, Any] = field(default_factory=dict)


class CodeLookup(Protocol):
    def contains(self, table: str, code: str, on: date | None = None) -> bool: ...

    def get(self, table: str, code: str, on: date | None = None) -> CodeEntryView | None: ...


Entries = dict[str, CodeEntryView]


@dataclass(frozen=True, slots=True)
class _Version:
    id: str
    valid_from: date
    valid_to: date | None
    loaded_at: datetime
    entry_count: int

    def applies_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


Versions = tuple[_Version, ...]


class _EntryCache:
    """A small thread-safe LRU of entries by version id (versions never change)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._data: OrderedDict[str, Entries] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: str) -> Entries | None:
        with self._lock:
            entries = self._data.get(version_id)
            if entries is not None:
                self._data.move_to_end(version_id)
            return entries

    def put(self, version_id: str, entries: Entries) -> None:
        with self._lock:
            self._data[version_id] = entries
            self._data.move_to_end(version_id)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


ENTRY_CACHE = _EntryCache()

VERSION_TTL_S = 5.0


VERSION_CACHE: TtlCache[Versions] = TtlCache(VERSION_TTL_S)

# ``session.info`` key: {database key: table names} loaded in the session's open transaction.
_LOADED = "singlewindow.codes.loaded"


_database_key = database_key


def note_loaded(session: Session, tables: Iterable[str]) -> None:
    """The loaders' hook: ``session`` has just stored new versions of ``tables``.

    Until its transaction ends, the session reads those tables' version lists itself (they
    are not visible to other sessions yet, so they must not be shared); its commit drops the
    shared lists so that every lookup in this process sees the new versions at once.
    """
    names = set(tables)
    if not names:
        return
    database = _database_key(session)
    loaded: dict[str, set[str]] = session.info.setdefault(_LOADED, {})
    loaded.setdefault(database, set()).update(names)
    VERSION_CACHE.invalidate(database, names)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    loaded: dict[str, set[str]] | None = session.info.pop(_LOADED, None)
    for database, names in (loaded or {}).items():
        VERSION_CACHE.invalidate(database, names)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_LOADED, None)


class DbCodeLookup:
    """Code lookups against the database of ``session``: after warm-up, no query at all.

    Each instance remembers what it resolved (version list per table, entries per table and
    day) for its short life, so repeated lookups are dictionary reads.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._database: str | None = None
        self._versions: dict[str, Versions] = {}
        self._resolved: dict[tuple[str, date], Entries | None] = {}

    def _query_versions(self, table: str) -> Versions:
        rows = self._session.execute(
            select(
                CodeTableVersion.id,
                CodeTableVersion.valid_from,
                CodeTableVersion.valid_to,
                CodeTableVersion.loaded_at,
                CodeTableVersion.entry_count,
            ).where(CodeTableVersion.name == table)
        )
        return tuple(_Version(*row) for row in rows)

    def _table_versions(self, table: str) -> tuple[Versions, bool]:
        """(versions of ``table``, whether they came from the shared cache)."""
        found = self._versions.get(table)
        if found is not None:
            return found, False
        if self._database is None:
            self._database = _database_key(self._session)
        database = self._database
        loaded: dict[str, set[str]] = self._session.info.get(_LOADED, {})
        if table in loaded.get(database, ()):
            found, shared = self._query_versions(table), False
        else:
            cached = VERSION_CACHE.get(database, table)
            shared = cached is not None
            if cached is None:
                generation = VERSION_CACHE.generation
                cached = self._query_versions(table)
                VERSION_CACHE.put(database, table, cached, generation)
            found = cached
        self._versions[table] = found
        return found, shared

    def _entries(self, table: str, on: date | None) -> Entries | None:
        day = on or clock.today_china()
        key = (table, day)
        try:
            return self._resolved[key]
        except KeyError:
            pass
        entries = self._resolve(table, day)
        self._resolved[key] = entries
        return entries

    def _resolve(self, table: str, day: date) -> Entries | None:
        versions, shared = self._table_versions(table)
        applying = [v for v in versions if v.applies_on(day)]
        if not applying:
            return None
        version = max(applying, key=lambda v: (v.valid_from, v.loaded_at, v.id))
        entries = ENTRY_CACHE.get(version.id)
        if entries is None:
            rows = repository.entry_rows(self._session, version.id)
            if not rows and version.entry_count and shared:
                # Listed by another session but not visible to this one (its read snapshot
                # is older than the load): use what this session sees instead.
                self._versions[table] = self._query_versions(table)
                return self._resolve(table, day)
            entries = {
                code: CodeEntryView(code, name_zh, name_en, attrs or {})
                for code, name_zh, name_en, attrs in rows
            }
            ENTRY_CACHE.put(version.id, entries)
        return entries

    def has_table(self, table: str, on: date | None = None) -> bool:
        """Whether some version of ``table`` applies on ``on`` (default: today in China)."""
        return self._entries(table, on) is not None

    def contains(self, table: str, code: str, on: date | None = None) -> bool:
        return self.get(table, code, on) is not None

    def get(self, table: str, code: str, on: date | None = None) -> CodeEntryView | None:
        entries = self._entries(table, on)
        return None if entries is None else entries.get(code)

    def refresh(self) -> None:
        """Forget the version lists read so far (to see versions loaded since)."""
        self._versions.clear()
        self._resolved.clear()
        VERSION_CACHE.invalidate(self._database or _database_key(self._session))


class StaticCodeLookup:
    """Lookups in the shipped data files (one version per table), read lazily, no database."""

    def __init__(self, specs: Mapping[str, TableSpec] | None = None) -> None:
        self._specs = dict(builtin_tables() if specs is None else specs)
        self._tables: dict[str, Entries] = {}
        self._lock = threading.Lock()

    def tables(self) -> list[str]:
        return list(self._specs)

    def _entries(self, table: str, on: date | None) -> Entries | None:
        spec = self._specs.get(table)
        if spec is None or (on or clock.today_china()) < spec.valid_from:
            return None
        entries = self._tables.get(table)
        if entries is None:
            with self._lock:
                entries = self._tables.get(table)
                if entries is None:
                    entries = {
                        r.code: CodeEntryView(r.code, r.name_zh, r.name_en, r.attrs)
                        for r in read_rows(spec.path)
                    }
                    self._tables[table] = entries
        return entries

    def entries(self, table: str, on: date | None = None) -> list[CodeEntryView]:
        """Every entry of a table in code order (empty when the table does not apply)."""
        found = self._entries(table, on) or {}
        return [found[c] for c in sorted(found)]

    def has_table(self, table: str, on: date | None = None) -> bool:
        return self._entries(table, on) is not None

    def contains(self, table: str, code: str, on: date | None = None) -> bool:
        return self.get(table, code, on) is not None

    def get(self, table: str, code: str, on: date | None = None) -> CodeEntryView | None:
        entries = self._entries(table, on)
        return None if entries is None else entries.get(code)


@cache
def builtin_lookup() -> StaticCodeLookup:
    """The process-wide lookup over the shipped tables."""
    return StaticCodeLookup()
