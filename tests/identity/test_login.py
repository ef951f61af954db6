"""Login over HTTP on SQLite and PostgreSQL: passwords, lockout, rate limit, TOTP, rehash."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from singlewindow.identity import passwords
from singlewindow.identity.login import authenticate
from singlewindow.identity.models import LoginFailure, LoginSession, User
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Unauthenticated
from singlewindow.kit.settings import Settings
from tests.api.conftest import assert_error_shape
from tests.identity.conftest import FakeClock, World
from tests.identity.support import login

LOGIN = "/api/v1/auth/login"


def _user(db: Database, username: str) -> Any:
    """The user's row as stored (a snapshot: attribute access after the session is fine)."""
    with db.read_only() as s:
        return s.execute(select(User.__table__).where(User.username == username)).one()


def _sessions(db: Database) -> int:
    with db.read_only() as s:
        return int(s.scalar(select(func.count(LoginSession.id))) or 0)


def test_login_ok_sets_session_and_returns_no_secrets(client: TestClient, world: World) -> None:
    clerk = world["sz-clerk"]
    r = login(client, clerk)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["username"] == "sz-clerk"
    assert body["user"]["roles"] == ["declarant_clerk"]
    assert body["must_change_password"] is False
    assert body["csrf_token"]
    assert "$argon2" not in r.text
    assert clerk.password not in r.text
    assert r.headers["cache-control"] == "no-store"
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["via"] == "session"
    assert me.json()["user"]["username"] == "sz-clerk"
    assert me.json()["csrf_token"] == body["csrf_token"]
    # The cookie works on every route, as the user's organisation.
    party = client.get("/api/v1/parties/me")
    assert party.status_code == 200, party.text
    assert party.json()["code"] == me.json()["party_code"]


def test_username_is_case_insensitive(client: TestClient, world: World) -> None:
    r = client.post(LOGIN, json={"username": " SZ-Clerk ", "password": world["sz-clerk"].password})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("who", ["sz-clerk", "nobody-here"])
def test_wrong_password_or_unknown_user_is_the_same_401(
    client: TestClient, db: Database, world: World, who: str
) -> None:
    r = client.post(LOGIN, json={"username": who, "password": "Wrong-Password-123"})
    assert r.status_code == 401
    assert_error_shape(r.json())
    error = r.json()["error"]
    assert error["code"] == "invalid_credentials"
    assert "password" in error["message"]
    assert "密码" in error["message_zh"]
    assert "set-cookie" not in r.headers
    assert _sessions(db) == 0
    if who == "sz-clerk":
        assert _user(db, who).failed_logins == 1  # the failure was committed


def test_lockout_after_max_failures_then_operator_unlocks(
    client: TestClient, db: Database, settings: Settings, world: World
) -> None:
    clerk = world["sz-clerk"]
    bad = {"username": clerk.username, "password": "Wrong-Password-123"}
    for _ in range(settings.login_max_failures - 1):
        assert client.post(LOGIN, json=bad).status_code == 401
    r = client.post(LOGIN, json=bad)
    assert r.status_code == 423, r.text
    assert r.json()["error"]["code"] == "account_locked"
    assert int(r.headers["retry-after"]) == settings.login_lockout_seconds
    # Locked: even the right password is refused, and no session is made.
    r = login(client, clerk)
    assert r.status_code == 423
    assert_error_shape(r.json())
    assert r.json()["error"]["message_zh"]
    assert _sessions(db) == 0
    listed = client.get(f"/api/v1/users/{clerk.id}", headers=world.operator_auth).json()
    assert listed["locked_until"] is not None
    r = client.post(f"/api/v1/users/{clerk.id}/unlock", headers=world.operator_auth)
    assert r.status_code == 200, r.text
    assert r.json()["locked_until"] is None
    assert login(client, clerk).status_code == 200


def test_lockout_ends_by_itself(
    client: TestClient, settings: Settings, world: World, fake_clock: FakeClock
) -> None:
    clerk = world["sz-clerk"]
    for _ in range(settings.login_max_failures):
        client.post(LOGIN, json={"username": clerk.username, "password": "Wrong-Password-123"})
    assert login(client, clerk).status_code == 423
    fake_clock.advance(settings.login_lockout_seconds - 1)
    assert login(client, clerk).status_code == 423
    fake_clock.advance(2)
    assert login(client, clerk).status_code == 200


def test_success_resets_the_failure_count(
    client: TestClient, db: Database, settings: Settings, world: World
) -> None:
    clerk = world["sz-clerk"]
    for _ in range(settings.login_max_failures - 1):
        client.post(LOGIN, json={"username": clerk.username, "password": "Wrong-Password-123"})
    assert login(client, clerk).status_code == 200
    assert _user(db, clerk.username).failed_logins == 0
    r = client.post(LOGIN, json={"username": clerk.username, "password": "Wrong-Password-123"})
    assert r.status_code == 401  # counting starts again, no lock


def test_rate_limit_per_address(
    client: TestClient, db: Database, settings: Settings, world: World, fake_clock: FakeClock
) -> None:
    limit = settings.login_rate_per_minute
    # Spread over many usernames so that no account locks: the address is what is limited.
    for i in range(limit):
        r = client.post(LOGIN, json={"username": f"guess{i}", "password": "Wrong-Password-123"})
        assert r.status_code == 401
        fake_clock.advance(1)
    r = login(client, world["sz-clerk"])
    assert r.status_code == 429, r.text
    assert_error_shape(r.json())
    assert r.json()["error"]["code"] == "rate_limited"
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= 60
    assert _sessions(db) == 0
    fake_clock.advance(retry)
    assert login(client, world["sz-clerk"]).status_code == 200


def test_rate_limit_rows_are_pruned(
    db: Database, settings: Settings, world: World, fake_clock: FakeClock
) -> None:
    for _ in range(3):
        with db.unit_of_work() as s, pytest.raises(Unauthenticated):
            authenticate(
                s,
                username="x-y-z",
                password="p",
                totp=None,
                client_ip="10.0.0.1",
                settings=settings,
            )
    fake_clock.advance(3600)
    with db.unit_of_work() as s, pytest.raises(Unauthenticated):
        authenticate(
            s, username="x-y-z", password="p", totp=None, client_ip="10.0.0.2", settings=settings
        )
    with db.read_only() as s:
        rows = s.scalars(select(LoginFailure.client_ip)).all()
    assert rows == ["10.0.0.2"]


def test_totp_required_for_agency_officer(client: TestClient, db: Database, world: World) -> None:
    officer = world["officer"]
    body = {"username": officer.username, "password": officer.password}
    r = client.post(LOGIN, json=body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "totp_required"
    assert [f["path"] for f in r.json()["error"]["findings"]] == ["/totp"]
    assert _user(db, officer.username).failed_logins == 0  # a missing code is not a failure
    wrong = str((int(officer.code()) + 1) % 1_000_000).zfill(6)
    r = client.post(LOGIN, json={**body, "totp": wrong})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_credentials"
    assert _user(db, officer.username).failed_logins == 1
    assert _sessions(db) == 0
    r = client.post(LOGIN, json={**body, "totp": officer.code()})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["totp_enabled"] is True


def test_totp_code_cannot_be_replayed(
    client: TestClient, db: Database, world: World, fake_clock: FakeClock
) -> None:
    officer = world["officer"]
    code = officer.code()
    assert login(client, officer, code=code).status_code == 200
    r = login(client, officer, code=code)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_credentials"
    # Still refused a step later (drift window), but the new step's code works.
    fake_clock.advance(30)
    assert login(client, officer, code=code).status_code == 401
    assert login(client, officer).status_code == 200
    assert _sessions(db) == 2


def test_totp_code_from_an_earlier_step_is_refused_once_a_later_one_was_used(
    client: TestClient, world: World, fake_clock: FakeClock
) -> None:
    officer = world["officer"]
    earlier = officer.code()
    fake_clock.advance(30)
    assert login(client, officer).status_code == 200
    assert login(client, officer, code=earlier).status_code == 401


def test_password_hash_is_upgraded_when_parameters_change(
    client: TestClient, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = world["sz-clerk"]
    before = _user(db, clerk.username).password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", stronger)
    assert login(client, clerk).status_code == 200
    after = _user(db, clerk.username).password_hash
    assert after != before
    assert after.startswith("$argon2id$")
    assert "m=2048,t=2,p=1" in after
    assert not stronger.check_needs_rehash(after)
    assert stronger.verify(after, clerk.password)
    # Unchanged parameters: no rewrite.
    assert login(client, clerk).status_code == 200
    assert _user(db, clerk.username).password_hash == after


def test_deactivated_user_cannot_log_in(client: TestClient, db: Database, world: World) -> None:
    clerk = world["sz-clerk"]
    r = client.patch(
        f"/api/v1/users/{clerk.id}", json={"active": False}, headers=world.operator_auth
    )
    assert r.status_code == 200, r.text
    r = login(client, clerk)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "account_disabled"
    assert _sessions(db) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"username": "sz-clerk"},
        {"password": "x"},
        {"username": "", "password": "x"},
        {"username": "sz-clerk", "password": "x", "extra": 1},
        {"username": "sz-clerk", "password": "x" * 1025},
    ],
)
def test_malformed_login_is_422(client: TestClient, world: World, body: dict[str, object]) -> None:
    r = client.post(LOGIN, json=body)
    assert r.status_code == 422
    assert_error_shape(r.json())
    assert r.json()["error"]["findings"]


def test_odd_input_is_a_4xx_on_every_backend(client: TestClient, world: World) -> None:
    """NUL bytes and non-ASCII digits never reach SQL or the code comparison (no 500)."""
    officer = world["officer"]
    r = client.post(LOGIN, json={"username": "sz\x00clerk", "password": "x"})
    assert r.status_code == 401
    r = client.post(
        LOGIN,
        json={"username": officer.username, "password": officer.password, "totp": "١٢٣٤٥٦"},
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_credentials"
    op = world.operator_auth
    assert client.get("/api/v1/users/%00", headers=op).status_code == 404
    assert client.get("/api/v1/users", params={"org": "G\x00D"}, headers=op).json()["items"] == []
    r = client.post(
        "/api/v1/users",
        json={"org": "G\x00D", "username": "x-y-z", "roles": ["analyst"]},
        headers=op,
    )
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["path"] == "/org"
