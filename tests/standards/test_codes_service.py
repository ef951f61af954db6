"""Loading and versioning code tables through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from singlewindow.kit.db import Database
from singlewindow.kit.errors import Conflict, ValidationFailed
from singlewindow.standards.codes import lookup, service
from singlewindow.standards.codes.lookup import DbCodeLookup, StaticCodeLookup
from singlewindow.standards.codes.models import CodeEntry, CodeTableVersion
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.validation import validate_document

HEADER = "code,name_zh,name_en,note\n"


def write(tmp_path: Path, body: str, name: str = "colour.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.unit_of_work() as s:
        yield s


def count(session: Session, model: type[CodeEntry] | type[CodeTableVersion]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_builtin_tables_load_once(session: Session) -> None:
    first = service.ensure_builtin_tables(session)
    assert "country" in first
    assert "hs_heading" in first
    entries = count(session, CodeEntry)
    assert service.ensure_builtin_tables(session) == []
    assert count(session, CodeEntry) == entries > 3800


def test_a_new_version_applies_from_its_date(session: Session, tmp_path: Path) -> None:
    old = write(tmp_path, HEADER + "R,红,Red,\nG,绿,Green,\n", "v1.csv")
    new = write(tmp_path, HEADER + "R,红色,Red,\nB,蓝,Blue,new\n", "v2.csv")
    service.load_table(session, old, table="colour", version="1", valid_from=date(2024, 1, 1))
    service.load_table(session, new, table="colour", version="2", valid_from=date(2025, 1, 1))

    before = DbCodeLookup(session)
    assert before.contains("colour", "G", on=date(2024, 12, 31))
    assert not before.contains("colour", "B", on=date(2024, 12, 31))
    assert before.contains("colour", "B", on=date(2025, 1, 1))
    assert not before.contains("colour", "G", on=date(2025, 1, 1))
    blue = before.get("colour", "B", on=date(2025, 6, 1))
    assert blue is not None
    assert blue.attrs == {"note": "new"}
    assert not before.has_table("colour", on=date(2023, 12, 31))

    page = service.entries_page(session, "colour", on=date(2024, 6, 1))
    assert page.table.version == "1"
    assert [e.code for e in page.items] == ["G", "R"]


def test_valid_to_closes_a_version(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "R,红,Red,\n")
    service.load_table(
        session, path, table="colour", valid_from=date(2024, 1, 1), valid_to=date(2024, 7, 1)
    )
    codes = DbCodeLookup(session)
    assert codes.contains("colour", "R", on=date(2024, 6, 30))
    assert not codes.contains("colour", "R", on=date(2024, 7, 1))


def test_same_version_twice_is_a_conflict(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "R,红,Red,\n")
    service.load_table(session, path, table="colour", version="1", valid_from=date(2024, 1, 1))
    with pytest.raises(Conflict):
        service.load_table(session, path, table="colour", version="1")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("code,name_zh\nR,红\n", "missing_column"),
        (HEADER + "R,红,Red,\nR,红色,Red,\n", "duplicate_code"),
        (HEADER + ",红,Red,\n", "empty_code"),
        (HEADER + "X" * 41 + ",长,Long,\n", "code_too_long"),
        (HEADER + "R,红,Red\n", "wrong_width"),
        (HEADER + "R,,,\n", "empty_name"),
        (HEADER, "no_rows"),
        ("", "empty_file"),
    ],
)
def test_a_bad_file_is_refused_and_stores_nothing(
    session: Session, tmp_path: Path, body: str, problem: str
) -> None:
    # The bad row comes after good ones, so a partial load would show.
    path = write(tmp_path, body)
    with pytest.raises(ValidationFailed) as caught:
        service.load_table(session, path, table="colour")
    assert problem in {f.code for f in caught.value.findings}
    assert all(f.message and f.message_zh for f in caught.value.findings)
    assert count(session, CodeTableVersion) == 0
    assert count(session, CodeEntry) == 0


def test_not_utf8_is_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "R,红,Red,\n").encode("gbk"))
    with pytest.raises(ValidationFailed) as caught:
        service.load_table(session, path, table="colour")
    assert caught.value.findings[0].code == "not_utf8"
    assert count(session, CodeEntry) == 0


def test_full_tariff_codes_need_ten_digits_and_a_known_heading(
    session: Session, tmp_path: Path
) -> None:
    service.ensure_builtin_tables(session)
    good = write(tmp_path, "code,name_zh,name_en\n8471300000,便携式电脑,Laptops\n", "t.csv")
    loaded = service.load_table(session, good, table="hs_code", valid_from=date(2025, 1, 1))
    assert loaded.entry_count == 1
    assert loaded.title_zh.startswith("商品编号")
    bad = write(tmp_path, "code,name_zh,name_en\n847130,短,Short\n7799000000,无,None\n", "b.csv")
    with pytest.raises(ValidationFailed) as caught:
        service.load_table(session, bad, table="hs_code", version="x", valid_from=date(2025, 1, 1))
    assert {f.code for f in caught.value.findings} == {"code_format", "hs_heading_unknown"}
    assert DbCodeLookup(session).has_table("hs_code", on=date(2025, 1, 2))


def test_db_lookup_agrees_with_static_lookup(session: Session) -> None:
    service.ensure_builtin_tables(session)
    db_codes, static = DbCodeLookup(session), StaticCodeLookup()
    for table in static.tables():
        for entry in static.entries(table):
            assert db_codes.get(table, entry.code) == entry
        assert db_codes.contains(table, "@@") is static.contains(table, "@@") is False


def test_db_lookup_reads_each_table_once(db: Database, session: Session) -> None:
    service.ensure_builtin_tables(session)
    session.commit()
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        codes = DbCodeLookup(session)
        for _ in range(50):  # a 50-line declaration
            assert codes.contains("country", "CHN")
            assert codes.contains("currency", "USD")
            assert codes.contains("unit", "035")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) <= 6  # versions + entries per table, entries maybe cached already


def test_a_version_loaded_later_is_seen_after_refresh(session: Session, tmp_path: Path) -> None:
    service.load_table(
        session,
        write(tmp_path, HEADER + "R,红,Red,\n", "a.csv"),
        table="colour",
        version="1",
        valid_from=date(2024, 1, 1),
    )
    codes = DbCodeLookup(session)
    assert not codes.contains("colour", "B", on=date(2025, 2, 1))
    service.load_table(
        session,
        write(tmp_path, HEADER + "B,蓝,Blue,\n", "b.csv"),
        table="colour",
        version="2",
        valid_from=date(2025, 1, 1),
    )
    assert DbCodeLookup(session).contains("colour", "B", on=date(2025, 2, 1))
    codes.refresh()
    assert codes.contains("colour", "B", on=date(2025, 2, 1))


@pytest.fixture
def long_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Version lists stay shared for the whole test, however slow the machine."""
    monkeypatch.setattr(lookup.VERSION_CACHE, "ttl", 3600.0)


def test_successive_lookups_share_the_version_lists(db: Database, long_ttl: None) -> None:
    with db.unit_of_work() as s:
        service.ensure_builtin_tables(s)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    with db.unit_of_work() as s:
        doc = sample_goods_declaration("I", lines=5)
        assert validate_document(s, "goods_declaration", doc) == []  # warm-up
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for _ in range(100):  # one DbCodeLookup per request, as the API builds them
                assert validate_document(s, "goods_declaration", doc) == []
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert statements == []


def test_a_version_committed_in_this_process_is_seen_at_once(
    db: Database, tmp_path: Path, long_ttl: None
) -> None:
    path = write(tmp_path, HEADER + "R,红,Red,\n", "a.csv")
    with db.unit_of_work() as s:
        service.load_table(s, path, table="colour", version="1", valid_from=date(2024, 1, 1))
    with db.unit_of_work() as s:
        assert not DbCodeLookup(s).contains("colour", "B", on=date(2025, 2, 1))  # now shared
    with db.unit_of_work() as loading:
        service.load_table(
            loading,
            write(tmp_path, HEADER + "B,蓝,Blue,\n", "b.csv"),
            table="colour",
            version="2",
            valid_from=date(2025, 1, 1),
        )
        # The loading transaction sees its own version; the shared lists are not given it.
        assert DbCodeLookup(loading).contains("colour", "B", on=date(2025, 2, 1))
        with db.read_only() as other:
            assert not DbCodeLookup(other).contains("colour", "B", on=date(2025, 2, 1))
    with db.unit_of_work() as s:
        assert DbCodeLookup(s).contains("colour", "B", on=date(2025, 2, 1))


def test_a_rolled_back_load_is_not_seen(db: Database, tmp_path: Path, long_ttl: None) -> None:
    path = write(tmp_path, HEADER + "R,红,Red,\n", "a.csv")
    s = db.sessions()
    try:
        service.load_table(s, path, table="colour", valid_from=date(2024, 1, 1))
        assert DbCodeLookup(s).has_table("colour")
    finally:
        s.rollback()
        s.close()
    with db.unit_of_work() as s:
        assert not DbCodeLookup(s).has_table("colour")


def test_a_version_loaded_by_another_process_is_seen_after_refresh(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, long_ttl: None
) -> None:
    path = write(tmp_path, HEADER + "R,红,Red,\n", "a.csv")
    with db.unit_of_work() as s:
        service.load_table(s, path, table="colour", version="1", valid_from=date(2024, 1, 1))
    with db.unit_of_work() as s:
        codes = DbCodeLookup(s)
        assert not codes.contains("colour", "B", on=date(2025, 2, 1))
    # Another process loads version 2: nothing in this process hears of it.
    monkeypatch.setattr(service, "note_loaded", lambda *_args: None)
    with db.unit_of_work() as s:
        service.load_table(
            s,
            write(tmp_path, HEADER + "B,蓝,Blue,\n", "b.csv"),
            table="colour",
            version="2",
            valid_from=date(2025, 1, 1),
        )
    with db.unit_of_work() as s:
        codes = DbCodeLookup(s)
        assert not codes.contains("colour", "B", on=date(2025, 2, 1))  # shared list, stale
        codes.refresh()
        assert codes.contains("colour", "B", on=date(2025, 2, 1))
    monkeypatch.setattr(lookup.VERSION_CACHE, "ttl", 0.0)  # and without refresh, after the TTL
    with db.unit_of_work() as s:
        assert DbCodeLookup(s).get("colour", "R", on=date(2025, 2, 1)) is None
