"""Portal sessions: cookie flags, expiry, idle timeout, logout, CSRF, stored only as a hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from singlewindow.identity.models import LoginSession
from singlewindow.identity.sessions import (
    SESSION_COOKIE,
    csrf_token_for,
    principal_for_session_token,
    principal_for_user,
)
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Forbidden, Unauthenticated
from singlewindow.kit.settings import Settings
from tests.api.conftest import assert_error_shape
from tests.identity.conftest import FakeClock, World
from tests.identity.support import login, signed_in

ME = "/api/v1/auth/me"
CHANNEL = "/api/v1/exchange/channels/me"  # a route of another context, with GET and PUT


def _cookie(client: TestClient) -> str:
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    return token


def test_cookie_flags(client: TestClient, settings: Settings, world: World) -> None:
    r = login(client, world["sz-clerk"])
    assert r.status_code == 200
    cookies = {c.split("=", 1)[0]: c for c in r.headers.get_list("set-cookie")}
    session = cookies[SESSION_COOKIE].lower()
    for flag in (
        "httponly",
        "secure",
        "samesite=lax",
        "path=/",
        f"max-age={settings.session_seconds}",
    ):
        assert flag in session, session
    csrf = cookies["sw_csrf"].lower()
    assert "httponly" not in csrf  # readable by the page's scripts
    assert "secure" in csrf
    assert "samesite=lax" in csrf


@pytest.fixture
def plain_http_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    from singlewindow.app import create_app

    insecure = settings.model_copy(update={"cookie_secure": False})
    with TestClient(create_app(insecure, db)) as c:
        yield c


def test_cookie_not_secure_when_configured(plain_http_client: TestClient, world: World) -> None:
    r = login(plain_http_client, world["sz-clerk"])
    assert r.status_code == 200
    header = next(c for c in r.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
    assert "secure" not in header.lower()
    assert "httponly" in header.lower()
    assert plain_http_client.get(ME).status_code == 200


def test_only_a_hash_of_the_token_is_stored(client: TestClient, db: Database, world: World) -> None:
    login(client, world["sz-clerk"])
    token = _cookie(client)
    with db.read_only() as s:
        rows = s.execute(select(LoginSession.__table__)).all()
    assert len(rows) == 1
    assert rows[0].token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(tuple(rows[0]))


def test_idle_timeout(
    client: TestClient, settings: Settings, world: World, fake_clock: FakeClock
) -> None:
    login(client, world["sz-clerk"])
    # Activity keeps the session alive past the idle limit...
    for _ in range(3):
        fake_clock.advance(settings.session_idle_seconds - 60)
        assert client.get(ME).status_code == 200
    # ...inactivity ends it.
    fake_clock.advance(settings.session_idle_seconds)
    r = client.get(ME)
    assert r.status_code == 401
    assert_error_shape(r.json())
    assert r.json()["error"]["code"] == "session_idle"


def test_absolute_expiry(
    client: TestClient, settings: Settings, world: World, fake_clock: FakeClock
) -> None:
    login(client, world["sz-clerk"])
    step = settings.session_idle_seconds - 60
    elapsed = 0
    while elapsed + step < settings.session_seconds:
        fake_clock.advance(step)
        elapsed += step
        assert client.get(ME).status_code == 200
    fake_clock.advance(settings.session_seconds - elapsed)
    r = client.get(ME)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "session_expired"


def test_logout_revokes_the_session(client: TestClient, world: World) -> None:
    csrf = signed_in(client, world["sz-clerk"])
    token = _cookie(client)
    r = client.post("/api/v1/auth/logout")
    assert r.status_code == 403  # CSRF token missing: the session is still there
    assert client.get(ME).status_code == 200
    r = client.post("/api/v1/auth/logout", headers=csrf)
    assert r.status_code == 204
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, token)  # replaying the old cookie
    r = client.get(ME)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "session_revoked"


def test_csrf_required_for_cookie_writes_only(
    client: TestClient, db: Database, world: World
) -> None:
    csrf = signed_in(client, world["sz-clerk"])
    before = client.get(CHANNEL).json()
    change = {"kind": "webhook", "url": "https://hooks.example/in", "secret": "x" * 32}
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": ""}):
        r = client.put(CHANNEL, json=change, headers=headers)
        assert r.status_code == 403, r.text
        assert_error_shape(r.json())
        assert r.json()["error"]["code"] == "csrf_failed"
        assert r.json()["error"]["findings"][0]["path"] == "header:X-CSRF-Token"
    assert client.get(CHANNEL).json() == before  # nothing changed
    r = client.put(CHANNEL, json=change, headers=csrf)
    assert r.status_code == 200, r.text
    assert client.get(CHANNEL).json()["kind"] == "webhook"


def test_csrf_not_needed_with_a_bearer_key(client: TestClient, world: World) -> None:
    signed_in(client, world["sz-clerk"])  # a cookie is present but the header wins
    r = client.post(
        "/api/v1/users",
        json={"org": "GD", "username": "analyst-1", "roles": ["analyst"]},
        headers=world.operator_auth,
    )
    assert r.status_code == 201, r.text


def test_csrf_in_a_form_field(client: TestClient, world: World) -> None:
    csrf = signed_in(client, world["sz-clerk"])["X-CSRF-Token"]
    r = client.post("/api/v1/auth/logout", data={"csrf_token": "wrong"})
    assert r.status_code == 403
    r = client.post("/api/v1/auth/logout", data={"csrf_token": csrf})
    assert r.status_code == 204


def test_csrf_token_is_bound_to_the_session(settings: Settings) -> None:
    a = csrf_token_for("token-a", settings)
    assert a == csrf_token_for("token-a", settings)
    assert a != csrf_token_for("token-b", settings)
    assert "token-a" not in a


def test_password_change_ends_other_sessions(
    client: TestClient, settings: Settings, db: Database, world: World
) -> None:
    from singlewindow.app import create_app

    clerk = world["sz-clerk"]
    with TestClient(create_app(settings, db), base_url="https://testserver") as other:
        signed_in(other, clerk)
        csrf = signed_in(client, clerk)
        r = client.post(
            "/api/v1/auth/password",
            json={"old_password": clerk.password, "new_password": "Pearl-River-Delta-88"},
            headers=csrf,
        )
        assert r.status_code == 200, r.text
        assert client.get(ME).status_code == 200  # this session stays
        r = other.get(ME)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "session_revoked"


def test_unknown_session_cookie_and_unsupported_tokens_are_401(
    client: TestClient, world: World
) -> None:
    client.cookies.set(SESSION_COOKIE, "not-a-session")
    r = client.get(ME)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "session_unknown"
    for header in ("Bearer eyJhbGciOiJub25lIn0.e30.", "Basic dXNlcjpwYXNz", "Bearer"):
        r = client.get(ME, headers={"Authorization": header})
        assert r.status_code == 401, header
        assert_error_shape(r.json())


def test_session_principal_and_user_principal(
    client: TestClient, db: Database, settings: Settings, world: World
) -> None:
    login(client, world["szop"])
    token = _cookie(client)
    with db.unit_of_work() as s:
        by_cookie = principal_for_session_token(s, token, settings)
        by_user = principal_for_user(s, world["szop"].id)
    assert by_cookie.via == "session"
    assert by_user.via == "token"
    for p in (by_cookie, by_user):
        assert p.user_id == world["szop"].id
        assert p.party_code == "SZP"
        assert p.roles == frozenset({"city_operator"})
        assert p.city == "440300"
        assert p.key_id is None
    with db.unit_of_work() as s, pytest.raises(Unauthenticated):
        principal_for_user(s, "no-such-user")


def test_pending_password_change_blocks_token_principal(
    client: TestClient, db: Database, world: World
) -> None:
    clerk = world["sz-clerk"]
    r = client.post(f"/api/v1/users/{clerk.id}/reset-password", headers=world.operator_auth)
    assert r.status_code == 200
    with db.unit_of_work() as s, pytest.raises(Forbidden) as err:
        principal_for_user(s, clerk.id)
    assert err.value.code == "password_change_required"
    with db.unit_of_work() as s:
        assert principal_for_user(s, clerk.id, allow_pending=True).user_id == clerk.id


def test_session_works_on_detached_routes(client: TestClient, world: World) -> None:
    """The agency inbox authenticates in its own transaction (``DetachedPrincipal``)."""
    signed_in(client, world["officer"])
    r = client.get("/api/v1/exchange/inbox", params={"wait": 0})
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []
