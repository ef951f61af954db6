"""Signed webhooks: verification, retries with backoff, dead letters, redrive."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from singlewindow.exchange.channels.webhook import sign, signed_headers, verify_webhook_signature
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from tests.exchange.conftest import Register, count_state, wait_for, workers
from tests.exchange.test_inbox import send_many
from tests.support.webhooks import webhook_receiver

SECRET = "s3cret-s3cret-s3cret"
CHANNEL = "/api/v1/exchange/channels/LIC-GD"


def test_signature_helpers() -> None:
    body = b'{"id":"1"}'
    headers = signed_headers(SECRET, "1", body)
    assert headers["X-SW-Signature"] == sign(SECRET, headers["X-SW-Timestamp"], body)
    assert verify_webhook_signature(SECRET, headers, body)
    assert not verify_webhook_signature(SECRET, headers, body + b" ")
    assert not verify_webhook_signature("other-secret-0000", headers, body)
    old = signed_headers(SECRET, "1", body, now=time.time() - 3600)
    assert not verify_webhook_signature(SECRET, old, body, tolerance_s=300)
    lower = {k.lower(): v for k, v in headers.items()}
    assert verify_webhook_signature(SECRET, lower, body)


def test_channel_config_is_validated(app_client: TestClient, register: Register) -> None:
    op = register.auth("GD")

    def put(body: dict[str, object], code: str = "LIC-GD") -> tuple[int, set[str]]:
        r = app_client.put(f"/api/v1/exchange/channels/{code}", json=body, headers=op)
        findings = r.json().get("error", {}).get("findings", []) if r.status_code >= 400 else []
        return r.status_code, {f["path"] for f in findings}

    assert put({"kind": "webhook", "url": "ftp://x/y", "secret": SECRET}) == (422, {"/url"})
    assert put({"kind": "webhook", "url": "http://127.0.0.1/h", "secret": "short"}) == (
        422,
        {"/secret"},
    )
    assert put({"kind": "nats"}) == (422, {"/kind"})  # this node runs the embedded exchange
    assert put({"kind": "smoke"})[0] == 422
    assert put({"kind": "pull"}, code="NOBODY")[0] == 404
    r = app_client.put(CHANNEL, json={"kind": "pull"}, headers=register.auth("LIC-GD"))
    assert r.status_code == 403
    assert put({"kind": "webhook", "url": "https://agency.example/h", "secret": SECRET})[0] == 200
    got = app_client.get(CHANNEL, headers=op).json()
    assert got == {
        "recipient": "LIC-GD",
        "kind": "webhook",
        "url": "https://agency.example/h",
        "has_secret": True,
        "subject": None,
    }


def test_webhook_delivery_is_signed(
    app_client: TestClient, db: Database, fast_settings: Settings, register: Register
) -> None:
    with webhook_receiver(SECRET) as receiver:
        body = {"kind": "webhook", "url": receiver.url, "secret": SECRET}
        assert app_client.put(CHANNEL, json=body, headers=register.auth("GD")).status_code == 200
        ids = send_many(db, 4)
        with workers(db, fast_settings):
            wait_for(lambda: count_state(db, "acked") == 4)
    assert sorted(e["id"] for e in receiver.received) == sorted(ids)
    assert receiver.rejected == 0
    assert {e["payload"]["n"] for e in receiver.received} == {0, 1, 2, 3}
    # The envelope id travels in a header too (receivers de-duplicate by it).
    assert [h["X-SW-Message-Id"] for h in receiver.headers] == [e["id"] for e in receiver.received]


def test_failing_webhook_dead_letters_then_redrive(
    app_client: TestClient, db: Database, fast_settings: Settings, register: Register
) -> None:
    op = register.auth("GD")
    with webhook_receiver(SECRET, slow_s=fast_settings.webhook_timeout_seconds + 0.5) as receiver:
        receiver.script = [500, "slow", 500]  # max_attempts = 3 → dead
        body = {"kind": "webhook", "url": receiver.url, "secret": SECRET}
        app_client.put(CHANNEL, json=body, headers=op)
        (message_id,) = send_many(db, 1)
        with workers(db, fast_settings):
            wait_for(lambda: count_state(db, "dead") == 1)
            dead = app_client.get("/api/v1/exchange/dead-letters", headers=op).json()["items"]
            assert [d["id"] for d in dead] == [message_id]
            assert dead[0]["attempts"] == 3
            assert dead[0]["last_error"].startswith("HTTP 500")
            r = app_client.post(f"/api/v1/exchange/dead-letters/{message_id}/redrive", headers=op)
            assert r.json() == {"redriven": [message_id]}
            wait_for(lambda: count_state(db, "acked") == 1)
        again = app_client.post(f"/api/v1/exchange/dead-letters/{message_id}/redrive", headers=op)
        assert again.status_code == 409
        assert (
            app_client.post("/api/v1/exchange/dead-letters/nope/redrive", headers=op).status_code
            == 404
        )
    assert receiver.attempts == 4
    assert [e["id"] for e in receiver.received] == [message_id]
