"""Helpers for the OpenID provider tests: a hub app, an organisation, a user, a client, PKCE."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr

from singlewindow.identity.oidc import clients as client_service
from singlewindow.identity.oidc.rules import ClientType, GrantType
from singlewindow.identity.oidc.verify import TokenVerifier
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import AgencyType, PartyIn, PartyKind
from tests.identity.support import PASSWORD, make_user, totp_code

ISSUER = "http://testserver"
HUB_AUDIENCE = "urn:singlewindow:node:GD"
CITY_AUDIENCE = "urn:singlewindow:node:GZ"
ORG_USCC = "91440300MA5EXAMP1F"
REDIRECT = "https://city.example.test/callback"


class ClockShift:
    """The platform clock = real time + ``seconds`` (tokens, keys and codes all use it)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.seconds)


@contextmanager
def shifted_clock() -> Iterator[ClockShift]:
    shift = ClockShift()
    clock.set_clock(shift)
    try:
        yield shift
    finally:
        clock.reset_clock()


def hub_settings(tmp_path: Path, database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "database_url": database_url,
        "run_workers": False,
        "run_simulator": False,
        "cookie_secure": False,  # the test client speaks plain http
        "issuer_url": ISSUER,
        "secret_key": SecretStr("oidc-test-node-secret-0123456789"),
    }
    values.update(extra)
    return Settings(**values)


@dataclass
class Hub:
    client: TestClient
    db: Database
    settings: Settings
    org: str
    user_id: str
    username: str


@contextmanager
def running_hub(settings: Settings, db: Database) -> Iterator[Hub]:
    """The hub app with one enterprise and one declarant clerk who can sign in."""
    from singlewindow.app import create_app

    with db.unit_of_work() as session:
        party = parties.create_party(
            session,
            PartyIn(kind=PartyKind.enterprise, uscc=ORG_USCC, name_zh="深圳示例贸易有限公司"),
        )
        user_id = make_user(
            session, settings, org=party, username="clerk.li", roles=["declarant_clerk"]
        ).id
        org = party.code
    with TestClient(create_app(settings, db)) as client:
        yield Hub(client, db, settings, org, user_id, "clerk.li")


def make_agency(session: Any) -> str:
    party = parties.create_party(
        session,
        PartyIn(
            kind=PartyKind.agency,
            code="CUS5300",
            agency_type=AgencyType.customs,
            name_zh="深圳海关",
        ),
    )
    return party.code


def register(
    db: Database,
    settings: Settings,
    client_id: str = "gz-city",
    *,
    client_type: ClientType = ClientType.confidential,
    grants: tuple[GrantType, ...] = (GrantType.authorization_code, GrantType.refresh_token),
    scopes: tuple[str, ...] = ("openid", "profile", "declarations"),
    audiences: tuple[str, ...] = (CITY_AUDIENCE, HUB_AUDIENCE),
    redirect_uris: tuple[str, ...] = (REDIRECT,),
    party: str | None = None,
) -> str | None:
    """Registers a client; returns its secret (None for a public client)."""
    with db.unit_of_work() as session:
        _client, secret = client_service.create_client(
            session,
            client_service.ClientSpec(
                client_id=client_id,
                client_type=client_type,
                redirect_uris=list(redirect_uris),
                grant_types=list(grants),
                scopes=list(scopes),
                audiences=list(audiences),
                party_code=party,
            ),
            settings,
        )
    return secret


def login(client: TestClient, username: str, totp_seed: str | None = None) -> None:
    body: dict[str, Any] = {"username": username, "password": PASSWORD}
    if totp_seed:
        body["totp"] = totp_code(totp_seed)
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    assert client.cookies.get("sw_session")


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(challenge: str, **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": "gz-city",
        "redirect_uri": REDIRECT,
        "scope": "openid profile declarations",
        "state": "st-" + secrets.token_hex(4),
        "nonce": "n-" + secrets.token_hex(4),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def authorize(client: TestClient, params: dict[str, str], **headers: str) -> httpx.Response:
    return client.get(
        "/oauth/authorize?" + urlencode(params), headers=headers, follow_redirects=False
    )


def redirect_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(client: TestClient, verifier_challenge: tuple[str, str], **overrides: str) -> str:
    params = authorize_params(verifier_challenge[1], **overrides)
    query = redirect_query(authorize(client, params))
    assert query["state"] == params["state"]
    assert query["iss"] == ISSUER
    return query["code"]


def token_request(
    client: TestClient, data: dict[str, str], secret: str | None, client_id: str = "gz-city"
) -> httpx.Response:
    auth = (client_id, secret) if secret is not None else None
    return client.post("/oauth/token", data=data, auth=auth)


def exchange(
    client: TestClient, code: str, verifier: str, secret: str | None, client_id: str = "gz-city"
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    if secret is None:
        data["client_id"] = client_id
    return token_request(client, data, secret, client_id)


def verifier_for(client: TestClient, audience: str = CITY_AUDIENCE) -> TokenVerifier:
    """What a city platform does: verify with the hub's published JWKS, no other call."""
    return TokenVerifier(ISSUER, jwks=client.get("/oauth/jwks").json(), audience=audience)


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    assert body["error_description"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error_description_zh"]), body
    return body
