"""Loading the official UNECE UN/LOCODE list (``codes load --format unece``) from a small
fixture in the release format: country header rows, reference and removed entries,
function classifiers, Latin-1 or UTF-8."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from singlewindow.cli.main import app
from singlewindow.kit.clock import today_china
from singlewindow.kit.db import Database
from singlewindow.kit.errors import ValidationFailed
from singlewindow.kit.settings import get_settings
from singlewindow.standards.codes import service
from singlewindow.standards.codes.lookup import DbCodeLookup
from singlewindow.standards.codes.service import FileFormat
from singlewindow.standards.codes.unece import function_attrs, read_unece_rows
from singlewindow.standards.documents.transport_samples import sample_ship_report
from singlewindow.standards.rules import validate

FIXTURE = Path(__file__).parent / "fixtures" / "unece_unlocode.csv"
CODES = ["CNYTN", "CNSZX", "CNHUG", "DEHAM", "DEDUS", "FRPAR"]


def latin1_copy(tmp_path: Path) -> Path:
    path = tmp_path / "CodeList-latin1.csv"
    path.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("latin-1"))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_reads_the_release_format(tmp_path: Path, encoding: str) -> None:
    path = FIXTURE if encoding == "utf-8" else latin1_copy(tmp_path)
    rows = {r.code: r for r in read_unece_rows(path, zh_names={"CNYTN": "盐田"})}
    assert list(rows) == CODES  # headers, "=" references and "X" removals skipped
    yantian = rows["CNYTN"]
    assert (yantian.name_zh, yantian.name_en, yantian.line) == ("盐田", "Yantian", 2)
    assert yantian.attrs == {
        "country": "CN", "subdivision": "44", "function": "1-------", "port": "true",
        "status": "AI", "date": "0601", "coordinates": "2235N 11416E",
    }  # fmt: skip
    assert rows["CNSZX"].attrs["airport"] == "true"
    assert "port" not in rows["CNSZX"].attrs
    assert rows["CNHUG"].attrs["border_crossing"] == rows["CNHUG"].attrs["road"] == "true"
    dus = rows["DEDUS"]
    assert (dus.name_en, dus.attrs["name"], dus.attrs["change"]) == (
        "Dusseldorf", "Düsseldorf", "+",
    )  # fmt: skip
    assert rows["FRPAR"].attrs["remarks"] == "All airports"


def test_function_classifier() -> None:
    assert function_attrs("1-3-----") == {"port": "true", "road": "true"}
    assert set(function_attrs("1234567B")) == {
        "port", "rail", "road", "airport", "postal", "multimodal", "fixed_transport",
        "border_crossing",
    }  # fmt: skip
    assert function_attrs("0-------") == {}


def test_header_row_is_skipped_and_bad_rows_refused(tmp_path: Path) -> None:
    body = FIXTURE.read_text(encoding="utf-8")
    with_header = tmp_path / "header.csv"
    with_header.write_text(
        "Change,Country,Location,Name,NameWoDiacritics,Subdivision,Status,Function,Date,"
        "IATA,Coordinates,Remarks\n" + body,
        encoding="utf-8",
    )
    assert [r.code for r in read_unece_rows(with_header)] == CODES
    for bad, code, line in (
        (',"CN","ABC","Abc"\n', "wrong_width", 1),
        (body + ',"CN","ABC","Abc","Abc","44","9-------","RL","0101",,,\n', "function_format", 11),
        (body + ',"China","ABC","Abc","Abc","44","1-------","RL","0101",,,\n', "country_format",
         11),
    ):  # fmt: skip
        path = tmp_path / "bad.csv"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(ValidationFailed) as caught:
            list(read_unece_rows(path))
        [problem] = caught.value.findings
        assert problem.code == code
        assert problem.path.startswith(f"line:{line}/")
        assert problem.message_zh


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.unit_of_work() as s:
        service.ensure_builtin_tables(s)
        yield s


def test_loaded_version_drives_validation(session: Session) -> None:
    version = service.load_table(
        session, FIXTURE, table="unlocode", version="unece-2025-1",
        valid_from=date(2025, 1, 1), file_format=FileFormat.UNECE,
    )  # fmt: skip
    assert version.entry_count == len(CODES)
    assert version.source == "UNECE UN/LOCODE file unece_unlocode.csv"
    lookup = DbCodeLookup(session)
    on = today_china()
    yantian = lookup.get("unlocode", "CNYTN", on=on)
    assert yantian is not None
    assert yantian.name_zh == "盐田"
    assert yantian.attrs["port"] == "true"
    assert lookup.contains("unlocode", "FRPAR", on=on)
    assert not lookup.contains("unlocode", "CNZZA", on=on)
    doc = sample_ship_report("CSM004")
    doc["voyage"]["next_port"] = "DEHAM"
    doc["voyage"]["last_port"] = "FRPAR"
    del doc["cargo"]
    assert validate("ship_report", doc, codes=lookup, today=on) == []
    doc["voyage"]["last_port"] = "HKHKG"  # shipped, but not in the loaded version
    found = validate("ship_report", doc, codes=lookup, today=on)
    assert [(f.path, f.code) for f in found] == [("/voyage/last_port", "unknown_code")]


def test_a_bad_file_stores_nothing(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        FIXTURE.read_text(encoding="utf-8") + FIXTURE.read_text(encoding="utf-8").split("\n")[1]
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        service.load_table(session, path, table="unlocode", version="dup",
                           file_format=FileFormat.UNECE)  # fmt: skip
    assert [f.code for f in caught.value.findings] == ["duplicate_code"]
    assert all(t.name != "unlocode" or "dup" not in [v.version for v in t.versions]
               for t in service.list_tables(session))  # fmt: skip


@pytest.fixture
def cli_env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SW_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_env")
def test_cli_load_unece(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["codes", "load", str(latin1_copy(tmp_path)), "--format", "unece", "--version",
         "unece-2025-1", "--valid-from", "2025-01-01", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["table"], out["count"]) == ("unlocode", len(CODES))
    shown = runner.invoke(
        app, ["codes", "show", "unlocode", "--on", "2025-06-01", "--q", "DED", "--json"]
    )
    [entry] = json.loads(shown.output)["items"]
    assert entry["name_en"] == "Dusseldorf"
    assert entry["attrs"]["name"] == "Düsseldorf"
    bad = tmp_path / "bad.csv"
    bad.write_text(',"CN","ABC","Abc"\n', encoding="utf-8")
    result = runner.invoke(app, ["codes", "load", str(bad), "--format", "unece"])
    assert result.exit_code == 2
    assert "line:1/" in result.output
    assert "wrong_width" in result.output
