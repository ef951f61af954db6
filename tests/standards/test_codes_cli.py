"""``singlewindow codes load|list|show`` against a real SQLite database built by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from singlewindow.cli.main import app
from singlewindow.kit.settings import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SW_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["codes", *args])
    return result.exit_code, result.output


def tables() -> dict[str, dict[str, object]]:
    code, out = run("list", "--json")
    assert code == 0, out
    return {t["name"]: t for t in json.loads(out)}


@pytest.mark.usefixtures("cli_env")
def test_load_list_show(tmp_path: Path) -> None:
    path = tmp_path / "port_code.csv"
    path.write_text(
        "code,name_zh,name_en,country\nJPN213,神户,Kobe,JPN\nSWE300,哥德堡,Gothenburg,SWE\n",
        encoding="utf-8",
    )
    code, out = run(
        "load",
        str(path),
        "--version",
        "2025.1",
        "--valid-from",
        "2025-01-01",
        "--source",
        "test",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["count"] == 2

    listed = tables()["port_code"]
    assert listed["current_version"] == "2025.1"

    code, out = run("show", "port_code", "--q", "神户", "--json")
    assert code == 0, out
    page = json.loads(out)
    assert [e["code"] for e in page["items"]] == ["JPN213"]
    assert page["items"][0]["attrs"] == {"country": "JPN"}
    assert page["table"]["source"] == "test"

    code, out = run("show", "port_code", "--on", "2024-12-31")
    assert code == 2
    assert "no version" in out.lower()


@pytest.mark.usefixtures("cli_env")
def test_bad_file_exits_non_zero_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("code,name_zh,name_en\nA,甲,A\nA,乙,B\n,丙,C\n", encoding="utf-8")
    code, out = run("load", str(path), "--table", "letters")
    assert code == 2
    assert "duplicate" in out
    assert "line:3/code" in out
    assert "代码为空" in out
    assert "letters" not in tables()


@pytest.mark.usefixtures("cli_env")
def test_bad_date_and_unknown_table(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("code,name_zh,name_en\nA,甲,A\n", encoding="utf-8")
    code, out = run("load", str(path), "--valid-from", "2025-02-30")
    assert code == 2
    assert "YYYY-MM-DD" in out
    code, out = run("show", "nothing_here")
    assert code == 2
    assert "码表" in out


@pytest.mark.usefixtures("cli_env")
def test_show_a_large_table_renders(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("code,name_zh,name_en,pad\n")
        for i in range(12000):  # > 1 MiB: the progress bar path
            fh.write(f"{i:06d},名{i},Name {i},{'x' * 80}\n")
    code, out = run("load", str(path), "--json")
    assert code == 0, out
    assert json.loads(out)["count"] == 12000
    code, out = run("show", "big", "--limit", "5")
    assert code == 0
    assert "000004" in out
