"""The authorization endpoint's logic (RFC 6749 §4.1.1-§4.1.2, RFC 7636, OIDC Core §3.1.2).

Errors about the client or its redirect URI are shown to the user (never redirected: the
URI is not trusted); every later error goes back to the client's redirect URI with
``error=`` and ``state=`` (§4.1.2.1).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.orm import Session

from singlewindow.identity.oidc.clients import find_client
from singlewindow.identity.oidc.config import CODE_SECONDS, issuer
from singlewindow.identity.oidc.enduser import SignedInUser
from singlewindow.identity.oidc.errors import OAuthError
from singlewindow.identity.oidc.models import AuthorizationCode, OAuthClient
from singlewindow.identity.oidc.rules import (
    GrantType,
    parse_scope,
    pkce_challenge_ok,
    sha256_hex,
)
from singlewindow.kit import clock
from singlewindow.kit.settings import Settings

MAX_STATE = 2000
MAX_NONCE = 500
PROMPTS = frozenset({"none", "login", "consent", "select_account"})


class AuthorizeError(Exception):
    """``redirect_uri`` None: show the error to the user; else send it to the client."""

    def __init__(self, error: OAuthError, redirect_uri: str | None, state: str | None) -> None:
        super().__init__(error.description)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass(frozen=True)
class AuthorizeRequest:
    client: OAuthClient
    redirect_uri: str
    scope: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str
    prompt: str | None
    max_age: int | None


def _single(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise _Duplicate(name)
    return values[0] if values else None


class _Duplicate(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _error(error: str, en: str, zh: str) -> OAuthError:
    return OAuthError(error, en, zh)


def check_request(session: Session, params: Mapping[str, list[str]]) -> AuthorizeRequest:
    """Validates an authorization request; raises ``AuthorizeError``. Changes nothing."""
    try:
        client_id = _single(params, "client_id")
        redirect_uri = _single(params, "redirect_uri")
    except _Duplicate as dup:
        raise AuthorizeError(
            _error("invalid_request", f"{dup.name} is repeated", f"参数 {dup.name} 重复"),
            None,
            None,
        ) from None
    client = find_client(session, client_id) if client_id else None
    if client is None:
        raise AuthorizeError(_error("invalid_client", "Unknown client", "客户端不存在"), None, None)
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        raise AuthorizeError(
            _error(
                "invalid_request",
                "redirect_uri is missing or not registered for this client",
                "redirect_uri 缺失或未在该客户端登记",
            ),
            None,
            None,
        )
    state = None
    try:
        state = _single(params, "state")
        return _check_rest(client, redirect_uri, state, params)
    except _Duplicate as dup:
        raise AuthorizeError(
            _error("invalid_request", f"{dup.name} is repeated", f"参数 {dup.name} 重复"),
            redirect_uri,
            state,
        ) from None
    except OAuthError as exc:
        raise AuthorizeError(exc, redirect_uri, state) from None


def _check_rest(
    client: OAuthClient, redirect_uri: str, state: str | None, params: Mapping[str, list[str]]
) -> AuthorizeRequest:
    if state is not None and len(state) > MAX_STATE:
        raise _error("invalid_request", "state is too long", "state 参数过长")
    response_type = _single(params, "response_type")
    if response_type != "code":
        raise _error(
            "unsupported_response_type",
            "Only response_type=code is supported",
            "仅支持 response_type=code",
        )
    if GrantType.authorization_code.value not in client.grant_types:
        raise _error(
            "unauthorized_client",
            "This client may not use the authorization code flow",
            "该客户端无权使用授权码方式",
        )
    scope = parse_scope(_single(params, "scope"))
    if scope is None or "openid" not in scope:
        raise _error("invalid_scope", "scope must include openid", "scope 必须包含 openid")
    refused = sorted(set(scope) - {str(s) for s in client.scopes})
    if refused:
        raise _error(
            "invalid_scope",
            "Scope not allowed for this client: " + " ".join(refused),
            "该客户端无权申请以下权限范围：" + " ".join(refused),
        )
    challenge = _single(params, "code_challenge")
    method = _single(params, "code_challenge_method")
    if not challenge or method != "S256":
        raise _error(
            "invalid_request",
            "PKCE is required: code_challenge with code_challenge_method=S256",
            "必须使用 PKCE：提供 code_challenge 且 code_challenge_method=S256",
        )
    if not pkce_challenge_ok(challenge):
        raise _error(
            "invalid_request",
            "code_challenge must be 43 base64url characters (S256)",
            "code_challenge 必须是 43 个 base64url 字符（S256）",
        )
    nonce = _single(params, "nonce")
    if nonce is not None and len(nonce) > MAX_NONCE:
        raise _error("invalid_request", "nonce is too long", "nonce 参数过长")
    prompt = _single(params, "prompt")
    if prompt is not None and not set(prompt.split()) <= PROMPTS:
        raise _error("invalid_request", "Unknown prompt value", "prompt 取值无效")
    raw_max_age = _single(params, "max_age")
    max_age = None
    if raw_max_age is not None:
        if not raw_max_age.isdigit() or len(raw_max_age) > 9:
            raise _error("invalid_request", "max_age must be seconds", "max_age 必须是秒数")
        max_age = int(raw_max_age)
    return AuthorizeRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        prompt=prompt,
        max_age=max_age,
    )


def needs_login(request: AuthorizeRequest, user: SignedInUser | None) -> bool:
    if user is None:
        return True
    if request.max_age is not None:
        return (clock.now() - user.auth_time).total_seconds() > request.max_age
    return False


def login_required(request: AuthorizeRequest) -> AuthorizeError:
    return AuthorizeError(
        _error("login_required", "The user is not signed in", "用户尚未登录"),
        request.redirect_uri,
        request.state,
    )


def issue_code(
    session: Session, settings: Settings, request: AuthorizeRequest, user: SignedInUser
) -> str:
    """Stores a one-time code and returns the client redirect carrying it."""
    code = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        AuthorizationCode(
            code_sha256=sha256_hex(code),
            client_id=request.client.client_id,
            user_id=user.user_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            scope=" ".join(request.scope),
            nonce=request.nonce,
            auth_time=user.auth_time,
            amr=user.amr,
            expires_at=now + timedelta(seconds=CODE_SECONDS),
        )
    )
    session.flush()
    params = {"code": code, "iss": issuer(settings)}
    if request.state is not None:
        params["state"] = request.state
    return with_query(request.redirect_uri, params)


def error_redirect(error: AuthorizeError, settings: Settings) -> str:
    assert error.redirect_uri is not None
    params = {
        "error": error.error.error,
        "error_description": error.error.description,
        "error_description_zh": error.error.description_zh,
        "iss": issuer(settings),
    }
    if error.state is not None:
        params["state"] = error.state
    return with_query(error.redirect_uri, params)


def with_query(uri: str, params: Mapping[str, str]) -> str:
    """Adds parameters to a URI, keeping the query it already has (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
