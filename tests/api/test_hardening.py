"""Security headers, the CORS allow-list, and secrets kept out of the logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from tests.api.conftest import ApiNode


def test_security_headers_on_api_answers(api_node: ApiNode) -> None:
    client = TestClient(api_node.app)
    r = client.get("/api/v1/parties/me", headers=api_node.auth("trader"))
    assert r.status_code == 200
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in r.headers  # plain http: no HSTS
    secure = TestClient(api_node.app, base_url="https://testserver")
    assert "max-age=" in secure.get("/api/v1/health").headers["strict-transport-security"]
    # Errors carry them too.
    assert client.get("/api/v1/parties/me").headers["x-frame-options"] == "DENY"


def test_no_cors_unless_allowed(api_node: ApiNode) -> None:
    client = TestClient(api_node.app)
    r = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_allow_list(tmp_path: Path, sqlite_url: str) -> None:
    from singlewindow.app import create_app

    settings = Settings(
        data_dir=tmp_path,
        database_url=sqlite_url,
        run_workers=False,
        run_simulator=False,
        cors_origins=["https://sz.singlewindow.example"],
    )
    db = Database(sqlite_url)
    try:
        client = TestClient(create_app(settings, db))
        allowed = client.options(
            "/api/v1/declarations",
            headers={
                "Origin": "https://sz.singlewindow.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization, SW-Signature",
            },
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://sz.singlewindow.example"
        refused = client.options(
            "/api/v1/declarations",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in refused.headers
    finally:
        db.dispose()


def test_credentials_never_reach_the_logs(
    api_node: ApiNode, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(api_node.app)
    secret = "not-the-password-9f8e7d6c5b"
    with caplog.at_level(logging.DEBUG):
        client.post("/api/v1/auth/login", json={"username": "nobody", "password": secret})
        client.get("/api/v1/parties/me", headers=api_node.auth("trader"))
        client.get("/api/v1/parties/me", headers={"Authorization": "Bearer sw_bad_" + secret})
    token = api_node.tokens["trader"]
    assert secret not in caplog.text
    assert token not in caplog.text
    assert token.split("_")[-1] not in caplog.text
