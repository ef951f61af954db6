"""The hub as OpenID provider, through HTTP, on SQLite and PostgreSQL: discovery, JWKS, the
authorization code flow with PKCE, client credentials, refresh rotation, userinfo, revocation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from singlewindow.identity.models import User
from singlewindow.identity.oidc.models import OAuthGrant, RefreshToken
from singlewindow.identity.oidc.rules import ClientType, GrantType
from singlewindow.identity.oidc.tokens import principal_for_access_token
from singlewindow.identity.oidc.verify import InvalidToken
from singlewindow.kit.db import Database
from tests.identity.oidc_support import (
    CITY_AUDIENCE,
    HUB_AUDIENCE,
    ISSUER,
    Hub,
    assert_oauth_error,
    exchange,
    get_code,
    hub_settings,
    login,
    make_agency,
    pkce,
    register,
    running_hub,
    token_request,
    verifier_for,
)
from tests.identity.support import make_user


@pytest.fixture
def hub(tmp_path: Path, database_url: str, db: Database) -> Iterator[Hub]:
    with running_hub(hub_settings(tmp_path, database_url), db) as running:
        yield running


def _signed_in_tokens(hub: Hub, secret: str | None) -> dict[str, str]:
    login(hub.client, hub.username)
    pair = pkce()
    response = exchange(hub.client, get_code(hub.client, pair), pair[0], secret)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def test_discovery_and_jwks(hub: Hub) -> None:
    meta = hub.client.get("/.well-known/openid-configuration").json()
    assert meta["issuer"] == ISSUER
    assert meta["jwks_uri"] == f"{ISSUER}/oauth/jwks"
    assert meta["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert meta["authorization_endpoint"] == f"{ISSUER}/oauth/authorize"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["ES256"]
    assert "client_credentials" in meta["grant_types_supported"]

    response = hub.client.get("/oauth/jwks")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    keys = response.json()["keys"]
    assert len(keys) == 1
    (jwk,) = keys
    assert {jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]} == {"EC", "P-256", "ES256", "sig"}
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "use", "alg"}  # never "d"
    assert hub.client.get("/oauth/jwks").json()["keys"] == keys  # stable, created once


def test_code_flow_with_pkce(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    login(hub.client, hub.username)
    verifier, challenge = pkce()
    code = get_code(hub.client, (verifier, challenge), nonce="nonce-123")
    response = exchange(hub.client, code, verifier, secret)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == hub.settings.access_token_seconds
    assert body["scope"] == "openid profile declarations"
    assert body["refresh_token"]

    verifier_ = verifier_for(hub.client)
    id_claims = verifier_.verify_id_token(body["id_token"], client_id="gz-city", nonce="nonce-123")
    assert id_claims["sub"] == hub.user_id
    assert id_claims["aud"] == "gz-city"
    assert id_claims["amr"] == ["pwd"]
    assert id_claims["preferred_username"] == hub.username
    assert id_claims["org"] == hub.org
    assert isinstance(id_claims["auth_time"], int)

    access = verifier_.verify_access_token(body["access_token"])
    assert access["sub"] == hub.user_id
    assert access["client_id"] == "gz-city"
    assert access["org"] == hub.org
    assert access["roles"] == ["declarant_clerk"]
    assert access["scope"] == "openid profile declarations"
    assert access["aud"] == [CITY_AUDIENCE, HUB_AUDIENCE]
    assert access["city"] == "440300"
    assert {"iat", "nbf", "exp", "jti", "gid"} <= set(access)

    # The hub accepts it for its own API (its audience is in the token)...
    with hub.db.unit_of_work() as session:
        principal = principal_for_access_token(session, body["access_token"], hub.settings)
    assert (principal.user_id, principal.party_code, principal.via) == (
        hub.user_id,
        hub.org,
        "token",
    )
    assert principal.roles == frozenset({"declarant_clerk"})
    assert principal.scopes == frozenset({"openid", "profile", "declarations"})
    # ... and through the platform's normal bearer authentication.
    hub.client.cookies.clear()  # the bearer token alone, no portal session
    me = hub.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["user"]["id"] == hub.user_id
    assert me.json()["via"] == "token"

    info = hub.client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == hub.user_id
    assert info.json()["preferred_username"] == hub.username
    assert info.json()["roles"] == ["declarant_clerk"]


def test_second_factor_is_reported_in_amr(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    with hub.db.unit_of_work() as session:
        agency = make_agency(session)
        officer = make_user(
            session, hub.settings, org=agency, username="officer.wu", roles=["agency_officer"]
        )
    assert officer.totp_secret is not None
    login(hub.client, "officer.wu", officer.totp_secret)
    pair = pkce()
    body = exchange(hub.client, get_code(hub.client, pair), pair[0], secret).json()
    claims = verifier_for(hub.client).verify_id_token(body["id_token"], client_id="gz-city")
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["sub"] == officer.id
    access = verifier_for(hub.client).verify_access_token(body["access_token"])
    assert access["roles"] == ["agency_officer"]
    assert access["org"] == agency


def test_public_client_with_pkce_only(hub: Hub) -> None:
    assert register(hub.db, hub.settings, "gz-spa", client_type=ClientType.public) is None
    login(hub.client, hub.username)
    pair = pkce()
    code = get_code(hub.client, pair, client_id="gz-spa")
    response = exchange(hub.client, code, pair[0], None, client_id="gz-spa")
    assert response.status_code == 200, response.text
    assert verifier_for(hub.client).verify_id_token(response.json()["id_token"], client_id="gz-spa")


def test_client_secret_post(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    assert secret is not None
    login(hub.client, hub.username)
    pair = pkce()
    code = get_code(hub.client, pair)
    response = hub.client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://city.example.test/callback",
            "code_verifier": pair[0],
            "client_id": "gz-city",
            "client_secret": secret,
        },
    )
    assert response.status_code == 200, response.text


def test_client_credentials(hub: Hub) -> None:
    secret = register(
        hub.db,
        hub.settings,
        "broker-system",
        grants=(GrantType.client_credentials,),
        scopes=("declarations", "query"),
        audiences=(HUB_AUDIENCE,),
        redirect_uris=(),
        party=hub.org,
    )
    for auth in ("basic", "post"):
        data = {"grant_type": "client_credentials", "scope": "declarations"}
        if auth == "post":
            data |= {"client_id": "broker-system", "client_secret": str(secret)}
            response = token_request(hub.client, data, None)
        else:
            response = token_request(hub.client, data, secret, "broker-system")
        assert response.status_code == 200, response.text
        body = response.json()
        assert "refresh_token" not in body
        assert "id_token" not in body
        claims = verifier_for(hub.client, HUB_AUDIENCE).verify_access_token(body["access_token"])
        assert claims["sub"] == "broker-system"
        assert claims["org"] == hub.org
        assert claims["scope"] == "declarations"
        assert claims["roles"] == ["declarant_clerk"]
        assert "gid" not in claims
    default = token_request(
        hub.client, {"grant_type": "client_credentials"}, secret, "broker-system"
    )
    assert default.json()["scope"] == "declarations query"
    with hub.db.unit_of_work() as session:
        principal = principal_for_access_token(
            session, default.json()["access_token"], hub.settings
        )
    assert principal.user_id is None
    assert principal.party_code == hub.org
    assert principal.scopes == frozenset({"declarations", "query"})

    for scope in ("openid", "declarations admin"):
        refused = token_request(
            hub.client,
            {"grant_type": "client_credentials", "scope": scope},
            secret,
            "broker-system",
        )
        assert_oauth_error(refused, 400, "invalid_scope")


def _family(db: Database) -> tuple[int, int, int]:
    """(grants, refresh tokens, revoked refresh tokens)."""
    with db.read_only() as session:
        return (
            session.scalar(select(func.count()).select_from(OAuthGrant)) or 0,
            session.scalar(select(func.count()).select_from(RefreshToken)) or 0,
            session.scalar(
                select(func.count())
                .select_from(RefreshToken)
                .where(RefreshToken.revoked_at.is_not(None))
            )
            or 0,
        )


def test_refresh_rotates_and_reuse_revokes_the_family(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    first = _signed_in_tokens(hub, secret)
    rotated = token_request(
        hub.client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, secret
    )
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    claims = verifier_for(hub.client).verify_id_token(second["id_token"], client_id="gz-city")
    assert claims["sub"] == hub.user_id
    assert _family(hub.db) == (1, 2, 0)

    # Narrowing the scope is allowed; widening it is not, and changes nothing.
    wider = token_request(
        hub.client,
        {
            "grant_type": "refresh_token",
            "refresh_token": second["refresh_token"],
            "scope": "openid admin",
        },
        secret,
    )
    assert_oauth_error(wider, 400, "invalid_scope")
    assert _family(hub.db) == (1, 2, 0)

    # The first token again: somebody replayed it. The whole family dies.
    replay = token_request(
        hub.client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, secret
    )
    assert_oauth_error(replay, 400, "invalid_grant")
    assert _family(hub.db) == (1, 2, 2)
    after = token_request(
        hub.client,
        {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        secret,
    )
    assert_oauth_error(after, 400, "invalid_grant")
    with hub.db.unit_of_work() as session, pytest.raises(InvalidToken) as err:
        principal_for_access_token(session, second["access_token"], hub.settings)
    assert err.value.code == "token_revoked"
    info = hub.client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert info.status_code == 401
    assert 'error="invalid_token"' in info.headers["www-authenticate"]


def test_refresh_narrows_scope(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    first = _signed_in_tokens(hub, secret)
    narrowed = token_request(
        hub.client,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "scope": "declarations",
        },
        secret,
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "declarations"
    assert "id_token" not in narrowed.json()
    # The new refresh token keeps the original grant (RFC 6749 §6).
    again = token_request(
        hub.client,
        {"grant_type": "refresh_token", "refresh_token": narrowed.json()["refresh_token"]},
        secret,
    )
    assert again.json()["scope"] == "openid profile declarations"


def test_deactivated_user_gets_no_more_tokens(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    tokens = _signed_in_tokens(hub, secret)
    with hub.db.unit_of_work() as session:
        session.get_one(User, hub.user_id).active = False
    refused = token_request(
        hub.client,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        secret,
    )
    assert_oauth_error(refused, 400, "invalid_grant")
    with hub.db.unit_of_work() as session, pytest.raises(InvalidToken) as err:
        principal_for_access_token(session, tokens["access_token"], hub.settings)
    assert err.value.code == "user_inactive"


def test_revocation(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    tokens = _signed_in_tokens(hub, secret)
    # Unknown tokens answer 200 and change nothing (RFC 7009 §2.2).
    assert (
        hub.client.post(
            "/oauth/revoke", data={"token": "nope"}, auth=("gz-city", str(secret))
        ).status_code
        == 200
    )
    assert _family(hub.db) == (1, 1, 0)
    wrong = hub.client.post(
        "/oauth/revoke", data={"token": tokens["refresh_token"]}, auth=("gz-city", "wrong")
    )
    assert_oauth_error(wrong, 401, "invalid_client")
    assert _family(hub.db) == (1, 1, 0)

    revoked = hub.client.post(
        "/oauth/revoke", data={"token": tokens["access_token"]}, auth=("gz-city", str(secret))
    )
    assert revoked.status_code == 200
    assert _family(hub.db) == (1, 1, 1)
    refused = token_request(
        hub.client,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        secret,
    )
    assert_oauth_error(refused, 400, "invalid_grant")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    response = hub.client.get("/api/v1/auth/me", headers=bearer)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"
    assert response.json()["error"]["message_zh"]


def test_access_tokens_reach_only_their_api_areas(hub: Hub) -> None:
    secret = register(
        hub.db,
        hub.settings,
        "area-system",
        grants=(GrantType.client_credentials,),
        scopes=("declarations",),
        audiences=(HUB_AUDIENCE,),
        redirect_uris=(),
        party=hub.org,
    )
    response = token_request(
        hub.client, {"grant_type": "client_credentials"}, secret, "area-system"
    )
    assert response.status_code == 200, response.text
    bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert hub.client.get("/api/v1/declarations", headers=bearer).status_code == 200
    refused = hub.client.get("/api/v1/mandates", headers=bearer)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "scope_not_granted"
    assert refused.json()["error"]["message_zh"]
