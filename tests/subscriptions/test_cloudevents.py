"""Event types from message kinds, and type patterns (pure)."""

from __future__ import annotations

from singlewindow.subscriptions.cloudevents import event_type, type_findings, type_matches


def test_event_types_and_patterns() -> None:
    assert event_type("declaration_status", {}) == "cn.gd.singlewindow.declaration.status_changed"
    assert event_type("inspection_notice", {"step": "booked", "status": "x"}) == (
        "cn.gd.singlewindow.inspection.booked"
    )
    assert event_type("inspection_notice", {"step": "Bad Step!"}) == (
        "cn.gd.singlewindow.inspection.notice"
    )
    assert event_type("Something-New", {}) == "cn.gd.singlewindow.exchange.message"
    assert event_type("gate_report", {}) == "cn.gd.singlewindow.exchange.gate_report"
    inspection = "cn.gd.singlewindow.inspection.*"
    assert type_matches([inspection], "cn.gd.singlewindow.inspection.booked")
    assert not type_matches([inspection], "cn.gd.singlewindow.inspectionx.booked")
    assert not type_matches([inspection], "cn.gd.singlewindow.declaration.released")
    assert type_matches([], "anything")
    assert type_matches(["*"], "cn.gd.singlewindow.declaration.released")


def test_type_patterns_are_checked() -> None:
    good = ["*", "cn.gd.singlewindow.*", "cn.gd.singlewindow.inspection.*", "cn.gd.singlewindow.x"]
    assert type_findings(good) == []
    bad = ["", "cn.gd.singlewindow.*.x", "org.example.*", "CN.GD.SINGLEWINDOW.X", "a b"]
    assert [f.path for f in type_findings(bad)] == [f"/types/{i}" for i in range(len(bad))]
    assert type_findings(["*"] * 21)[0].code == "too_many_types"
