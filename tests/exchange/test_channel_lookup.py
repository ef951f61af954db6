"""Operators looking up a channel: known recipients answer, unknown ones are 404."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.exchange.conftest import Register


def test_channel_of_unknown_recipient_is_404(app_client: TestClient, register: Register) -> None:
    known = app_client.get("/api/v1/exchange/channels/LIC-GD", headers=register.auth("GD"))
    assert known.status_code == 200
    assert known.json()["kind"] == "pull"
    unknown = app_client.get("/api/v1/exchange/channels/NOBODY", headers=register.auth("GD"))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message_zh"]
