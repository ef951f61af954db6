"""Who is calling: bearer API keys resolved to a ``Principal``.

This is the seam the identity context (OIDC, users, roles) replaces later: every route asks
for a ``Principal`` and never looks at credentials itself.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.identity.roles import API_KEY_ROLES
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Forbidden, Unauthenticated
from singlewindow.kit.http import DbSession
from singlewindow.parties.models import ApiKey, Party
from singlewindow.parties.schemas import PartyKind
from singlewindow.parties.service import TOKEN_PREFIX, hash_secret


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller, acting as one party."""

    party_id: str
    party_code: str
    kind: PartyKind
    agency_type: str | None
    uscc: str | None
    customs_code: str | None
    key_id: str | None
    user_id: str | None = None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    city: str | None = None
    via: str = "api_key"  # api_key | token | session

    @property
    def is_operator(self) -> bool:
        return self.kind == PartyKind.platform

    @property
    def is_agency(self) -> bool:
        return self.kind in (PartyKind.agency, PartyKind.port_operator)


_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer sw_...`")


def _unauthenticated(reason: str, reason_zh: str) -> Unauthenticated:
    return Unauthenticated(reason, reason_zh)


def principal_for_token(session: Session, token: str) -> Principal:
    if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
        raise _unauthenticated("Malformed API key", "API 密钥格式错误")
    prefix, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    row = session.execute(
        select(ApiKey, Party)
        .join(Party, Party.id == ApiKey.party_id)
        .where(ApiKey.prefix == prefix)
    ).first()
    if row is None:
        raise _unauthenticated("Unknown API key", "API 密钥无效")
    key, party = row
    if not hmac.compare_digest(key.secret_sha256, hash_secret(secret)):
        raise _unauthenticated("Unknown API key", "API 密钥无效")
    now = clock.now()
    if key.revoked_at is not None:
        raise _unauthenticated("API key revoked", "API 密钥已吊销")
    if key.expires_at is not None and key.expires_at <= now:
        raise _unauthenticated("API key expired", "API 密钥已过期")
    if not party.active:
        raise Forbidden("Party is deactivated", "该主体已停用", code="party_inactive")
    return Principal(
        party_id=party.id,
        party_code=party.code,
        kind=PartyKind(party.kind),
        agency_type=party.agency_type,
        uscc=party.uscc,
        customs_code=party.customs_code,
        key_id=key.id,
        roles=frozenset(r.value for r in API_KEY_ROLES[PartyKind(party.kind)]),
        scopes=frozenset(str(s) for s in key.scopes or ()),
        city=(party.attrs or {}).get("city"),
    )


def require_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthenticated("Missing bearer API key", "缺少 Bearer API 密钥")
    principal = principal_for_token(session, credentials.credentials)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_kind(principal: Principal, *kinds: PartyKind) -> None:
    if principal.kind not in kinds:
        allowed = ", ".join(k.value for k in kinds)
        raise Forbidden(
            f"This action needs a party of kind: {allowed}",
            f"此操作需要以下类型的主体：{allowed}",
            code="wrong_party_kind",
        )


def require_operator(principal: CurrentPrincipal) -> Principal:
    require_kind(principal, PartyKind.platform)
    return principal


OperatorPrincipal = Annotated[Principal, Depends(require_operator)]


def detached_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Authenticates in its own short read, returning the connection to the pool at once.

    For async routes that wait (long-poll, server-sent events) or hand their work to a thread
    with its own transaction (submission): holding the request session's connection there
    would take two pool connections per request and starve the pool under load.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthenticated("Missing bearer API key", "缺少 Bearer API 密钥")
    db: Database = request.app.state.db
    with db.read_only() as session:
        principal = principal_for_token(session, credentials.credentials)
    request.state.principal = principal
    return principal


DetachedPrincipal = Annotated[Principal, Depends(detached_principal)]
