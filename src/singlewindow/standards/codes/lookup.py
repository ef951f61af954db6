"""Looking codes up: the port validators use, with a database and a static implementation.

``DbCodeLookup`` reads the version applying on the asked date and keeps that version's entries
in a process-wide cache keyed by the version id. Versions are immutable once loaded, so the
cache never goes stale, and a newly loaded version (a new id) is read afresh. The list of
versions is read once per table per ``DbCodeLookup``, which lives for one request or command.

``StaticCodeLookup`` reads the shipped data files, without a database, for pure rules and tests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.kit import clock
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

    def applies_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


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


class DbCodeLookup:
    """Code lookups against the database of ``session``; a few queries per table, not per code."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._versions: dict[str, list[_Version]] = {}

    def _table_versions(self, table: str) -> list[_Version]:
        found = self._versions.get(table)
        if found is None:
            rows = self._session.execute(
                select(
                    CodeTableVersion.id,
                    CodeTableVersion.valid_from,
                    CodeTableVersion.valid_to,
                    CodeTableVersion.loaded_at,
                ).where(CodeTableVersion.name == table)
            )
            found = [_Version(*row) for row in rows]
            self._versions[table] = found
        return found

    def _entries(self, table: str, on: date | None) -> Entries | None:
        day = on or clock.today_china()
        applying = [v for v in self._table_versions(table) if v.applies_on(day)]
        if not applying:
            return None
        version = max(applying, key=lambda v: (v.valid_from, v.loaded_at, v.id))
        entries = ENTRY_CACHE.get(version.id)
        if entries is None:
            entries = {
                code: CodeEntryView(code, name_zh, name_en, attrs or {})
                for code, name_zh, name_en, attrs in repository.entry_rows(
                    self._session, version.id
                )
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
