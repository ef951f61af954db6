"""The milestone rules on their own: exports, fall-backs, and which events count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from singlewindow.analytics import time_release as analytics
from singlewindow.analytics.rules import Event, Transport, milestones
from singlewindow.kit.errors import ValidationFailed

T0 = datetime(2026, 11, 20, 2, tzinfo=UTC)


def _events(*items: tuple[str, float, dict[str, Any]]) -> list[Event]:
    return [
        Event(f"e{n}", T0 + timedelta(hours=h), name, d) for n, (name, h, d) in enumerate(items)
    ]


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_an_export_arrives_by_arrival_report_and_exits_with_its_ship() -> None:
    events = _events(
        ("submitted", 0, {"recipients": ["CUS5300"]}),
        ("agency_accepted", 1, {"agency": "CUS5300"}),
        ("release_notice", 2, {}),
        ("gate_out", 3, {"all_out": True}),  # not an export's exit
    )
    roles = {"CUS5300": "customs"}
    m = milestones(
        "E", events, roles, Transport("c1", ata=_h(-50), atd=_h(9), arrival_reported_at=_h(-5))
    )
    assert (m.arrived_at, m.arrival_source) == (_h(-5), "arrival_report")
    assert (m.accepted_at, m.released_at) == (_h(1), _h(2))
    assert (m.exited_at, m.exit_source) == (_h(9), "departure")
    # A ship that sailed before the release did not take the goods.
    m = milestones("E", events, roles, Transport("c1", atd=_h(1.5)))
    assert (m.arrived_at, m.exited_at) == (None, None)


def test_import_fall_backs_and_what_counts() -> None:
    events = _events(
        ("submitted", 0, {"recipients": ["CIQ", "CUS5300"]}),
        ("agency_accepted", 0.5, {"agency": "CIQ"}),  # not customs: not the acceptance
        ("agency_received", 0.7, {"agency": "CUS5300"}),
        ("agency_accepted", 1, {"agency": "CUS5300"}),
        ("agency_inspection_required", 1.5, {"agency": "CUS5300"}),
        ("inspection_booked", 2, {"case_no": "JI1"}),
        ("inspection_result", 4, {"agency": "CIQ", "result": "pass"}),
        ("inspection_result", 3, {"agency": "CUS5300", "result": "pass"}),
        ("inspection_released", 5, {"agency": "CIQ", "containers": []}),
        ("release_notice", 6, {"release_no": "R1"}),
        ("gate_out", 7, {"all_out": False}),
    )
    roles = {"CUS5300": "customs", "CIQ": "inspection"}
    m = milestones("I", events, roles, Transport(arrival_reported_at=_h(-3)))
    assert (m.arrived_at, m.arrival_source) == (_h(-3), "arrival_report")
    assert m.accepted_at == _h(1)
    assert (m.inspection_started_at, m.inspection_finished_at, m.inspected) == (
        _h(1.5),
        _h(4),
        True,
    )
    assert (m.released_at, m.exited_at) == (_h(6), None)  # not all out yet
    customs, ciq = m.agencies["CUS5300"], m.agencies["CIQ"]
    assert (customs.routed_at, customs.received_at, customs.first_decision_at) == (
        T0,
        _h(0.7),
        _h(1),
    )
    assert (customs.inspection_ordered_at, customs.inspection_result_at) == (_h(1.5), _h(3))
    assert (ciq.first_decision_at, ciq.released_at) == (_h(0.5), _h(5))
    # With no customs agency routed, any agency's acceptance is the acceptance.
    assert milestones("I", events, {"CIQ": "inspection"}, Transport()).accepted_at == _h(0.5)
    # Without an inspection event nothing is inspected.
    plain = milestones("I", events[:4], roles, Transport())
    assert (plain.inspected, plain.inspection_started_at) == (False, None)


def test_an_unknown_grouping_is_refused_outside_the_api_too() -> None:
    with pytest.raises(ValidationFailed) as raised:
        analytics.check(analytics.Query(group_by="vessel"))
    assert [f.path for f in raised.value.findings] == ["query:group_by"]
