"""GET /api/v1/status: channel figures and the derived health, readable by anyone signed in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from singlewindow.kit import clock
from singlewindow.kit.settings import Settings
from singlewindow.ops.channel_status import Measure, judge, worst
from tests.ops.conftest import Node


@contextmanager
def later_by(seconds: float) -> Iterator[None]:
    clock.set_clock(lambda: datetime.now(UTC) + timedelta(seconds=seconds))
    try:
        yield
    finally:
        clock.reset_clock()


def _channel(body: dict[str, Any], code: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in body["channels"] if c["agency_code"] == code]
    assert len(found) == 1, body
    return found[0]


def test_health_thresholds() -> None:
    s = Settings(
        status_min_attempts=4, status_degraded_backlog_seconds=60, status_down_backlog_seconds=600
    )

    def m(age: float | None = None, attempts: int = 0, failures: int = 0, dead: int = 0) -> Measure:
        return Measure("X", "webhook", 1, age, None, attempts, failures, dead)

    assert judge(m(), s) == "ok"
    assert judge(m(age=59), s) == "ok"
    assert judge(m(age=60), s) == "degraded"
    assert judge(m(age=600), s) == "down"
    assert judge(m(attempts=3, failures=3), s) == "ok"  # too few attempts to judge a rate
    assert judge(m(attempts=10, failures=1), s) == "degraded"  # 10 % ≥ status_degraded_error_rate
    assert judge(m(attempts=10, failures=5), s) == "down"  # 50 % ≥ status_down_error_rate
    assert judge(m(dead=1), s) == "degraded"
    recovered = Measure("X", "webhook", 0, None, None, 10, 9, 0)  # nothing waits any more
    assert judge(recovered, s) == "degraded"
    assert m(attempts=4, failures=1).error_rate_1h == 0.25
    assert m().error_rate_1h is None
    assert worst([]) == "ok"
    assert worst(["ok", "down", "degraded"]) == "down"


def test_status_shows_backlog_and_last_delivery(node: Node) -> None:
    trader = node.auth("trader")
    r = node.client.get("/api/v1/status", headers=trader)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["health"] == "ok"
    kinds = {c["party_kind"] for c in body["channels"]}
    assert kinds == {"agency", "port_operator"}  # no traders, no platform
    customs = _channel(body, "CUS5300")
    assert customs["channel_kind"] == "pull"
    assert (customs["backlog"], customs["last_delivery_at"], customs["continuity"]) == (
        0,
        None,
        False,
    )

    assert node.submit(node.document()).status_code == 202
    node.pump()
    customs = _channel(node.client.get("/api/v1/status", headers=trader).json(), "CUS5300")
    assert customs["backlog"] == 1  # in its inbox, not yet acknowledged
    assert customs["oldest_pending_age_s"] is not None
    assert customs["last_delivery_at"] is None
    assert customs["attempts_1h"] == 1
    assert customs["error_rate_1h"] == 0.0
    assert customs["health"] == "ok"

    items = node.inbox("CUS5300")
    ack = node.client.post(
        "/api/v1/exchange/inbox/ack",
        json={"ids": [i["id"] for i in items]},
        headers=node.auth("CUS5300"),
    )
    assert ack.status_code == 200, ack.text
    customs = _channel(node.client.get("/api/v1/status", headers=trader).json(), "CUS5300")
    assert customs["backlog"] == 0
    assert customs["last_delivery_at"] is not None


def test_an_old_backlog_is_degraded_then_down(node: Node) -> None:
    assert node.submit(node.document()).status_code == 202
    node.pump()
    with later_by(node.settings.status_degraded_backlog_seconds + 1):
        body = node.client.get("/api/v1/status", headers=node.auth("trader")).json()
    assert _channel(body, "CUS5300")["health"] == "degraded"
    assert body["health"] == "degraded"
    with later_by(node.settings.status_down_backlog_seconds + 1):
        body = node.client.get("/api/v1/status", headers=node.auth("trader")).json()
    customs = _channel(body, "CUS5300")
    assert (customs["health"], customs["continuity"]) == ("down", True)
    assert customs["notice"]["reason"] == "down"
    assert customs["notice"]["message_zh"]


def test_status_shows_no_addresses_or_content(node: Node) -> None:
    secret = "a-webhook-secret-0123"
    put = node.client.put(
        "/api/v1/exchange/channels/CUS5300",
        json={"kind": "webhook", "url": "https://customs.example.cn/hook", "secret": secret},
        headers=node.auth("operator"),
    )
    assert put.status_code == 200, put.text
    r = node.client.get("/api/v1/status", headers=node.auth("other_trader"))
    assert r.status_code == 200
    assert _channel(r.json(), "CUS5300")["channel_kind"] == "webhook"
    assert "customs.example.cn" not in r.text
    assert secret not in r.text
    assert node.client.get("/api/v1/status").status_code == 401
