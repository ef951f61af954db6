"""Code-table actions: load a CSV as a new version, load the shipped tables, list and search.

Services flush, never commit: the request, command or start-up routine owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path

from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.errors import BadRequest, Conflict, Finding, NotFound
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.standards.codes import repository
from singlewindow.standards.codes.builtin import TableSpec, builtin_tables, titles_for
from singlewindow.standards.codes.loader import (
    TABLE_NAME,
    CsvRow,
    ProgressFn,
    RowCheck,
    check_rows,
    finding,
    read_rows,
)
from singlewindow.standards.codes.lookup import (
    CodeLookup,
    DbCodeLookup,
    builtin_lookup,
    note_loaded,
)
from singlewindow.standards.codes.models import CodeTableVersion
from singlewindow.standards.codes.schemas import (
    CodeEntryOut,
    CodeEntryPage,
    CodeTableOut,
    CodeTableVersionOut,
)
from singlewindow.standards.codes.unece import read_unece_rows

RowSource = Callable[[ProgressFn | None], Iterator[CsvRow]]
"""Reads a file's rows afresh on each call (a load reads twice: check, then store)."""


class FileFormat(StrEnum):
    CSV = "csv"  # code,name_zh,name_en,… (the platform's format)
    UNECE = "unece"  # the official UNECE UN/LOCODE code list (table unlocode)


class CodeTableNotFound(NotFound):
    default_code = "code_table_not_found"


def _csv_source(path: Path) -> RowSource:
    return lambda progress: read_rows(path, progress)


def _unece_source(path: Path, table: str) -> RowSource:
    """UNECE rows, with the Chinese names of the shipped (curated) table of the same name."""
    shipped = builtin_lookup()
    zh = (
        {e.code: e.name_zh for e in shipped.entries(table) if e.name_zh}
        if shipped.has_table(table)
        else {}
    )
    return lambda progress: read_unece_rows(path, progress, zh_names=zh)


def _store(
    session: Session,
    version: CodeTableVersion,
    path: Path | RowSource,
    progress: ProgressFn | None = None,
) -> CodeTableVersion:
    rows = _csv_source(path) if isinstance(path, Path) else path
    session.add(version)
    session.flush()
    version.entry_count = repository.insert_entries(
        session,
        version.id,
        (
            {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "attrs": r.attrs}
            for r in rows(progress)
        ),
    )
    session.flush()
    return version


def _heading_check(session: Session, on: date) -> RowCheck:
    """``hs_code`` rows must fall under an existing HS heading (the loaded one, else shipped)."""
    db = DbCodeLookup(session)
    headings: CodeLookup = db if db.has_table("hs_heading", on) else builtin_lookup()

    def check(row: CsvRow) -> Finding | None:
        if headings.contains("hs_heading", row.code[:4], on):
            return None
        return finding(
            row.line,
            "code",
            "hs_heading_unknown",
            f"heading {row.code[:4]} does not exist",
            f"品目 {row.code[:4]} 不存在",
        )

    return check


def load_table(
    session: Session,
    path: Path,
    *,
    table: str,
    version: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    source: str | None = None,
    confidence: str = "",
    provisional: bool = False,
    check_progress: ProgressFn | None = None,
    load_progress: ProgressFn | None = None,
    file_format: FileFormat = FileFormat.CSV,
) -> CodeTableVersion:
    """Loads a file as a new version of ``table``. A bad file stores nothing.

    ``file_format`` ``csv`` is the platform's CSV; ``unece`` the official UNECE UN/LOCODE
    list (see ``codes.unece``). The file is read twice, streaming: first every row is
    checked, then the rows are inserted.
    """
    if not TABLE_NAME.match(table):
        raise BadRequest(
            f"Invalid table name {table!r} (lower-case letters, digits, _)",
            f"码表名称 {table!r} 无效（仅限小写字母、数字、下划线）",
            code="invalid_table_name",
        )
    if not path.is_file():
        raise BadRequest(f"File not found: {path}", f"文件不存在：{path}", code="file_not_found")
    start = valid_from or clock.today_china()
    if valid_to is not None and valid_to <= start:
        raise BadRequest(
            "valid_to must be after valid_from", "失效日期必须晚于生效日期", code="invalid_validity"
        )
    label = version or start.isoformat()
    if repository.find_version(session, table, label) is not None:
        raise Conflict(
            f"Version {label} of table {table} already exists",
            f"码表 {table} 的版本 {label} 已存在",
            code="code_table_version_exists",
        )
    extra = _heading_check(session, start) if table == "hs_code" else None
    rows = _unece_source(path, table) if file_format is FileFormat.UNECE else _csv_source(path)
    check_rows(rows(check_progress), table, extra=extra)
    title_zh, title_en = titles_for(table)
    row = CodeTableVersion(
        name=table,
        version=label,
        title_zh=title_zh,
        title_en=title_en,
        source=source
        or (f"UNECE UN/LOCODE file {path.name}" if file_format is FileFormat.UNECE else "")
        or f"file {path.name}",
        confidence=confidence,
        provisional=provisional,
        valid_from=start,
        valid_to=valid_to,
        loaded_at=clock.now(),
    )
    stored = _store(session, row, rows, load_progress)
    # Lookups share version lists process-wide: make this version visible to them.
    note_loaded(session, [table])
    return stored


def _builtin_version(spec: TableSpec) -> CodeTableVersion:
    return CodeTableVersion(
        name=spec.name,
        version=spec.version,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        source=spec.source,
        confidence=spec.confidence,
        provisional=spec.provisional,
        valid_from=spec.valid_from,
        valid_to=None,
        loaded_at=clock.now(),
    )


def ensure_builtin_tables(session: Session) -> list[str]:
    """Loads each shipped table whose (name, version) the database lacks. Idempotent.

    Returns the names loaded now (empty when everything was there).
    """
    present = repository.existing_keys(session)
    loaded = []
    for spec in builtin_tables().values():
        if (spec.name, spec.version) not in present:
            _store(session, _builtin_version(spec), spec.path)
            loaded.append(spec.name)
    note_loaded(session, loaded)
    return loaded


def list_tables(session: Session, today: date | None = None) -> list[CodeTableOut]:
    day = today or clock.today_china()
    by_name: dict[str, list[CodeTableVersion]] = {}
    for v in repository.versions(session):
        by_name.setdefault(v.name, []).append(v)
    out = []
    for name, versions in by_name.items():
        current = repository.pick_applicable(versions, day)
        head = current or versions[0]
        out.append(
            CodeTableOut(
                name=name,
                title_zh=head.title_zh,
                title_en=head.title_en,
                current_version=current.version if current else None,
                versions=[CodeTableVersionOut.model_validate(v) for v in versions],
            )
        )
    return out


def applicable_version(session: Session, name: str, on: date) -> CodeTableVersion:
    """The version of ``name`` applying on ``on``; 404 without the table or such a version."""
    versions = repository.versions(session, name)
    if not versions:
        raise CodeTableNotFound(f"No code table named {name}", f"码表 {name} 不存在")
    found = repository.pick_applicable(versions, on)
    if found is None:
        raise CodeTableNotFound(
            f"No version of code table {name} applies on {on.isoformat()}",
            f"码表 {name} 在 {on.isoformat()} 没有生效的版本",
            code="code_table_not_in_force",
        )
    return found


def entries_page(
    session: Session,
    name: str,
    *,
    on: date | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> CodeEntryPage:
    version = applicable_version(session, name, on or clock.today_china())
    rows = repository.search_entries(
        session,
        version.id,
        q=(q or "").strip() or None,
        after=decode_cursor(cursor),
        limit=limit + 1,
    )
    items = [CodeEntryOut.model_validate(r) for r in rows[:limit]]
    return CodeEntryPage(
        table=CodeTableVersionOut.model_validate(version),
        items=items,
        next_cursor=encode_cursor(items[-1].code) if len(rows) > limit else None,
    )
