"""The pure rules of a call: keys, lifecycle, clearance aggregate, merging reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.transport.calls import rules as r

SETTINGS = settings(max_examples=60, deadline=None)
STATUSES = st.lists(st.sampled_from(["pending", "cleared", "refused", "hold"]), max_size=6)


@SETTINGS
@given(STATUSES)
def test_aggregate(statuses: list[str]) -> None:
    result = r.aggregate(statuses)
    if not statuses:
        assert result == "none"
    elif "refused" in statuses:
        assert result == "refused"
    elif "hold" in statuses:
        assert result == "hold"
    elif set(statuses) == {"cleared"}:
        assert result == "cleared"
    else:
        assert result == "pending"
    # The order in which agencies decided does not matter.
    assert r.aggregate(reversed(statuses)) == result


def _problem(mode: str, stage: r.Stage, message: str, clearance: str = "none") -> str | None:
    doc_type = "ship_report" if mode == "sea" else "aircraft_report"
    problem = r.lifecycle_problem(
        mode=mode,
        stage=stage,
        step=r.step_of(doc_type, message),
        departure_clearance=clearance,
    )
    return None if problem is None else problem.code


@pytest.mark.parametrize(
    ("mode", "stage", "message", "clearance", "expected"),
    [
        ("sea", r.Stage.announced, "CSM002", "none", None),
        ("sea", r.Stage.pre_arrival, "CSM002", "none", None),  # an amended pre-arrival
        ("sea", r.Stage.pre_arrival, "CSM004", "none", None),  # the confirmation may be skipped
        ("sea", r.Stage.arrived, "CSM003", "none", "out_of_order"),
        ("sea", r.Stage.arrival_confirmed, "CSM005", "none", "not_arrived"),
        ("sea", r.Stage.pre_arrival, "CSM006", "none", "not_arrived"),
        ("sea", r.Stage.pre_departure, "CSM005", "pending", None),  # a last shift of berth
        ("sea", r.Stage.pre_departure, "CSM004", "pending", "out_of_order"),
        ("sea", r.Stage.pre_departure, "CSM007", "pending", "departure_not_cleared"),
        ("sea", r.Stage.pre_departure, "CSM007", "hold", "departure_not_cleared"),
        ("sea", r.Stage.pre_departure, "CSM007", "cleared", None),
        ("sea", r.Stage.departed, "CSM005", "cleared", "call_closed"),
        ("air", r.Stage.announced, "pre_departure", "none", None),  # departure-only flights
        ("air", r.Stage.pre_departure, "departure", "cleared", None),
        ("air", r.Stage.arrived, "departure", "none", "departure_not_cleared"),
    ],
)
def test_lifecycle(
    mode: str, stage: r.Stage, message: str, clearance: str, expected: str | None
) -> None:
    assert _problem(mode, stage, message, clearance) == expected


def test_persons_and_goods_may_join_until_the_call_is_closed() -> None:
    open_call = r.lifecycle_problem(
        mode="sea", stage=r.Stage.in_port, step=None, departure_clearance="none"
    )
    assert open_call is None
    closed = r.lifecycle_problem(
        mode="sea", stage=r.Stage.departed, step=None, departure_clearance="cleared"
    )
    assert closed is not None
    assert closed.status == 409


def test_stage_only_moves_forward() -> None:
    assert r.next_stage(r.Stage.pre_departure, r.SHIP_STEPS["CSM005"]) is r.Stage.pre_departure
    assert r.next_stage(r.Stage.arrived, r.SHIP_STEPS["CSM005"]) is r.Stage.in_port
    assert r.next_stage(r.Stage.arrived, None) is r.Stage.arrived


def test_keys() -> None:
    flight = {"flight": {"flight_no": "CZ3101", "flight_date": "2026-11-29", "registration": "B-1"}}
    assert r.facts_of("aircraft_report", flight).key == r.CallKey("air", "B-1", "CZ3101/2026-11-29")
    vehicle = {"vehicle": {"plate_mo": "MX1", "plate_hk": "HK1", "trip_no": "T1"}}
    facts = r.facts_of("vehicle_report", vehicle)
    assert facts.key == r.CallKey("road", "HK1", "T1")  # mainland, then Hong Kong, then Macao
    assert facts.paths["means_id"] == "/vehicle/plate_hk"
    missing = r.facts_of("ship_report", {"vessel": {"imo": "9074729"}})
    assert missing.key is None
    assert {f.path for f in r.key_findings("ship_report", missing)} == {
        "/vessel/imo",
        "/voyage/voyage_in",
    }
    persons = r.facts_of(
        "person_list", {"call": {"mode": "boat", "means_id": "1", "journey_id": "2"}}
    )
    assert persons.key is None
    assert [f.path for f in r.key_findings("person_list", persons)] == ["/call"]


def test_times() -> None:
    assert r.parse_time("2026-11-29T08:00:00+08:00") == datetime(2026, 11, 29, 8, tzinfo=CHINA_TZ)
    assert r.parse_time("2026-11-29T08:00:00") == datetime(2026, 11, 29, 8, tzinfo=CHINA_TZ)
    assert r.parse_time("yesterday") is None
    facts = r.facts_of("ship_report", {"voyage": {"atd": "2026-11-29T07:00:00+08:00"}})
    problem = r.times_problem(facts, datetime(2026, 11, 29, 0, tzinfo=CHINA_TZ), None)
    assert problem is None
    problem = r.times_problem(
        facts, datetime(2026, 11, 29, 0, 30, tzinfo=UTC), None
    )  # 08:30 in China
    assert problem is not None
    assert (problem.status, problem.path) == (422, "/voyage/atd")


def test_merge() -> None:
    current = {
        "vessel": {"imo": "9074729", "name_en": "OLD"},
        "crew": [{"seq": 1}],
        "movements": [{"seq": 1, "to_berth": "A"}],
    }
    report = {
        "client_ref": "X",
        "message_type": "CSM005",
        "vessel": {"name_en": "NEW"},
        "movements": [{"seq": 1, "to_berth": "A"}, {"seq": 2, "to_berth": "B"}],
    }
    merged = r.merge(current, report)
    assert merged["vessel"] == {"imo": "9074729", "name_en": "NEW"}
    assert merged["crew"] == [{"seq": 1}]
    assert merged["movements"] == [{"seq": 1, "to_berth": "A"}, {"seq": 2, "to_berth": "B"}]
    assert "client_ref" not in merged
    assert "message_type" not in merged
    assert r.merge(merged, {"crew": [{"seq": 1}, {"seq": 2}]})["crew"] == [{"seq": 1}, {"seq": 2}]
