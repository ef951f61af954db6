"""Continuity mode: a down agency still gets its submissions, queued, and the receipt says so."""

from __future__ import annotations

import socket
import time
from typing import Any

from singlewindow.ops.continuity import NOTICES
from tests.ops.conftest import Node
from tests.support.webhooks import webhook_receiver

SECRET = "continuity-secret-0123"
CHANNEL = "/api/v1/exchange/channels/CUS5300"


def _closed_port_url() -> str:
    with socket.socket() as s:  # bound, never listening: connections are refused at once
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/hook"


def _customs(node: Node) -> dict[str, Any]:
    body = node.client.get("/api/v1/status", headers=node.auth("trader")).json()
    return next(c for c in body["channels"] if c["agency_code"] == "CUS5300")


def _webhook(node: Node, url: str) -> None:
    body = {"kind": "webhook", "url": url, "secret": SECRET}
    r = node.client.put(CHANNEL, json=body, headers=node.auth("operator"))
    assert r.status_code == 200, r.text


def test_a_down_agency_gets_its_submissions_when_it_is_back(node: Node) -> None:
    _webhook(node, _closed_port_url())
    first = node.submit(node.document())
    assert first.status_code == 202, first.text
    assert first.json()["notices"] == []  # nothing known against the agency yet
    node.pump()
    customs = _customs(node)
    assert customs["failures_1h"] >= 1
    assert (customs["health"], customs["continuity"]) == ("down", True)
    assert customs["notice"]["reason"] == "down"

    NOTICES.invalidate()  # the receipt's notices are cached for a few seconds
    second = node.submit(node.document())
    assert second.status_code == 202, second.text
    receipt = second.json()
    assert [(n["agency_code"], n["reason"]) for n in receipt["notices"]] == [("CUS5300", "down")]
    assert receipt["notices"][0]["message_zh"]
    # the notices are part of what the platform signed
    check = node.client.post("/api/v1/signing/verify-receipt", json=receipt)
    assert check.status_code == 200, check.text
    assert check.json()["certificate"]
    tampered = {**receipt, "notices": []}
    assert node.client.post("/api/v1/signing/verify-receipt", json=tampered).status_code >= 400

    with webhook_receiver(SECRET) as receiver:
        _webhook(node, receiver.url)
        deadline = time.monotonic() + 10
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the failed delivery waits out its (short) backoff
            node.pump()
    got = {e["correlation_id"] for e in receiver.received}
    assert {first.json()["id"], receipt["id"]} <= got
    customs = _customs(node)
    assert customs["backlog"] == 0
    assert customs["continuity"] is False
    assert customs["health"] == "degraded"  # recovered, but failing within the last hour
    assert customs["last_delivery_at"] is not None


def test_maintenance_puts_a_notice_on_the_receipt(node: Node) -> None:
    from tests.ops.test_maintenance import URL, _window

    r = node.client.post(URL, json=_window(), headers=node.auth("operator"))
    assert r.status_code == 201, r.text
    receipt = node.submit(node.document()).json()
    assert [(n["agency_code"], n["reason"]) for n in receipt["notices"]] == [
        ("CUS5300", "maintenance")
    ]
    assert receipt["notices"][0]["until"] is not None
