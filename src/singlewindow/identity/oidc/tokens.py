"""Signed tokens: issuing access and ID tokens, and turning an access token into a Principal.

Access tokens (RFC 9068 profile, header ``typ: at+jwt``) carry ``iss, sub, aud, exp, iat, nbf,
jti, scope, client_id`` and the platform claims ``org`` (the party code), ``roles``, ``city``
and, for tokens from a user's grant, ``gid`` (the grant, so the hub can honour revocation).
``aud`` lists the resource identifiers registered for the client (see ``config.node_audience``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.identity.oidc import keys
from singlewindow.identity.oidc.config import (
    hub_jwks_url,
    is_provider,
    issuer,
    leeway_seconds,
    node_audience,
)
from singlewindow.identity.oidc.models import OAuthGrant
from singlewindow.identity.oidc.verify import (
    ACCESS_TOKEN_TYPE,
    ALGORITHM,
    ID_TOKEN_TYPE,
    InvalidToken,
    TokenVerifier,
    verify_jwt,
)
from singlewindow.identity.roles import allowed_for
from singlewindow.kit import clock
from singlewindow.kit.errors import Forbidden
from singlewindow.kit.settings import Settings
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import PartyKind

if TYPE_CHECKING:  # parties.auth imports this module: import it lazily at run time
    from singlewindow.parties.auth import Principal


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a token speaks for: a user of an organisation, or a client acting for one."""

    sub: str
    org: str | None
    roles: frozenset[str] = frozenset()
    city: str | None = None
    profile: Mapping[str, Any] = field(default_factory=dict)


def _audience_claim(audiences: list[str]) -> str | list[str]:
    return audiences[0] if len(audiences) == 1 else list(audiences)


def _encode(claims: dict[str, Any], key: keys.ActiveKey, typ: str) -> str:
    return jwt.encode(
        claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": typ}
    )


def issue_access_token(
    session: Session,
    settings: Settings,
    *,
    client_id: str,
    audiences: list[str],
    subject: Subject,
    scope: list[str],
    grant_id: str | None,
    key: keys.ActiveKey | None = None,
) -> tuple[str, int]:
    """Returns the signed token and its lifetime in seconds."""
    now = clock.now()
    lifetime = settings.access_token_seconds
    claims: dict[str, Any] = {
        "iss": issuer(settings),
        "sub": subject.sub,
        "aud": _audience_claim(audiences),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=lifetime)).timestamp()),
        "jti": secrets.token_urlsafe(16),
        "client_id": client_id,
        "scope": " ".join(scope),
        "roles": sorted(subject.roles),
    }
    if subject.org is not None:
        claims["org"] = subject.org
    if subject.city is not None:
        claims["city"] = subject.city
    if grant_id is not None:
        claims["gid"] = grant_id
    key = key or keys.active_key(session, settings)
    return _encode(claims, key, ACCESS_TOKEN_TYPE), lifetime


def issue_id_token(
    session: Session,
    settings: Settings,
    *,
    client_id: str,
    subject: Subject,
    scope: list[str],
    auth_time: datetime,
    amr: list[str],
    nonce: str | None,
    key: keys.ActiveKey | None = None,
) -> str:
    now = clock.now()
    claims: dict[str, Any] = {
        "iss": issuer(settings),
        "sub": subject.sub,
        "aud": client_id,
        "azp": client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.access_token_seconds)).timestamp()),
        "auth_time": int(auth_time.timestamp()),
        "amr": list(amr),
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if "profile" in scope:
        claims.update(subject.profile)
        claims["roles"] = sorted(subject.roles)
        if subject.org is not None:
            claims["org"] = subject.org
        if subject.city is not None:
            claims["city"] = subject.city
    return _encode(claims, key or keys.active_key(session, settings), ID_TOKEN_TYPE)


# --- verification -------------------------------------------------------------------------

_verifiers: dict[tuple[str, str, str, int], TokenVerifier] = {}


def hub_verifier(settings: Settings) -> TokenVerifier:
    """The process-wide verifier of a city node (JWKS fetched from the hub and cached)."""
    cache_key = (
        issuer(settings),
        hub_jwks_url(settings),
        node_audience(settings),
        leeway_seconds(settings),
    )
    verifier = _verifiers.get(cache_key)
    if verifier is None:
        verifier = TokenVerifier(
            cache_key[0],
            jwks_url=cache_key[1],
            audience=cache_key[2],
            leeway=cache_key[3],
        )
        _verifiers[cache_key] = verifier
    return verifier


def verify_locally(
    session: Session, token: str, settings: Settings, *, audience: str | None
) -> dict[str, Any]:
    """Verifies one of this hub's access tokens with its own key table (no HTTP), and that
    its grant has not been revoked. ``audience`` None: any audience (userinfo, revocation)."""
    claims = verify_jwt(
        token,
        lambda kid: keys.published_key(session, kid),
        issuer=issuer(settings),
        audience=audience,
        leeway=leeway_seconds(settings),
        token_type=ACCESS_TOKEN_TYPE,
    )
    gid = claims.get("gid")
    if gid is not None:
        grant = session.get(OAuthGrant, str(gid))
        if grant is None or grant.revoked_at is not None:
            raise InvalidToken("Token has been revoked", "令牌已被吊销", code="token_revoked")
    return claims


def principal_for_access_token(session: Session, token: str, settings: Settings) -> Principal:
    """The caller behind a bearer access token issued by the hub.

    On the hub (``node_role`` province) the token is checked against the local key table
    and grant revocations; on a city node against the hub's JWKS (``SW_OIDC_JWKS_URL``, by
    default ``<issuer>/oauth/jwks``). Either way ``aud`` must name this node
    (``config.node_audience``). Raises ``InvalidToken`` (401) or ``Forbidden`` (403).
    """
    if is_provider(settings):
        claims = verify_locally(session, token, settings, audience=node_audience(settings))
    else:
        claims = hub_verifier(settings).verify_access_token(token)
    return principal_from_claims(session, claims, check_user=is_provider(settings))


def principal_from_claims(
    session: Session, claims: Mapping[str, Any], *, check_user: bool = False
) -> Principal:
    from singlewindow.parties.auth import Principal

    org = claims.get("org")
    if not isinstance(org, str) or not org:
        raise InvalidToken(
            "Token names no organisation", "令牌未指明所属单位", code="token_without_org"
        )
    party = session.scalar(select(Party).where(Party.code == org))
    if party is None:
        raise Forbidden(
            f"Organisation {org} is not known on this node",
            f"本节点未登记单位 {org}",
            code="unknown_party",
        )
    if not party.active:
        raise Forbidden("Party is deactivated", "该主体已停用", code="party_inactive")
    kind = PartyKind(party.kind)
    sub = str(claims["sub"])
    is_user = sub != claims.get("client_id")
    if is_user and check_user:
        _check_user_active(session, sub)
    allowed = {role.value for role in allowed_for(kind)}
    raw_roles = claims.get("roles")
    roles = frozenset(
        r for r in (raw_roles if isinstance(raw_roles, list) else []) if str(r) in allowed
    )
    scope = claims.get("scope")
    city = claims.get("city")
    return Principal(
        party_id=party.id,
        party_code=party.code,
        kind=kind,
        agency_type=party.agency_type,
        uscc=party.uscc,
        customs_code=party.customs_code,
        key_id=None,
        user_id=sub if is_user else None,
        roles=frozenset(str(r) for r in roles),
        scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
        city=city if isinstance(city, str) else None,
        via="token",
    )


def _check_user_active(session: Session, user_id: str) -> None:
    from singlewindow.identity.models import User

    active = session.scalar(select(User.active).where(User.id == user_id))
    if not active:
        raise InvalidToken("User is deactivated", "用户已停用", code="user_inactive")
