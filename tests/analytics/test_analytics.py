"""The Time Release Study figures: a small hand-made set checked against a hand computation,
grouping by every key, the period and direction filters, CSV, who sees what, bad parameters."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from singlewindow.analytics.models import TimeRelease, TimeReleaseAgency
from singlewindow.cli.main import app
from singlewindow.declarations.models import Declaration
from singlewindow.kit.ids import new_id
from tests.api.conftest import assert_error_shape
from tests.declarations.conftest import Node
from tests.declarations.test_city_scope import _signed_in
from tests.transport.manifests.conftest import SQLITE_ONLY

pytestmark = SQLITE_ONLY  # the SQL is one plain SELECT; the figures are DuckDB's

URL = "/api/v1/analytics/time-release"
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 on 20 Nov in China


@dataclass
class Case:
    """One consignment; milestones in hours from submission (None: not recorded)."""

    port: str
    trade_mode: str
    ie_flag: str
    transport: str
    trader: int
    arrived: float | None
    accepted: float | None
    released: float | None
    exited: float | None
    inspection: tuple[float, float] | None = None
    agencies: tuple[str, ...] = ("CUS5300",)
    day: datetime = T0


CASES = [
    Case("5316", "0110", "I", "2", 0, -10, 1, 3, 5),
    Case("5316", "0110", "I", "2", 0, -4, 2, 8, 20, inspection=(3, 6), agencies=("CUS5300", "CIQ")),
    Case("5316", "9610", "E", "2", 0, None, 0.5, 1, None),
    Case("5316", "0110", "I", "2", 0, -2, None, None, None),  # rejected
    Case("5304", "0110", "I", "5", 0, -1, 1, 2, 4),
    Case("5304", "0110", "I", "5", 1, -30, 4, 10, 12, inspection=(5, 7), agencies=("CUS5100",)),
    # Outside the period asked for below (submitted in October).
    Case("5316", "0110", "I", "2", 0, -1, 1, 2, 3, day=datetime(2026, 10, 1, 2, tzinfo=UTC)),
]


def _at(case: Case, hours: float | None) -> datetime | None:
    return case.day + timedelta(hours=hours) if hours is not None else None


@pytest.fixture
def figures(node: Node) -> Node:
    """The cases as projected rows (the projector is tested on its own)."""
    with node.db.unit_of_work() as session:
        for n, case in enumerate(CASES):
            trader = node.traders[case.trader]
            did = new_id()
            session.add(
                Declaration(
                    id=did, doc_type="goods_declaration", declarant_code=trader.code,
                    client_ref=f"TRS-{n}", content_digest="0" * 64, ie_flag=case.ie_flag,
                    trade_co_scc=trader.uscc, agent_code_scc=trader.uscc, status="submitted",
                    document={}, submitted_at=case.day,
                )
            )  # fmt: skip
            session.flush()
            start, end = case.inspection or (None, None)
            session.add(
                TimeRelease(
                    declaration_id=did, declarant_code=trader.code, trade_co_scc=trader.uscc,
                    agent_code_scc=trader.uscc, ie_flag=case.ie_flag, port=case.port,
                    customs_district="5300", trade_mode=case.trade_mode,
                    transport_mode=case.transport, arrived_at=_at(case, case.arrived),
                    submitted_at=case.day, accepted_at=_at(case, case.accepted),
                    inspection_started_at=_at(case, start), inspection_finished_at=_at(case, end),
                    released_at=_at(case, case.released), exited_at=_at(case, case.exited),
                    inspected=case.inspection is not None, event_count=1,
                )
            )  # fmt: skip
            for code in case.agencies:
                session.add(
                    TimeReleaseAgency(
                        declaration_id=did, agency_code=code, role="customs", routed_at=case.day,
                        first_decision_at=_at(case, case.accepted),
                        released_at=_at(case, case.released),
                    )
                )  # fmt: skip
    return node


def _get(node: Node, who: str = "operator", url: str = URL, **params: Any) -> Any:
    r = node.client.get(url, params=params, headers=node.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def _group(body: dict[str, Any], key: str | None) -> dict[str, Any]:
    (group,) = [g for g in body["groups"] if g["key"] == key]
    return group


def _p90(values: list[float]) -> float:
    """The 90th percentile by linear interpolation between the nearest ranks, by hand."""
    ordered = sorted(values)
    rank = 0.9 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


def test_figures_by_port_match_a_hand_computation(figures: Node) -> None:
    body = _get(figures, group_by="port", **PERIOD)
    assert body["unit"] == "hours"
    assert [g["key"] for g in body["groups"]] == ["5304", "5316"]
    yantian = _group(body, "5316")
    assert (yantian["label"], yantian["label_zh"]) == ("Dapeng Customs", "大鹏海关")
    assert (yantian["count"], yantian["inspected"], yantian["inspected_share"]) == (4, 1, 0.25)
    s = yantian["segments"]
    # arrival → declaration: 10, 4, 2 h (the export has no arrival recorded).
    assert s["arrival_to_declaration"] == {
        "count": 3, "missing": 1, "mean": 5.333, "median": 4.0, "p90": 8.8,
    }  # fmt: skip
    # declaration → acceptance: 1, 2, 0.5 (the rejected one was never accepted).
    assert s["declaration_to_acceptance"] == {
        "count": 3, "missing": 1, "mean": 1.167, "median": 1.0, "p90": 1.8,
    }  # fmt: skip
    assert s["inspection"] == {"count": 1, "missing": 3, "mean": 3.0, "median": 3.0, "p90": 3.0}
    # total (arrival → exit): 15 and 24.
    assert s["total"] == {"count": 2, "missing": 2, "mean": 19.5, "median": 19.5, "p90": 23.1}

    # Every segment of every group against the same computation done here.
    in_period = [c for c in CASES if c.day == T0]
    segments = {
        "arrival_to_declaration": lambda c: (c.arrived, 0.0),
        "declaration_to_acceptance": lambda c: (0.0, c.accepted),
        "acceptance_to_release": lambda c: (c.accepted, c.released),
        "inspection": lambda c: c.inspection or (None, None),
        "release_to_exit": lambda c: (c.released, c.exited),
        "arrival_to_release": lambda c: (c.arrived, c.released),
        "total": lambda c: (c.arrived, c.exited),
    }
    assert [d["key"] for d in body["segments"]] == list(segments)
    for key, cases in [("5316", [c for c in in_period if c.port == "5316"]),
                       ("5304", [c for c in in_period if c.port == "5304"]),
                       (None, in_period)]:  # fmt: skip
        got = body["overall"] if key is None else _group(body, key)
        assert got["count"] == len(cases)
        for name, ends in segments.items():
            values = [e - b for b, e in map(ends, cases) if b is not None and e is not None]
            figure = got["segments"][name]
            assert (figure["count"], figure["missing"]) == (len(values), len(cases) - len(values))
            if not values:
                assert figure["mean"] is figure["median"] is figure["p90"] is None
                continue
            assert figure["mean"] == pytest.approx(sum(values) / len(values), abs=1e-3)
            assert figure["median"] == pytest.approx(_median(values), abs=1e-3)
            assert figure["p90"] == pytest.approx(_p90(values), abs=1e-3)

    # The period: October's declaration only counts without it.
    assert _get(figures, group_by="port")["overall"]["count"] == 7
    assert (
        _get(figures, group_by="port", **{"from": "2026-10-01", "to": "2026-10-01"})["overall"][
            "count"
        ]
        == 1
    )
    assert _get(figures, group_by="port", ie_flag="E", **PERIOD)["overall"]["count"] == 1


def test_grouping_by_every_key(figures: Node) -> None:
    expected = {
        "district": {"5300": 6},
        "trade_mode": {"0110": 5, "9610": 1},
        "ie_flag": {"E": 1, "I": 5},
        "transport_mode": {"2": 4, "5": 2},
        "agency": {"CIQ": 1, "CUS5100": 1, "CUS5300": 5},
    }
    for group_by, counts in expected.items():
        body = _get(figures, group_by=group_by, **PERIOD)
        assert {g["key"]: g["count"] for g in body["groups"]} == counts, group_by
    by_flag = _get(figures, group_by="ie_flag", **PERIOD)
    assert (_group(by_flag, "I")["label"], _group(by_flag, "I")["label_zh"]) == ("Import", "进口")
    assert _group(_get(figures, group_by="trade_mode", **PERIOD), "0110")["label_zh"]
    agency = _get(figures, group_by="agency", **PERIOD)
    assert [s["key"] for s in agency["segments"]][-2:] == [
        "agency_first_decision", "agency_release",
    ]  # fmt: skip
    release = _group(agency, "CUS5300")["segments"]["agency_release"]
    assert (release["count"], release["missing"], release["mean"]) == (4, 1, 3.5)  # 3, 1, 8, 2


def test_csv(figures: Node) -> None:
    r = figures.client.get(
        URL + ".csv", params={"group_by": "port", **PERIOD}, headers=figures.auth("operator")
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Group / 分组", "Name / 名称", "名称（中文）", "Declarations / 报关单数"]
    assert "Arrival → declaration median h / 抵达→申报中位小时" in header
    assert [row[0] for row in rows[1:]] == ["5304", "5316", "*"]
    yantian = dict(zip(header, rows[2], strict=True))
    assert yantian["Declarations / 报关单数"] == "4"
    assert yantian["Arrival → declaration p90 h / 抵达→申报90分位小时"] == "8.8"
    assert yantian["Total (arrival → exit) n / 全程（抵达→离场）样本数"] == "2"
    assert dict(zip(header, rows[3], strict=True))["Declarations / 报关单数"] == "6"


def test_who_sees_what(figures: Node) -> None:
    def counts(who: str | Any, group_by: str = "port") -> dict[str | None, int]:
        if isinstance(who, str):
            body = _get(figures, who, group_by=group_by, **PERIOD)
        else:
            r = who.get(URL, params={"group_by": group_by, **PERIOD})
            assert r.status_code == 200, r.text
            body = r.json()
        return {g["key"]: g["count"] for g in body["groups"]}

    # Traders: their own filings only.
    assert counts("trader") == {"5316": 4, "5304": 1}
    assert counts("other_trader") == {"5304": 1}
    # An agency: what was routed to it; its own row by agency; every port's aggregates.
    assert counts("CUS5100", "trade_mode") == {"0110": 1}
    assert counts("CUS5100", "agency") == {"CUS5100": 1}
    assert counts("CUS5300", "agency") == {"CUS5300": 5}
    assert counts("CUS5100", "port") == {"5316": 4, "5304": 2}
    assert counts("MSA-GD", "ie_flag") == {}
    # Operators: a city operator their city's traders; the province everything.
    city = figures.traders[1].uscc[2:6] + "00"
    assert counts(_signed_in(figures, "gz.operator", city, "city_operator")) == {"5304": 1}
    assert counts("operator") == {"5316": 4, "5304": 2}
    assert counts(_signed_in(figures, "gd.analyst", None, "analyst")) == {"5316": 4, "5304": 2}
    # Port operators and carriers hold no analytics role.
    for who in ("PORT-YICT",):
        r = figures.client.get(URL, headers=figures.auth(who))
        assert r.status_code == 403, r.text
        assert_error_shape(r.json())


BAD: list[tuple[dict[str, str], str]] = [
    ({"group_by": "vessel"}, "query:group_by"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "query:from"),
    ({"from": "yesterday"}, "query:from"),
    ({"to": "2026-13-01"}, "query:to"),
    ({"from": "0001-01-01"}, "query:from"),
    ({"to": "9999-12-31"}, "query:to"),
    ({"ie_flag": "X"}, "query:ie_flag"),
]


def test_bad_parameters(node: Node) -> None:
    for params, path in BAD:
        for url in (URL, URL + ".csv"):
            r = node.client.get(url, params=params, headers=node.auth("operator"))
            assert r.status_code == 422, (params, r.text)
            assert_error_shape(r.json())
            assert [f["path"] for f in r.json()["error"]["findings"]] == [path], params


def test_no_rows_and_the_row_limit(figures: Node) -> None:
    empty = _get(figures, group_by="port", **{"from": "2020-01-01", "to": "2020-01-02"})
    assert empty["groups"] == []
    assert empty["overall"]["count"] == 0
    figures.settings.time_release_max_rows = 3
    try:
        r = figures.client.get(URL, params=PERIOD, headers=figures.auth("operator"))
    finally:
        figures.settings.time_release_max_rows = 1_000_000
    assert r.status_code == 422, r.text
    assert r.json()["error"]["findings"][0]["code"] == "too_many_rows"
    with figures.db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(TimeRelease)) == len(CASES)


def test_cli(figures: Node, tmp_path: Path) -> None:
    env = {
        "SW_DATA_DIR": str(tmp_path / "cli"),
        "SW_DATABASE_URL": figures.settings.effective_database_url,
        "COLUMNS": "400",
    }
    base = ["analytics", "time-release", "--from", "2026-11-01", "--to", "2026-11-30"]
    r = CliRunner().invoke(app, [*base, "--group-by", "port", "--json"], env=env)
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert [g["key"] for g in body["groups"]] == ["5304", "5316"]
    assert _group(body, "5316")["segments"]["arrival_to_declaration"]["p90"] == 8.8
    r = CliRunner().invoke(app, [*base, "--group-by", "trade_mode", "--refresh"], env=env)
    assert r.exit_code == 0, r.output
    assert "9610" in r.stdout
    assert "Arrival → release" in r.stdout
    assert "All / 全部" in r.stdout
    for bad in (["--group-by", "vessel"], ["--from", "30/11/2026"], ["--ie-flag", "X"]):
        r = CliRunner().invoke(app, ["analytics", "time-release", *bad], env=env)
        assert r.exit_code == 2, (bad, r.output)
    r = CliRunner().invoke(
        app, ["analytics", "time-release", "--from", "2026-11-30", "--to", "2026-11-01"], env=env
    )
    assert r.exit_code == 2, r.output
