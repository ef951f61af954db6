"""Queries on code tables. No commits here; the boundary owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from singlewindow.kit.ids import new_id
from singlewindow.standards.codes.models import CodeEntry, CodeTableVersion

INSERT_BATCH = 1000


def versions(session: Session, name: str | None = None) -> Sequence[CodeTableVersion]:
    """Versions by table name, the newest first within a table."""
    query = select(CodeTableVersion).order_by(
        CodeTableVersion.name, CodeTableVersion.valid_from.desc(), CodeTableVersion.loaded_at.desc()
    )
    if name is not None:
        query = query.where(CodeTableVersion.name == name)
    return session.scalars(query).all()


def pick_applicable(candidates: Iterable[CodeTableVersion], on: date) -> CodeTableVersion | None:
    """The latest version (by ``valid_from``, then load time) that applies on ``on``."""
    applying = [v for v in candidates if v.applies_on(on)]
    if not applying:
        return None
    return max(applying, key=lambda v: (v.valid_from, v.loaded_at, v.id))


def existing_keys(session: Session) -> set[tuple[str, str]]:
    rows = session.execute(select(CodeTableVersion.name, CodeTableVersion.version))
    return {(n, v) for n, v in rows}


def find_version(session: Session, name: str, version: str) -> CodeTableVersion | None:
    return session.scalars(
        select(CodeTableVersion).where(
            CodeTableVersion.name == name, CodeTableVersion.version == version
        )
    ).one_or_none()


def entry_rows(session: Session, version_id: str) -> Sequence[Any]:
    """(code, name_zh, name_en, attrs) of every entry of a version."""
    return session.execute(
        select(CodeEntry.code, CodeEntry.name_zh, CodeEntry.name_en, CodeEntry.attrs).where(
            CodeEntry.version_id == version_id
        )
    ).all()


def search_entries(
    session: Session, version_id: str, *, q: str | None, after: str | None, limit: int
) -> Sequence[CodeEntry]:
    """Entries ordered by code; ``q`` matches a code prefix or a name substring."""
    query = select(CodeEntry).where(CodeEntry.version_id == version_id)
    if q:
        query = query.where(
            or_(
                CodeEntry.code.startswith(q, autoescape=True),
                CodeEntry.name_zh.contains(q, autoescape=True),
                CodeEntry.name_en.icontains(q, autoescape=True),
            )
        )
    if after is not None:
        query = query.where(CodeEntry.code > after)
    return session.scalars(query.order_by(CodeEntry.code).limit(limit)).all()


def insert_entries(session: Session, version_id: str, rows: Iterable[dict[str, Any]]) -> int:
    """Bulk-inserts entries in batches (one multi-row INSERT each); returns how many."""
    total = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({"id": new_id(), "version_id": version_id, **row})
        if len(batch) >= INSERT_BATCH:
            session.execute(insert(CodeEntry), batch)
            total += len(batch)
            batch = []
    if batch:
        session.execute(insert(CodeEntry), batch)
        total += len(batch)
    return total
