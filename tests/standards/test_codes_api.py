"""The published code tables over HTTP: list, versions by date, search, pagination, errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from singlewindow.kit.db import Database
from singlewindow.standards.codes import service

URL = "/api/v1/standards/code-tables"


@pytest.fixture
def client(app_client: TestClient, db: Database, tmp_path: Path) -> TestClient:
    first = tmp_path / "v1.csv"
    first.write_text("code,name_zh,name_en\nR,红,Red\nG,绿,Green\n", encoding="utf-8")
    second = tmp_path / "v2.csv"
    second.write_text("code,name_zh,name_en\nR,红色,Red\nB,蓝,Blue\n", encoding="utf-8")
    with db.unit_of_work() as session:
        service.ensure_builtin_tables(session)
        service.load_table(session, first, table="colour", version="1", valid_from=date(2024, 1, 1))
        service.load_table(
            session, second, table="colour", version="2", valid_from=date(2025, 1, 1)
        )
    return app_client


def assert_error_shape(body: dict[str, object]) -> None:
    error = body["error"]
    assert isinstance(error, dict)
    assert {"code", "message", "message_zh", "findings"} <= set(error)


def test_list_tables_with_versions(client: TestClient) -> None:
    r = client.get(URL)
    assert r.status_code == 200
    tables = {t["name"]: t for t in r.json()}
    assert {"country", "trade_mode", "hs_heading", "colour"} <= set(tables)
    country = tables["country"]
    assert country["title_zh"]
    assert country["current_version"] == "sw-2026.1"
    assert country["versions"][0]["count"] == 249
    colour = tables["colour"]
    assert [v["version"] for v in colour["versions"]] == ["2", "1"]
    assert colour["current_version"] == "2"
    assert colour["versions"][1]["valid_from"] == "2024-01-01"


def test_entries_of_the_version_applying_on_a_date(client: TestClient) -> None:
    old = client.get(f"{URL}/colour", params={"on": "2024-12-31"}).json()
    new = client.get(f"{URL}/colour", params={"on": "2025-01-01"}).json()
    assert old["table"]["version"] == "1"
    assert [e["code"] for e in old["items"]] == ["G", "R"]
    assert new["table"]["version"] == "2"
    assert [e["code"] for e in new["items"]] == ["B", "R"]


def test_search_by_code_prefix_and_names(client: TestClient) -> None:
    def codes(q: str) -> list[str]:
        r = client.get(f"{URL}/trade_mode", params={"q": q})
        assert r.status_code == 200
        return [e["code"] for e in r.json()["items"]]

    assert codes("011") == ["0110"]
    assert "0110" in codes("一般贸易")
    assert "0110" in codes("general TRADE")
    assert codes("%") == []  # LIKE wildcards are escaped
    chn = client.get(f"{URL}/country", params={"q": "CHN"}).json()["items"][0]
    assert chn["name_zh"] == "中国"
    assert chn["attrs"]["customs_numeric"] == "142"


def test_cursor_pagination_walks_every_entry_once(client: TestClient) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 40}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{URL}/unit", params=params).json()
        seen += [e["code"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == page["table"]["count"]


def test_unknown_table_is_404_with_the_error_shape(client: TestClient) -> None:
    r = client.get(f"{URL}/no_such_table")
    assert r.status_code == 404
    assert_error_shape(r.json())
    assert r.json()["error"]["code"] == "code_table_not_found"
    assert "码表" in r.json()["error"]["message_zh"]


def test_no_version_in_force_is_404(client: TestClient) -> None:
    r = client.get(f"{URL}/colour", params={"on": "2023-06-01"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "code_table_not_in_force"


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 1001}, {"on": "2024-13-01"}, {"cursor": "__4"}],
)
def test_bad_parameters_are_4xx(client: TestClient, params: dict[str, object]) -> None:
    r = client.get(f"{URL}/unit", params=params)
    assert 400 <= r.status_code < 500
    assert_error_shape(r.json())
