"""Signing-key rotation without downtime, keys sealed at rest, and the ``oidc`` CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from singlewindow.cli.main import app as cli
from singlewindow.identity.oidc import keys
from singlewindow.identity.oidc.models import SigningKey
from singlewindow.identity.oidc.sealing import SealingError, unseal
from singlewindow.identity.oidc.tokens import principal_for_access_token
from singlewindow.identity.oidc.verify import InvalidToken, TokenVerifier
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Conflict
from singlewindow.kit.settings import get_settings
from singlewindow.parties.schemas import PartyKind
from tests.identity.oidc_support import (
    CITY_AUDIENCE,
    ISSUER,
    ORG_USCC,
    ClockShift,
    Hub,
    exchange,
    get_code,
    hub_settings,
    login,
    pkce,
    register,
    running_hub,
    shifted_clock,
)
from tests.identity.support import make_party


@pytest.fixture
def hub(tmp_path: Path, database_url: str, db: Database) -> Iterator[Hub]:
    with running_hub(hub_settings(tmp_path, database_url), db) as running:
        yield running


@pytest.fixture
def shift() -> Iterator[ClockShift]:
    with shifted_clock() as moved:
        yield moved


def _token(hub: Hub, secret: str | None) -> str:
    pair = pkce()
    response = exchange(hub.client, get_code(hub.client, pair), pair[0], secret)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def _published(hub: Hub) -> list[str]:
    return [k["kid"] for k in hub.client.get("/oauth/jwks").json()["keys"]]


def _accepted_by_hub(hub: Hub, token: str) -> bool:
    refusal = None
    try:
        with hub.db.read_only() as session:
            principal_for_access_token(session, token, hub.settings)
    except InvalidToken as exc:
        refusal = exc.code
    assert refusal in (None, "unknown_key"), refusal
    return refusal is None


def _city(hub: Hub) -> TokenVerifier:
    return TokenVerifier(ISSUER, jwks=hub.client.get("/oauth/jwks").json(), audience=CITY_AUDIENCE)


def test_rotation_with_grace_period(hub: Hub, shift: ClockShift) -> None:
    secret = register(hub.db, hub.settings)
    login(hub.client, hub.username)
    lifetime = hub.settings.access_token_seconds
    old_token = _token(hub, secret)
    old = _kid(old_token)
    with hub.db.unit_of_work() as session:
        new = keys.rotate(session, hub.settings, grace=timedelta(seconds=900)).kid
    # The next key is published at once, but the old one still signs.
    assert _published(hub) == [old, new]
    shift.seconds = 890
    late_old_token = _token(hub, secret)
    assert _kid(late_old_token) == old

    # After the grace period the next key signs; the old one is retired but still published.
    shift.seconds = 901
    new_token = _token(hub, secret)
    assert _kid(new_token) == new
    assert _published(hub) == [old, new]
    with hub.db.read_only() as session:
        retired = session.scalars(select(SigningKey).where(SigningKey.kid == old)).one()
        assert retired.state == "retired"
        assert retired.private_key_sealed is None  # it never signs again
    assert _accepted_by_hub(hub, late_old_token)
    assert _city(hub).verify_access_token(late_old_token)["sub"] == hub.user_id

    # Once the longest-lived token it signed has expired, the old key is withdrawn.
    shift.seconds = 901 + lifetime + 31
    assert _published(hub) == [new]
    assert not _accepted_by_hub(hub, late_old_token)
    with pytest.raises(InvalidToken) as err:
        _city(hub).verify_access_token(late_old_token)
    assert err.value.code == "unknown_key"
    assert _accepted_by_hub(hub, _token(hub, secret))


def test_rotate_now_keeps_old_tokens_valid(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    login(hub.client, hub.username)
    before = _token(hub, secret)
    with hub.db.unit_of_work() as session:
        key = keys.rotate(session, hub.settings, now=True)
        assert key.state == "active"
    after = _token(hub, secret)
    assert _kid(after) == key.kid != _kid(before)
    assert _accepted_by_hub(hub, before)
    assert _accepted_by_hub(hub, after)
    city = _city(hub)
    assert city.verify_access_token(before)
    assert city.verify_access_token(after)


def test_one_pending_rotation_at_a_time(hub: Hub) -> None:
    with hub.db.unit_of_work() as session:
        keys.rotate(session, hub.settings)
    with hub.db.unit_of_work() as session, pytest.raises(Conflict) as err:
        keys.rotate(session, hub.settings)
    assert err.value.code == "rotation_pending"
    assert err.value.message_zh
    with hub.db.read_only() as session:
        states = sorted(session.scalars(select(SigningKey.state)))
    assert states == ["active", "next"]


def test_emergency_revocation(hub: Hub) -> None:
    secret = register(hub.db, hub.settings)
    login(hub.client, hub.username)
    token = _token(hub, secret)
    with hub.db.unit_of_work() as session:
        keys.revoke(session, hub.settings, _kid(token))
    assert _kid(token) not in _published(hub)
    assert not _accepted_by_hub(hub, token)
    replacement = _token(hub, secret)
    assert _kid(replacement) != _kid(token)
    assert _accepted_by_hub(hub, replacement)


def test_private_keys_are_sealed(hub: Hub, tmp_path: Path, database_url: str) -> None:
    hub.client.get("/oauth/jwks")
    with hub.db.read_only() as session:
        key = session.scalars(select(SigningKey).where(SigningKey.state == "active")).one()
        kid, sealed = key.kid, key.private_key_sealed
    assert sealed is not None
    der = unseal(sealed, kid=kid, settings=hub.settings)
    assert der not in sealed
    other = hub_settings(tmp_path, database_url, secret_key=SecretStr("another-node-secret-xyz"))
    with pytest.raises(SealingError):
        unseal(sealed, kid=kid, settings=other)
    with pytest.raises(SealingError):
        unseal(sealed, kid="another-kid", settings=hub.settings)


# --- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "SW_DATA_DIR": str(tmp_path / "var"),
        "SW_DATABASE_URL": database_url,
        "SW_SECRET_KEY": "oidc-cli-test-node-secret-0123",
        "COLUMNS": "200",
    }


def invoke(env: dict[str, str], *args: str) -> Any:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        get_settings.cache_clear()


def test_cli_keys(env: dict[str, str]) -> None:
    listed = invoke(env, "oidc", "keys", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (first,) = json.loads(listed.stdout)
    assert first["state"] == "active"

    rotated = invoke(env, "oidc", "keys", "rotate", "--grace-seconds", "60", "--json")
    assert rotated.exit_code == 0, rotated.output
    assert json.loads(rotated.stdout)["state"] == "next"
    again = invoke(env, "oidc", "keys", "rotate")
    assert again.exit_code == 2
    assert "已在等待启用" in again.output

    now = invoke(env, "oidc", "keys", "rotate", "--now", "--json")
    assert now.exit_code == 0, now.output
    states = {
        k["kid"]: k["state"]
        for k in json.loads(invoke(env, "oidc", "keys", "list", "--json").stdout)
    }
    assert states == {first["kid"]: "retired", json.loads(now.stdout)["kid"]: "active"}

    assert invoke(env, "oidc", "keys", "revoke", "no-such-kid").exit_code == 2


def test_cli_clients(env: dict[str, str], db: Database) -> None:
    with db.unit_of_work() as session:
        make_party(session, PartyKind.enterprise, uscc=ORG_USCC)
    created = invoke(
        env,
        "oidc", "client", "create",
        "--client-id", "gz-city",
        "--type", "confidential",
        "--redirect-uri", "https://gz.example.test/callback",
        "--grant", "authorization_code", "--grant", "refresh_token",
        "--scope", "openid", "--scope", "profile",
        "--audience", CITY_AUDIENCE,
        "--party", ORG_USCC,
        "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    out = json.loads(created.stdout)
    assert len(out["client_secret"]) >= 40
    assert out["audiences"] == [CITY_AUDIENCE]
    assert out["party"] == ORG_USCC

    public = invoke(
        env,
        "oidc", "client", "create",
        "--client-id", "gz-spa", "--type", "public",
        "--redirect-uri", "http://127.0.0.1:9000/cb", "--json",
    )  # fmt: skip
    assert public.exit_code == 0, public.output
    assert json.loads(public.stdout)["client_secret"] is None
    assert json.loads(public.stdout)["scopes"] == ["openid", "profile"]

    bad = invoke(
        env,
        "oidc", "client", "create",
        "--client-id", "bad", "--type", "public",
        "--redirect-uri", "https://x.example.test/cb#frag",
        "--grant", "client_credentials",
    )  # fmt: skip
    assert bad.exit_code == 2
    assert "回调地址" in bad.output
    assert "公开客户端" in bad.output
    duplicate = invoke(
        env,
        "oidc", "client", "create",
        "--client-id", "gz-city", "--type", "public",
        "--redirect-uri", "https://gz.example.test/callback",
    )  # fmt: skip
    assert duplicate.exit_code == 2

    listed = json.loads(invoke(env, "oidc", "client", "list", "--json").stdout)
    assert [c["client_id"] for c in listed] == ["gz-city", "gz-spa"]
    for shown in listed:
        assert "secret" not in str(shown)  # neither the secret nor its hash is listed

    assert invoke(env, "oidc", "client", "delete", "gz-spa").exit_code == 0
    assert invoke(env, "oidc", "client", "delete", "gz-spa").exit_code == 2
    listed = json.loads(invoke(env, "oidc", "client", "list", "--json").stdout)
    assert [c["client_id"] for c in listed] == ["gz-city"]
