"""The hub's OpenID provider endpoints (public where the protocol says so).

Protocol endpoints answer OAuth-shaped errors (``errors.OAuthError``). A city node answers 404
on all of them: it is not the provider, it only verifies the hub's tokens.
"""

from __future__ import annotations

import base64
import binascii
import html
from typing import Annotated, Any
from urllib.parse import quote, unquote_plus

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from singlewindow.identity.oidc import authorize as authz
from singlewindow.identity.oidc import grants, keys
from singlewindow.identity.oidc.clients import authenticate_client
from singlewindow.identity.oidc.config import is_provider, issuer
from singlewindow.identity.oidc.enduser import signed_in_user
from singlewindow.identity.oidc.errors import OAuthError, invalid_client, invalid_request
from singlewindow.identity.oidc.rules import OIDC_SCOPES, GrantType
from singlewindow.identity.oidc.schemas import Discovery, Jwks
from singlewindow.identity.oidc.userinfo import userinfo_claims
from singlewindow.identity.oidc.verify import ALGORITHM, InvalidToken
from singlewindow.identity.sessions import SESSION_COOKIE
from singlewindow.kit.errors import NotFound
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.settings import Settings

router = APIRouter(tags=["OpenID Connect"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
JWKS_MAX_AGE = 300
LOGIN_PATH = "/login"
FORM_TYPE = "application/x-www-form-urlencoded"


def _provider(settings: AppSettings) -> Settings:
    if not is_provider(settings):
        raise NotFound(
            "This node is not the identity provider; sign in at the province hub",
            "本节点不是身份认证服务方，请到省级平台登录",
            code="not_identity_provider",
        )
    return settings


ProviderSettings = Annotated[Settings, Depends(_provider)]


class FormParams:
    """A form body as name → every value (OAuth refuses repeated parameters)."""

    def __init__(self, values: dict[str, list[str]], *, form_encoded: bool) -> None:
        self.values = values
        self.form_encoded = form_encoded

    def get(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def repeated(self) -> list[str]:
        return sorted(name for name, found in self.values.items() if len(found) > 1)


async def _read_form(request: Request) -> FormParams:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        return FormParams({}, form_encoded=False)
    form = await request.form()
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(name, []).append(value)
    return FormParams(values, form_encoded=True)


Form = Annotated[FormParams, Depends(_read_form)]


def _oauth_error(session: Session, exc: OAuthError) -> JSONResponse:
    # Returning (not raising) lets the request's transaction commit what keep_changes keeps.
    if not exc.keep_changes:
        session.rollback()
    return JSONResponse(exc.as_body(), status_code=exc.status, headers={**exc.headers, **NO_STORE})


@router.get(
    "/.well-known/openid-configuration",
    response_model=Discovery,
    summary="OpenID Provider metadata / 身份提供方元数据",
)
def discovery(settings: ProviderSettings) -> dict[str, Any]:
    base = issuer(settings)
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "jwks_uri": f"{base}/oauth/jwks",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [g.value for g in GrantType],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(OIDC_SCOPES),
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "amr",
            "azp",
            "name",
            "preferred_username",
            "org",
            "org_name",
            "roles",
            "city",
        ],
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["zh-CN", "en"],
    }


@router.get("/oauth/jwks", response_model=Jwks, summary="Public signing keys (JWKS) / 签名公钥集")
def jwks(session: DbSession, settings: ProviderSettings) -> JSONResponse:
    return JSONResponse(
        keys.jwks(session, settings),
        headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE}"},
    )


# The protocol endpoints below are described by the discovery document (the standard way) and
# in docs/oidc.md, not in OpenAPI: their errors have the RFC 6749 shape, not the platform's.
@router.get("/oauth/authorize", include_in_schema=False)
def authorize(request: Request, session: DbSession, settings: ProviderSettings) -> Response:
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    try:
        req = authz.check_request(session, params)
        user = signed_in_user(session, request.cookies.get(SESSION_COOKIE), settings)
        if authz.needs_login(req, user):
            if req.prompt is not None and "none" in req.prompt.split():
                raise authz.login_required(req)
            return _to_login(request)
        assert user is not None
        return RedirectResponse(authz.issue_code(session, settings, req, user), status_code=302)
    except authz.AuthorizeError as exc:
        session.rollback()
        if exc.redirect_uri is not None:
            return RedirectResponse(authz.error_redirect(exc, settings), status_code=302)
        return _error_page(request, exc.error)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _to_login(request: Request) -> Response:
    """Browsers go to the portal's login page and come back; API clients get a 401."""
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    login_url = f"{LOGIN_PATH}?next={quote(target, safe='')}"
    if _wants_html(request):
        return RedirectResponse(login_url, status_code=303)
    body = OAuthError(
        "login_required",
        "Sign in at the hub first (POST /api/v1/auth/login), then retry",
        "请先在省级平台登录（POST /api/v1/auth/login）后重试",
    ).as_body()
    body["login_url"] = login_url
    return JSONResponse(body, status_code=401, headers=NO_STORE)


def _error_page(request: Request, error: OAuthError) -> Response:
    if not _wants_html(request):
        return JSONResponse(error.as_body(), status_code=400, headers=NO_STORE)
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>登录请求无效 / Invalid sign-in request</title></head><body>"
        f"<h1>登录请求无效</h1><p>{html.escape(error.description_zh)}</p>"
        f"<h2>Invalid sign-in request</h2><p>{html.escape(error.description)}</p>"
        f"<p><code>{html.escape(error.error)}</code></p></body></html>"
    )
    return HTMLResponse(page, status_code=400, headers=NO_STORE)


def _client_credentials(request: Request, form: FormParams) -> tuple[str | None, str | None, bool]:
    """(client_id, secret, used HTTP Basic) per RFC 6749 §2.3.1."""
    header = request.headers.get("authorization")
    if header and header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise invalid_client(
                "Malformed Basic credentials", "Basic 认证格式错误", basic=True
            ) from exc
        if ":" not in decoded:
            raise invalid_client("Malformed Basic credentials", "Basic 认证格式错误", basic=True)
        raw_id, _, raw_secret = decoded.partition(":")
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if form.get("client_secret") is not None:
            raise invalid_request(
                "Use one client authentication method, not two", "只能使用一种客户端认证方式"
            )
        if form.get("client_id") not in (None, client_id):
            raise invalid_request(
                "client_id does not match the credentials", "client_id 与凭据不一致"
            )
        return client_id, secret, True
    return form.get("client_id"), form.get("client_secret"), False


def _check_form(form: FormParams) -> None:
    if not form.form_encoded:
        raise invalid_request(f"The body must be {FORM_TYPE}", f"请求体必须为 {FORM_TYPE} 格式")
    repeated = form.repeated()
    if repeated:
        raise invalid_request(
            "Repeated parameters: " + ", ".join(repeated), "参数重复：" + ", ".join(repeated)
        )


@router.post("/oauth/token", include_in_schema=False)
def token(
    request: Request, session: DbSession, settings: ProviderSettings, form: Form
) -> JSONResponse:
    try:
        _check_form(form)
        client_id, secret, basic = _client_credentials(request, form)
        client = authenticate_client(session, client_id=client_id, secret=secret, basic=basic)
        grant_type = form.get("grant_type")
        if grant_type == GrantType.authorization_code:
            tokens = grants.exchange_code(
                session,
                settings,
                client,
                code=form.get("code"),
                redirect_uri=form.get("redirect_uri"),
                code_verifier=form.get("code_verifier"),
            )
        elif grant_type == GrantType.refresh_token:
            tokens = grants.refresh(
                session,
                settings,
                client,
                refresh_token=form.get("refresh_token"),
                scope=form.get("scope"),
            )
        elif grant_type == GrantType.client_credentials:
            tokens = grants.client_credentials(session, settings, client, scope=form.get("scope"))
        elif grant_type is None:
            raise invalid_request("grant_type is required", "缺少 grant_type 参数")
        else:
            raise OAuthError(
                "unsupported_grant_type",
                f"Unsupported grant_type {grant_type!r}",
                f"不支持的授权方式 {grant_type!r}",
            )
    except OAuthError as exc:
        return _oauth_error(session, exc)
    return JSONResponse(tokens.as_body(), headers=NO_STORE)


@router.post("/oauth/revoke", include_in_schema=False)
def revoke(
    request: Request, session: DbSession, settings: ProviderSettings, form: Form
) -> Response:
    try:
        _check_form(form)
        client_id, secret, basic = _client_credentials(request, form)
        client = authenticate_client(session, client_id=client_id, secret=secret, basic=basic)
        grants.revoke_token(session, settings, client, token=form.get("token"))
    except OAuthError as exc:
        return _oauth_error(session, exc)
    return Response(status_code=200, headers=NO_STORE)


@router.api_route("/oauth/userinfo", methods=["GET", "POST"], include_in_schema=False)
def userinfo(request: Request, session: DbSession, settings: ProviderSettings) -> JSONResponse:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _bearer_error(
            401, "invalid_request", "Bearer access token required", "需要 Bearer 访问令牌"
        )
    try:
        claims = userinfo_claims(session, token.strip(), settings)
    except InvalidToken as exc:
        return _bearer_error(401, "invalid_token", exc.message, exc.message_zh)
    except OAuthError as exc:
        return _bearer_error(exc.status, exc.error, exc.description, exc.description_zh)
    return JSONResponse(claims, headers=NO_STORE)


def _bearer_error(status: int, error: str, en: str, zh: str) -> JSONResponse:
    challenge = f'Bearer error="{error}"' if error != "invalid_request" else "Bearer"
    return JSONResponse(
        OAuthError(error, en, zh).as_body(),
        status_code=status,
        headers={"WWW-Authenticate": challenge, **NO_STORE},
    )
