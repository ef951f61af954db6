"""Planned maintenance: province operators plan it, everybody signed in reads it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from singlewindow.kit import clock
from singlewindow.ops.models import MaintenanceWindow
from tests.ops.conftest import Node

URL = "/api/v1/status/maintenance"


def _window(agency: str | None = "CUS5300", start: float = -60, hours: float = 2) -> dict[str, Any]:
    starts = clock.now() + timedelta(seconds=start)
    return {
        "agency_code": agency,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        "notice_en": "Customs system upgrade.",
        "notice_zh": "海关系统升级。",
    }


def _count(node: Node) -> int:
    with node.db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(MaintenanceWindow)) or 0)


def test_operator_plans_and_deletes_a_window(node: Node) -> None:
    op = node.auth("operator")
    r = node.client.post(URL, json=_window(), headers=op)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["active"] is True
    assert created["agency_code"] == "CUS5300"
    planned = node.client.post(URL, json=_window(None, start=3600), headers=op).json()
    assert planned["active"] is False

    listed = node.client.get(URL, headers=node.auth("trader"))
    assert listed.status_code == 200
    assert [w["id"] for w in listed.json()] == [created["id"], planned["id"]]

    status = node.client.get("/api/v1/status", headers=node.auth("trader")).json()
    customs = next(c for c in status["channels"] if c["agency_code"] == "CUS5300")
    assert customs["continuity"] is True
    assert customs["notice"]["reason"] == "maintenance"
    assert "海关系统升级" in customs["notice"]["message_zh"]
    assert "Customs system upgrade." in customs["notice"]["message"]
    other = next(c for c in status["channels"] if c["agency_code"] != "CUS5300")
    assert other["continuity"] is False  # the node-wide window has not started
    assert {w["id"] for w in status["maintenance"]} == {created["id"], planned["id"]}

    assert node.client.delete(f"{URL}/{created['id']}", headers=op).status_code == 204
    again = node.client.delete(f"{URL}/{created['id']}", headers=op)
    assert again.status_code == 404
    assert again.json()["error"]["message_zh"]
    assert [w["id"] for w in node.client.get(URL, headers=op).json()] == [planned["id"]]


def test_a_node_wide_window_puts_every_channel_in_continuity(node: Node) -> None:
    r = node.client.post(URL, json=_window(None), headers=node.auth("operator"))
    assert r.status_code == 201, r.text
    status = node.client.get("/api/v1/status", headers=node.auth("CUS5300")).json()
    assert status["channels"]
    assert all(c["continuity"] for c in status["channels"])


def test_only_province_operators_edit(node: Node) -> None:
    for who in ("trader", "CUS5300"):
        r = node.client.post(URL, json=_window(), headers=node.auth(who))
        assert r.status_code == 403, r.text
    made = node.client.post(URL, json=_window(), headers=node.auth("operator")).json()
    r = node.client.delete(f"{URL}/{made['id']}", headers=node.auth("trader"))
    assert r.status_code == 403
    assert _count(node) == 1


BAD_WINDOWS: list[tuple[dict[str, Any], str, str]] = [
    ({"hours": -1}, "/ends_at", "ends_before_start"),
    ({"start": -7200, "hours": 1}, "/ends_at", "in_the_past"),
    ({"hours": 24 * 40}, "/ends_at", "too_long"),
    ({"start": 400 * 86400}, "/starts_at", "too_far_ahead"),
    ({"agency": "NOBODY"}, "/agency_code", "unknown_agency"),
    ({"agency": "GD"}, "/agency_code", "unknown_agency"),  # the platform is no agency
]


def test_bad_windows_are_refused_and_nothing_is_stored(node: Node) -> None:
    for change, path, code in BAD_WINDOWS:
        r = node.client.post(URL, json=_window(**change), headers=node.auth("operator"))
        assert r.status_code == 422, r.text
        findings = r.json()["error"]["findings"]
        assert [(f["path"], f["code"]) for f in findings] == [(path, code)], change
        assert findings[0]["message_zh"]
    assert _count(node) == 0


def test_a_window_needs_time_zones_and_notices(node: Node) -> None:
    body = _window()
    body["starts_at"] = "2030-01-01T08:00:00"  # no offset: ambiguous
    r = node.client.post(URL, json=body, headers=node.auth("operator"))
    assert r.status_code == 422
    body = _window()
    body["notice_zh"] = ""
    r = node.client.post(URL, json=body, headers=node.auth("operator"))
    assert r.status_code == 422
    assert _count(node) == 0
