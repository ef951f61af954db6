"""Every bad input to the provider gets a clear 4xx in English and Chinese and changes nothing
(except where refusing means revoking: a reused code or refresh token)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from singlewindow.identity.oidc.models import (
    AuthorizationCode,
    OAuthClient,
    OAuthGrant,
    RefreshToken,
    SigningKey,
)
from singlewindow.identity.oidc.rules import GrantType
from singlewindow.identity.oidc.tokens import principal_for_access_token
from singlewindow.identity.oidc.verify import InvalidToken
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Forbidden
from tests.identity.oidc_support import (
    CITY_AUDIENCE,
    HUB_AUDIENCE,
    ISSUER,
    REDIRECT,
    Hub,
    assert_oauth_error,
    authorize,
    authorize_params,
    exchange,
    get_code,
    hub_settings,
    login,
    pkce,
    register,
    running_hub,
    shifted_clock,
    token_request,
    verifier_for,
)
from tests.identity.support import make_user


@pytest.fixture
def hub(tmp_path: Path, database_url: str, db: Database) -> Iterator[Hub]:
    with running_hub(hub_settings(tmp_path, database_url), db) as running:
        yield running


def state(db: Database) -> dict[str, Any]:
    """Everything the provider writes, to show a refused request changed nothing."""
    with db.read_only() as session:

        def count(model: Any, *where: Any) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        return {
            "codes": count(AuthorizationCode),
            "used_codes": count(AuthorizationCode, AuthorizationCode.used_at.is_not(None)),
            "grants": count(OAuthGrant),
            "revoked_grants": count(OAuthGrant, OAuthGrant.revoked_at.is_not(None)),
            "refresh": count(RefreshToken),
            "rotated": count(RefreshToken, RefreshToken.rotated_at.is_not(None)),
            "revoked_refresh": count(RefreshToken, RefreshToken.revoked_at.is_not(None)),
            "clients": count(OAuthClient),
            "keys": count(SigningKey),
        }


# --- the authorization endpoint ------------------------------------------------------------


def test_unknown_client_or_unregistered_redirect_is_shown_not_redirected(hub: Hub) -> None:
    register(hub.db, hub.settings)
    login(hub.client, hub.username)
    before = state(hub.db)
    challenge = pkce()[1]
    cases = [
        (authorize_params(challenge, client_id="nobody"), "invalid_client"),
        (
            authorize_params(challenge, redirect_uri="https://evil.example.test/cb"),
            "invalid_request",
        ),
        (authorize_params(challenge, redirect_uri=REDIRECT + "/"), "invalid_request"),
        (authorize_params(challenge, redirect_uri=None), "invalid_request"),
    ]
    for params, error in cases:
        response = authorize(hub.client, params)
        assert "location" not in response.headers
        assert_oauth_error(response, 400, error)
    page = authorize(hub.client, cases[0][0], accept="text/html")
    assert page.status_code == 400
    assert "登录请求无效" in page.text
    assert "Invalid sign-in request" in page.text
    assert state(hub.db) == before


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "openid profile admin"}, "invalid_scope"),
        ({"scope": "profile declarations"}, "invalid_scope"),
        ({"scope": "openid BAD!"}, "invalid_scope"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "unsupported_response_type"),
        ({"prompt": "sometimes"}, "invalid_request"),
        ({"max_age": "-5"}, "invalid_request"),
    ],
)
def test_bad_requests_go_back_to_the_client(
    hub: Hub, overrides: dict[str, str | None], error: str
) -> None:
    register(hub.db, hub.settings)
    login(hub.client, hub.username)
    before = state(hub.db)
    params = authorize_params(pkce()[1], **overrides)
    response = authorize(hub.client, params)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["error"] == error
    assert query["state"] == params["state"]
    assert query["iss"] == ISSUER
    assert query["error_description"]
    assert query["error_description_zh"]
    assert "code" not in query
    assert state(hub.db) == before


def test_repeated_parameter(hub: Hub) -> None:
    register(hub.db, hub.settings)
    login(hub.client, hub.username)
    params = authorize_params(pkce()[1])
    query = "&".join(f"{k}={v}" for k, v in params.items()) + "&scope=openid"
    response = hub.client.get(f"/oauth/authorize?{query}", follow_redirects=False)
    assert "error=invalid_request" in response.headers["location"]
    doubled_client = f"/oauth/authorize?{query}&client_id=gz-city"
    assert_oauth_error(
        hub.client.get(doubled_client, follow_redirects=False), 400, "invalid_request"
    )


def test_a_client_without_the_code_grant(hub: Hub) -> None:
    register(
        hub.db,
        hub.settings,
        "batch",
        grants=(GrantType.client_credentials,),
        scopes=("openid", "declarations"),
        party=hub.org,
    )
    login(hub.client, hub.username)
    response = authorize(hub.client, authorize_params(pkce()[1], client_id="batch"))
    assert "error=unauthorized_client" in response.headers["location"]


def test_not_signed_in(hub: Hub) -> None:
    register(hub.db, hub.settings)
    before = state(hub.db)
    params = authorize_params(pkce()[1])
    browser = authorize(hub.client, params, accept="text/html,application/xhtml+xml")
    assert browser.status_code == 303
    target = urlsplit(browser.headers["location"])
    assert target.path == "/login"
    back = parse_qs(target.query)["next"][0]
    assert back.startswith("/oauth/authorize?")
    assert parse_qs(urlsplit(back).query)["state"] == [params["state"]]

    api = authorize(hub.client, params)
    body = assert_oauth_error(api, 401, "login_required")
    assert body["login_url"].startswith("/login?next=")

    silent = authorize(hub.client, authorize_params(pkce()[1], prompt="none"))
    assert "error=login_required" in silent.headers["location"]

    hub.client.cookies.set("sw_session", "forged-session-token")
    assert authorize(hub.client, params).status_code == 401
    assert state(hub.db) == before


def test_password_change_comes_first(hub: Hub) -> None:
    register(hub.db, hub.settings)
    with hub.db.unit_of_work() as session:
        make_user(
            session,
            hub.settings,
            org=hub.org,
            username="new.clerk",
            roles=["declarant_clerk"],
            must_change_password=True,
        )
    login(hub.client, "new.clerk")
    before = state(hub.db)
    response = authorize(hub.client, authorize_params(pkce()[1]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_change_required"
    assert response.json()["error"]["message_zh"]
    assert state(hub.db) == before


def test_max_age_asks_for_a_fresh_login(hub: Hub) -> None:
    register(hub.db, hub.settings)
    with shifted_clock() as shift:
        login(hub.client, hub.username)
        shift.seconds = 120
        stale = authorize(hub.client, authorize_params(pkce()[1], max_age="60"))
        assert stale.status_code == 401
        assert authorize(hub.client, authorize_params(pkce()[1], max_age="600")).status_code == 302


# --- the token endpoint --------------------------------------------------------------------


@pytest.fixture
def signed_in(hub: Hub) -> tuple[Hub, str]:
    secret = register(hub.db, hub.settings)
    assert secret is not None
    login(hub.client, hub.username)
    return hub, secret


def test_wrong_pkce_verifier(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    verifier, challenge = pkce()
    code = get_code(hub.client, (verifier, challenge))
    before = state(hub.db)
    for wrong in (pkce()[0], verifier[:-1] + ("A" if verifier[-1] != "A" else "B"), "short"):
        assert_oauth_error(exchange(hub.client, code, wrong, secret), 400, "invalid_grant")
    missing = token_request(
        hub.client,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        secret,
    )
    assert_oauth_error(missing, 400, "invalid_request")
    assert state(hub.db) == before
    assert exchange(hub.client, code, verifier, secret).status_code == 200  # still unused


def test_reused_code_revokes_what_it_issued(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    verifier, challenge = pkce()
    code = get_code(hub.client, (verifier, challenge))
    first = exchange(hub.client, code, verifier, secret).json()
    again = exchange(hub.client, code, verifier, secret)
    body = assert_oauth_error(again, 400, "invalid_grant")
    assert "revoked" in body["error_description"]
    after = state(hub.db)
    assert (after["grants"], after["revoked_grants"], after["revoked_refresh"]) == (1, 1, 1)
    refreshed = token_request(
        hub.client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, secret
    )
    assert_oauth_error(refreshed, 400, "invalid_grant")
    with hub.db.read_only() as session, pytest.raises(InvalidToken) as err:
        principal_for_access_token(session, first["access_token"], hub.settings)
    assert err.value.code == "token_revoked"


def test_expired_code(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    verifier, challenge = pkce()
    with shifted_clock() as shift:
        code = get_code(hub.client, (verifier, challenge))
        before = state(hub.db)
        shift.seconds = 61
        assert_oauth_error(exchange(hub.client, code, verifier, secret), 400, "invalid_grant")
    assert state(hub.db) == before


def test_code_bound_to_client_and_redirect(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    other = register(hub.db, hub.settings, "sz-city")
    verifier, challenge = pkce()
    code = get_code(hub.client, (verifier, challenge))
    before = state(hub.db)
    stolen = exchange(hub.client, code, verifier, other, client_id="sz-city")
    assert_oauth_error(stolen, 400, "invalid_grant")
    moved = token_request(
        hub.client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://city.example.test/other",
            "code_verifier": verifier,
        },
        secret,
    )
    assert_oauth_error(moved, 400, "invalid_grant")
    unknown = exchange(hub.client, "not-a-code", verifier, secret)
    assert_oauth_error(unknown, 400, "invalid_grant")
    assert state(hub.db) == before


def test_client_authentication(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    verifier, challenge = pkce()
    code = get_code(hub.client, (verifier, challenge))
    before = state(hub.db)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    unknown = token_request(hub.client, data, "whatever", client_id="nobody")
    assert_oauth_error(unknown, 401, "invalid_client")
    wrong = token_request(hub.client, data, secret + "x")
    assert_oauth_error(wrong, 401, "invalid_client")
    assert wrong.headers["www-authenticate"].startswith("Basic")
    none = hub.client.post("/oauth/token", data=data | {"client_id": "gz-city"})
    assert_oauth_error(none, 401, "invalid_client")
    both = hub.client.post(
        "/oauth/token", data=data | {"client_secret": secret}, auth=("gz-city", secret)
    )
    assert_oauth_error(both, 400, "invalid_request")
    garbled = hub.client.post(
        "/oauth/token", data=data, headers={"Authorization": "Basic !!!not-base64"}
    )
    assert_oauth_error(garbled, 401, "invalid_client")
    assert state(hub.db) == before
    assert token_request(hub.client, data, secret).status_code == 200


def test_malformed_token_requests(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    before = state(hub.db)
    as_json = hub.client.post(
        "/oauth/token", json={"grant_type": "client_credentials"}, auth=("gz-city", secret)
    )
    assert_oauth_error(as_json, 400, "invalid_request")
    missing = token_request(hub.client, {}, secret)
    assert_oauth_error(missing, 400, "invalid_request")
    unsupported = token_request(hub.client, {"grant_type": "password"}, secret)
    assert_oauth_error(unsupported, 400, "unsupported_grant_type")
    repeated = hub.client.post(
        "/oauth/token",
        content="grant_type=refresh_token&refresh_token=a&refresh_token=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=("gz-city", secret),
    )
    assert_oauth_error(repeated, 400, "invalid_request")
    not_allowed = token_request(hub.client, {"grant_type": "client_credentials"}, secret)
    assert_oauth_error(not_allowed, 400, "unauthorized_client")
    no_token = token_request(hub.client, {"grant_type": "refresh_token"}, secret)
    assert_oauth_error(no_token, 400, "invalid_request")
    bad_refresh = token_request(
        hub.client, {"grant_type": "refresh_token", "refresh_token": "nope"}, secret
    )
    assert_oauth_error(bad_refresh, 400, "invalid_grant")
    assert state(hub.db) == before


def test_expired_refresh_token(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    verifier, challenge = pkce()
    with shifted_clock() as shift:
        tokens = exchange(hub.client, get_code(hub.client, (verifier, challenge)), verifier, secret)
        before = state(hub.db)
        shift.seconds = hub.settings.refresh_token_seconds + 1
        refused = token_request(
            hub.client,
            {"grant_type": "refresh_token", "refresh_token": tokens.json()["refresh_token"]},
            secret,
        )
        assert_oauth_error(refused, 400, "invalid_grant")
    assert state(hub.db) == before


# --- access tokens presented to the hub's API ----------------------------------------------


def _bearer_error(hub: Hub, token: str) -> dict[str, Any]:
    hub.client.cookies.clear()
    response = hub.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message_zh"])
    return error


def test_bad_access_tokens_are_refused_by_the_api(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    verifier, challenge = pkce()
    tokens = exchange(hub.client, get_code(hub.client, (verifier, challenge)), verifier, secret)
    access: str = tokens.json()["access_token"]
    claims = verifier_for(hub.client).verify_access_token(access)
    header = jwt.get_unverified_header(access)
    before = state(hub.db)

    forger = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(claims, forger, algorithm="ES256", headers=header)
    assert _bearer_error(hub, forged)["code"] == "bad_signature"

    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": header["kid"]})
    assert _bearer_error(hub, unsigned)["code"] == "unsupported_algorithm"

    unknown_kid = jwt.encode(claims, forger, algorithm="ES256", headers={**header, "kid": "k0"})
    assert _bearer_error(hub, unknown_kid)["code"] == "unknown_key"

    id_token = tokens.json()["id_token"]  # an ID token is not an access token
    assert _bearer_error(hub, id_token)["code"] == "wrong_token_type"

    with shifted_clock() as shift:
        shift.seconds = hub.settings.access_token_seconds + 31
        assert _bearer_error(hub, access)["code"] == "token_expired"
    assert state(hub.db) == before


def test_wrong_audience(hub: Hub) -> None:
    secret = register(hub.db, hub.settings, audiences=(CITY_AUDIENCE,))
    login(hub.client, hub.username)
    verifier, challenge = pkce()
    tokens = exchange(hub.client, get_code(hub.client, (verifier, challenge)), verifier, secret)
    access = tokens.json()["access_token"]
    assert verifier_for(hub.client, CITY_AUDIENCE).verify_access_token(access)
    assert _bearer_error(hub, access)["code"] == "wrong_audience"  # not for the hub's API
    with pytest.raises(InvalidToken) as err:
        verifier_for(hub.client, "urn:singlewindow:node:SZ").verify_access_token(access)
    assert err.value.code == "wrong_audience"
    assert HUB_AUDIENCE not in jwt.decode(access, options={"verify_signature": False})["aud"]


def test_token_for_an_organisation_unknown_or_deactivated_here(signed_in: tuple[Hub, str]) -> None:
    hub, secret = signed_in
    verifier, challenge = pkce()
    access = exchange(
        hub.client, get_code(hub.client, (verifier, challenge)), verifier, secret
    ).json()["access_token"]
    from singlewindow.parties.models import Party

    with hub.db.unit_of_work() as session:
        party = session.scalars(select(Party).where(Party.code == hub.org)).one()
        party.active = False
    with hub.db.read_only() as session, pytest.raises(Forbidden) as err:
        principal_for_access_token(session, access, hub.settings)
    assert err.value.code == "party_inactive"


def test_a_city_node_is_not_the_provider(tmp_path: Path, database_url: str, db: Database) -> None:
    from fastapi.testclient import TestClient

    from singlewindow.app import create_app

    settings = hub_settings(tmp_path, database_url, node_role="city", node_code="GZ")
    with TestClient(create_app(settings, db)) as client:
        for method, path in [
            ("GET", "/.well-known/openid-configuration"),
            ("GET", "/oauth/jwks"),
            ("GET", "/oauth/authorize?client_id=gz-city"),
            ("POST", "/oauth/token"),
            ("POST", "/oauth/revoke"),
            ("GET", "/oauth/userinfo"),
        ]:
            response = client.request(method, path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_identity_provider"
            assert response.json()["error"]["message_zh"]
    assert state(db)["keys"] == 0
