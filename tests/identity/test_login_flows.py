"""Multi-step flows: forced password change after a reset, TOTP enrolment, nothing secret leaks."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from singlewindow.identity.models import User
from singlewindow.identity.secrets import SECRET_FILE_NAME
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from tests.identity.conftest import FakeClock, World
from tests.identity.support import login, signed_in, totp_code

LOGIN = "/api/v1/auth/login"
PASSWORD = "/api/v1/auth/password"


def test_forced_password_change_after_operator_reset(
    client: TestClient, db: Database, world: World
) -> None:
    clerk = world["sz-clerk"]
    signed_in(client, clerk)
    r = client.post(f"/api/v1/users/{clerk.id}/reset-password", headers=world.operator_auth)
    assert r.status_code == 200, r.text
    temporary = r.json()["temporary_password"]
    assert r.json()["must_change_password"] is True
    assert client.get("/api/v1/auth/me").status_code == 401  # the reset ended the session
    assert login(client, clerk).status_code == 401  # the old password is gone
    r = login(client, clerk, password=temporary)
    assert r.status_code == 200
    assert r.json()["must_change_password"] is True
    csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
    # The session is limited to changing the password.
    r = client.get("/api/v1/parties/me")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "password_change_required"
    assert client.get("/api/v1/auth/me").status_code == 200
    # Wrong old password, weak or reused new password: 422 naming the field, nothing changed.
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"old_password": "Not-The-Temp-123", "new_password": "Cotton-Tree-77x"}, "/old_password",
         "password_wrong"),
        ({"old_password": temporary, "new_password": "short"}, "/new_password",
         "password_too_short"),
        ({"old_password": temporary, "new_password": "sz-clerk"}, "/new_password",
         "password_is_username"),
        ({"old_password": temporary, "new_password": temporary}, "/new_password",
         "password_reused"),
    ]  # fmt: skip
    for body, path, code in cases:
        r = client.post(PASSWORD, json=body, headers=csrf)
        assert r.status_code == 422, r.text
        assert (path, code) in [(f["path"], f["code"]) for f in r.json()["error"]["findings"]]
        assert r.json()["error"]["message_zh"]
    assert client.get("/api/v1/parties/me").status_code == 403
    r = client.post(
        PASSWORD,
        json={"old_password": temporary, "new_password": "Cotton-Tree-77x"},
        headers=csrf,
    )
    assert r.status_code == 200, r.text
    assert r.json()["must_change_password"] is False
    assert client.get("/api/v1/parties/me").status_code == 200
    assert login(client, clerk, password="Cotton-Tree-77x").status_code == 200
    with db.read_only() as s:
        failed = s.scalar(select(User.failed_logins).where(User.id == clerk.id))
    assert failed == 0


def test_wrong_old_password_counts_towards_lockout(
    client: TestClient, db: Database, settings: Settings, world: World
) -> None:
    csrf = signed_in(client, world["sz-clerk"])
    body = {"old_password": "Not-My-Password-1", "new_password": "Cotton-Tree-77x"}
    for _ in range(settings.login_max_failures - 1):
        assert client.post(PASSWORD, json=body, headers=csrf).status_code == 422
    r = client.post(PASSWORD, json=body, headers=csrf)
    assert r.status_code == 423
    assert login(client, world["sz-clerk"]).status_code == 423


def test_totp_enrolment_for_a_trader(
    client: TestClient, db: Database, world: World, fake_clock: FakeClock
) -> None:
    clerk = world["sz-clerk"]
    csrf = signed_in(client, clerk)
    r = client.post("/api/v1/auth/totp/enroll", headers=csrf)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    secret, uri = r.json()["secret"], r.json()["uri"]
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri  # noqa: PT018
    with db.read_only() as s:
        stored = s.execute(select(User.__table__).where(User.id == clerk.id)).one()
    assert stored.totp_pending_secret is not None
    assert secret not in stored.totp_pending_secret  # encrypted at rest
    assert stored.totp_enabled is False
    # Pending: login still needs no code.
    fake_clock.advance(30)
    assert login(client, clerk).status_code == 200
    csrf = {"X-CSRF-Token": client.cookies["sw_csrf"]}
    r = client.post("/api/v1/auth/totp/confirm", json={"code": "000000"}, headers=csrf)
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["path"] == "/code"
    code = totp_code(secret)
    r = client.post("/api/v1/auth/totp/confirm", json={"code": code}, headers=csrf)
    assert r.status_code == 200, r.text
    assert r.json()["totp_enabled"] is True
    # Now the code is needed, and the one used to confirm is spent.
    body = {"username": clerk.username, "password": clerk.password}
    assert client.post(LOGIN, json=body).json()["error"]["code"] == "totp_required"
    assert client.post(LOGIN, json={**body, "totp": code}).status_code == 401
    fake_clock.advance(30)
    r = client.post(LOGIN, json={**body, "totp": totp_code(secret)})
    assert r.status_code == 200
    csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
    # A trader may turn it off again, with a fresh code.
    r = client.post("/api/v1/auth/totp/disable", json={"code": totp_code(secret)}, headers=csrf)
    assert r.status_code == 422  # that step was just used to log in
    fake_clock.advance(30)
    r = client.post("/api/v1/auth/totp/disable", json={"code": totp_code(secret)}, headers=csrf)
    assert r.status_code == 200, r.text
    assert r.json()["totp_enabled"] is False
    fake_clock.advance(30)
    assert client.post(LOGIN, json=body).status_code == 200


def test_totp_cannot_be_disabled_by_roles_that_need_it(
    client: TestClient, world: World, fake_clock: FakeClock
) -> None:
    officer = world["officer"]
    csrf = signed_in(client, officer)
    fake_clock.advance(30)
    r = client.post("/api/v1/auth/totp/disable", json={"code": officer.code()}, headers=csrf)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "totp_required_for_role"
    fake_clock.advance(30)
    assert login(client, officer).status_code == 200  # still enabled, still needed


def test_officer_rotates_the_operator_issued_seed(
    client: TestClient, world: World, fake_clock: FakeClock
) -> None:
    officer = world["officer"]
    csrf = signed_in(client, officer)
    new = client.post("/api/v1/auth/totp/enroll", headers=csrf).json()["secret"]
    fake_clock.advance(30)
    r = client.post("/api/v1/auth/totp/confirm", json={"code": totp_code(new)}, headers=csrf)
    assert r.status_code == 200, r.text
    fake_clock.advance(30)
    assert login(client, officer).status_code == 401  # the old seed no longer works
    assert login(client, officer, code=totp_code(new)).status_code == 200


def test_api_keys_cannot_use_own_account_routes(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/auth/totp/enroll", headers=world.operator_auth)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "user_required"
    me = client.get("/api/v1/auth/me", headers=world.operator_auth).json()
    assert me["via"] == "api_key"
    assert me["user"] is None
    assert me["roles"] == ["province_operator"]


def _walk(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _walk(v)]
    if isinstance(value, list):
        return [s for v in value for s in _walk(v)]
    return [value] if isinstance(value, str) else []


def test_no_route_returns_a_hash_and_no_log_has_a_secret(
    client: TestClient,
    db: Database,
    settings: Settings,
    world: World,
    fake_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    officer = world["officer"]
    bodies: list[Any] = []
    r = login(client, officer)
    bodies.append(r.json())
    csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
    token = client.cookies["sw_session"]
    bodies.append(client.get("/api/v1/auth/me").json())
    enrol = client.post("/api/v1/auth/totp/enroll", headers=csrf).json()
    op = world.operator_auth
    bodies.append(client.get("/api/v1/users", headers=op).json())
    bodies.append(client.get(f"/api/v1/users/{officer.id}", headers=op).json())
    bodies.append(client.post(f"/api/v1/users/{officer.id}/unlock", headers=op).json())
    bodies.append(client.patch(f"/api/v1/users/{officer.id}", json={}, headers=op).json())
    with db.read_only() as s:
        stored = s.execute(select(User.__table__).where(User.id == officer.id)).one()
    for text in (s for body in bodies for s in _walk(body)):
        assert not text.startswith("$argon2"), text
        assert text not in (stored.password_hash, stored.totp_secret, stored.totp_pending_secret)
    secrets = [officer.password, officer.totp_secret, enrol["secret"], token]
    node_secret = (settings.data_dir / SECRET_FILE_NAME).read_text().strip()
    assert caplog.records  # the requests were logged (httpx, the app): the check means something
    for secret in [*secrets, node_secret, stored.password_hash]:
        assert secret
        assert secret not in caplog.text
