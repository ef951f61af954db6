"""Who is calling: a ``Principal`` from an API key, an access token or a portal session.

Every route asks for a ``Principal`` and never looks at credentials itself. Accepted, in order:

1. ``Authorization: Bearer sw_...``: a party API key (the fast path: one indexed read);
2. any other bearer token: an OIDC access token, resolved by
   ``singlewindow.identity.oidc.tokens.principal_for_access_token`` (401 if unavailable);
3. no ``Authorization`` header but an ``sw_session`` cookie: a portal session
   (``identity.sessions``); POST/PUT/PATCH/DELETE then also need the session's CSRF token.
"""

from __future__ import annotations

import hmac
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from singlewindow.identity.cities import organisation_city
from singlewindow.identity.roles import API_KEY_ROLES, OPERATOR_ROLES, Role
from singlewindow.kit import clock
from singlewindow.kit.cache import TtlCache, invalidate_on_commit, invalidate_when_changed
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Forbidden, Unauthenticated
from singlewindow.kit.http import DbSession
from singlewindow.kit.settings import Settings
from singlewindow.parties.models import ApiKey, Party
from singlewindow.parties.schemas import PartyKind
from singlewindow.parties.service import TOKEN_PREFIX, hash_secret

SESSION_COOKIE = "sw_session"  # re-exported by identity.sessions
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ACCESS_TOKENS = "singlewindow.identity.oidc.tokens"


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


_bearer = HTTPBearer(
    auto_error=False,
    description="API key (`Authorization: Bearer sw_...`) or an OIDC access token; the portal "
    "uses the `sw_session` cookie instead",
)


def _unauthenticated(reason: str, reason_zh: str) -> Unauthenticated:
    return Unauthenticated(reason, reason_zh)


@dataclass(frozen=True, slots=True)
class _KeyState:
    """What authenticating an API key needs, kept per key prefix for a few seconds."""

    secret_sha256: str
    revoked: bool
    expires_at: datetime | None
    party_active: bool
    principal: Principal


# API keys by prefix (``kit.cache``): the key and party rows were read on every request. A
# revocation or deactivation by this process is seen at once (the ORM change, or an explicit
# ``forget_api_keys`` after a bulk update); by another process within the TTL.
API_KEYS: TtlCache[_KeyState] = TtlCache()
invalidate_when_changed(ApiKey, API_KEYS)
invalidate_when_changed(Party, API_KEYS)

_KEY_BY_PREFIX = (
    select(ApiKey, Party)
    .join(Party, Party.id == ApiKey.party_id)
    .where(ApiKey.prefix == bindparam("prefix"))
)


def forget_api_keys(session: Session) -> None:
    """After a bulk (Core) update of ``api_key`` or ``party`` rows: drop the cached keys now
    and when the transaction commits."""
    invalidate_on_commit(session, API_KEYS)


def _key_state(session: Session, prefix: str) -> _KeyState | None:
    row = session.execute(_KEY_BY_PREFIX, {"prefix": prefix}).first()
    if row is None:
        return None
    key, party = row
    return _KeyState(
        secret_sha256=key.secret_sha256,
        revoked=key.revoked_at is not None,
        expires_at=key.expires_at,
        party_active=party.active,
        principal=party_principal(party, key_id=key.id, scopes=key.scopes or ()),
    )


def principal_for_token(session: Session, token: str) -> Principal:
    if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
        raise _unauthenticated("Malformed API key", "API 密钥格式错误")
    prefix, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    state = API_KEYS.find_or_load(session, prefix, lambda: _key_state(session, prefix))
    if state is None:
        raise _unauthenticated("Unknown API key", "API 密钥无效")
    if not hmac.compare_digest(state.secret_sha256, hash_secret(secret)):
        raise _unauthenticated("Unknown API key", "API 密钥无效")
    if state.revoked:
        raise _unauthenticated("API key revoked", "API 密钥已吊销")
    if state.expires_at is not None and state.expires_at <= clock.now():
        raise _unauthenticated("API key expired", "API 密钥已过期")
    if not state.party_active:
        raise Forbidden("Party is deactivated", "该主体已停用", code="party_inactive")
    return state.principal


def party_principal(
    party: Party, *, key_id: str | None = None, scopes: Iterable[str] = ()
) -> Principal:
    """The principal of a party acting with its kind's API-key roles (an API key, or a local
    operator command acting for the party, such as a batch import)."""
    kind = PartyKind(party.kind)
    city = organisation_city(party)
    roles = API_KEY_ROLES[kind]
    if kind == PartyKind.platform and city is not None:
        roles = frozenset({Role.city_operator})  # a city platform's key acts for its city
    return Principal(
        party_id=party.id,
        party_code=party.code,
        kind=kind,
        agency_type=party.agency_type,
        uscc=party.uscc,
        customs_code=party.customs_code,
        key_id=key_id,
        roles=frozenset(r.value for r in roles),
        scopes=frozenset(str(s) for s in scopes),
        city=city,
    )


def _access_token_resolver() -> Callable[[Session, str, Settings], Principal] | None:
    try:
        module = importlib.import_module(_ACCESS_TOKENS)
    except ModuleNotFoundError as exc:
        if exc.name != _ACCESS_TOKENS:
            raise
        return None
    resolver = getattr(module, "principal_for_access_token", None)
    return cast(Callable[[Session, str, Settings], Principal] | None, resolver)


def principal_for_bearer(session: Session, token: str, settings: Settings) -> Principal:
    """An API key (``sw_...``) or, for any other token, an OIDC access token."""
    if token.startswith(TOKEN_PREFIX):
        return principal_for_token(session, token)
    resolver = _access_token_resolver()
    if resolver is None:
        raise _unauthenticated("Unsupported token", "不支持的令牌类型")
    return resolver(session, token, settings)


def _from_cookie(
    request: Request,
    session: Session,
    settings: Settings,
    token: str,
    submitted_csrf: str | None,
    allow_pending: bool,
) -> Principal:
    from singlewindow.identity.sessions import check_csrf, principal_for_session_token

    principal = principal_for_session_token(session, token, settings, allow_pending=allow_pending)
    if request.method in _UNSAFE_METHODS:
        check_csrf(request, token, settings, submitted_csrf)
    return principal


def _no_credentials(request: Request) -> Unauthenticated:
    if "authorization" in request.headers:
        return _unauthenticated(
            "Unsupported Authorization header: use `Bearer <API key or token>`",
            "不支持的 Authorization 请求头：请使用 `Bearer <API 密钥或令牌>`",
        )
    return _unauthenticated(
        "Missing credentials: a bearer API key or token, or a session cookie",
        "缺少认证信息：需要 Bearer API 密钥或令牌，或会话 Cookie",
    )


async def _submitted_csrf(request: Request) -> str | None:
    """The CSRF token of a cookie-authenticated unsafe request (None for everything else)."""
    if request.method not in _UNSAFE_METHODS or "authorization" in request.headers:
        return None
    if SESSION_COOKIE not in request.cookies:
        return None
    from singlewindow.identity.sessions import submitted_csrf_token

    return await submitted_csrf_token(request)


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
SubmittedCsrf = Annotated[str | None, Depends(_submitted_csrf)]


def _resolve(
    request: Request,
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    submitted_csrf: str | None,
    *,
    allow_pending: bool = False,
) -> Principal:
    settings: Settings = request.app.state.settings
    if credentials is not None:
        principal = principal_for_bearer(session, credentials.credentials, settings)
    elif "authorization" not in request.headers and (token := request.cookies.get(SESSION_COOKIE)):
        principal = _from_cookie(request, session, settings, token, submitted_csrf, allow_pending)
    else:
        raise _no_credentials(request)
    request.state.principal = principal
    return principal


def require_principal(
    request: Request, session: DbSession, credentials: Bearer, submitted_csrf: SubmittedCsrf
) -> Principal:
    return _resolve(request, session, credentials, submitted_csrf)


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_principal_pending(
    request: Request, session: DbSession, credentials: Bearer, submitted_csrf: SubmittedCsrf
) -> Principal:
    """Like ``require_principal``, but a session whose user must change their password passes.

    Only for the routes that let such a user see who they are, change it, or sign out.
    """
    return _resolve(request, session, credentials, submitted_csrf, allow_pending=True)


PendingPrincipal = Annotated[Principal, Depends(require_principal_pending)]


def require_kind(principal: Principal, *kinds: PartyKind) -> None:
    if principal.kind not in kinds:
        allowed = ", ".join(k.value for k in kinds)
        raise Forbidden(
            f"This action needs a party of kind: {allowed}",
            f"此操作需要以下类型的主体：{allowed}",
            code="wrong_party_kind",
        )


def require_role(principal: Principal, *roles: Role) -> None:
    if not principal.roles & {r.value for r in roles}:
        allowed = ", ".join(r.value for r in roles)
        raise Forbidden(
            f"This action needs one of the roles: {allowed}",
            f"此操作需要以下角色之一：{allowed}",
            code="wrong_role",
        )


def require_operator(principal: CurrentPrincipal) -> Principal:
    """A node operator: a platform party acting as a province or city operator.

    API keys of the platform party act as province operators (``API_KEY_ROLES``); users of the
    platform party need an operator role (an analyst or auditor is not an operator).
    """
    require_kind(principal, PartyKind.platform)
    require_role(principal, *OPERATOR_ROLES)
    return principal


OperatorPrincipal = Annotated[Principal, Depends(require_operator)]


def detached_principal(
    request: Request, credentials: Bearer, submitted_csrf: SubmittedCsrf
) -> Principal:
    """Authenticates in its own short transaction, returning the connection to the pool at once.

    For async routes that wait (long-poll, server-sent events) or hand their work to a thread
    with its own transaction (submission): holding the request session's connection there
    would take two pool connections per request and starve the pool under load. API keys and
    access tokens are resolved in a short read (``Database.short_read``); a session cookie in
    a committed transaction (it records the session's last activity).
    """
    db: Database = request.app.state.db
    if credentials is None:
        with db.unit_of_work() as session:
            return _resolve(request, session, credentials, submitted_csrf)
    with db.short_read() as session:
        return _resolve(request, session, credentials, submitted_csrf)


DetachedPrincipal = Annotated[Principal, Depends(detached_principal)]
