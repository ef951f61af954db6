"""Sign-in, sign-out, password change, language switch, the brand's stylesheet and logo, and
the start page of each area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from singlewindow.identity.api import sign_in
from singlewindow.identity.sessions import (
    SESSION_COOKIE,
    clear_session_cookies,
    revoke_session,
    set_session_cookies,
)
from singlewindow.kit.errors import SingleWindowError
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.parties.auth import _resolve
from singlewindow.parties.schemas import PartyKind
from singlewindow.web.auth import CurrentUser, PortalUser, _describe, area_of
from singlewindow.web.i18n import COOKIE, LANGS
from singlewindow.web.render import STATIC, brand_of, render

router = APIRouter(include_in_schema=False)

HOME: dict[str, str] = {
    "trader": "/portal/trader",
    "agency": "/portal/agency",
    "port": "/portal/port",
    "operator": "/portal/operator",
}
YEAR = 365 * 24 * 3600


def safe_next(value: str | None, default: str = "/portal") -> str:
    """Only a path on this node (no scheme, no host, no ``//``): no open redirect."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/portal", status_code=303)


@router.get("/portal")
def start(user: CurrentUser) -> RedirectResponse:
    return RedirectResponse(HOME[user.area], status_code=303)


@router.get("/portal/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(
        request,
        "session/login.html",
        {"next": safe_next(next, ""), "username": "", "error": None},
    )


@router.post("/portal/login")
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    totp: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        user, token, _row = sign_in(
            request,
            session,
            settings,
            username=username,
            password=password,
            totp=totp.strip() or None,
        )
    except SingleWindowError as exc:
        # The failure was recorded; answering (not raising) lets the transaction commit it.
        return render(
            request,
            "session/login.html",
            {"next": safe_next(next, ""), "username": username, "error": exc},
            status_code=exc.status,
        )
    if user.must_change_password:
        target = "/portal/password"
    else:
        from singlewindow.parties.models import Party

        party = session.get(Party, user.party_id)
        kind = PartyKind(party.kind) if party else PartyKind.enterprise
        area = area_of_kind(kind)
        target = safe_next(next, HOME[area])
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, token, settings)
    return response


def area_of_kind(kind: PartyKind) -> str:
    areas = {
        PartyKind.agency: "agency",
        PartyKind.port_operator: "port",
        PartyKind.platform: "operator",
    }
    return areas.get(kind, "trader")


@router.post("/portal/logout")
def logout(
    request: Request, session: DbSession, settings: AppSettings, user: CurrentUser
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_session(session, token)
    response = RedirectResponse("/portal/login", status_code=303)
    clear_session_cookies(response, settings)
    return response


def _pending_user(request: Request, session: DbSession) -> PortalUser | None:
    try:
        principal = _resolve(request, session, None, None, allow_pending=True)
    except SingleWindowError:
        return None
    return _describe(session, principal)


@router.get("/portal/password")
def password_page(request: Request, session: DbSession) -> Response:
    user = _pending_user(request, session)
    if user is None:
        return RedirectResponse("/portal/login", status_code=303)
    return render(request, "session/password.html", {"error": None}, user=user)


@router.post("/portal/password")
async def change_password(request: Request, session: DbSession, settings: AppSettings) -> Response:
    from singlewindow.identity import account
    from singlewindow.identity.api import client_ip
    from singlewindow.identity.sessions import check_csrf, submitted_csrf_token
    from singlewindow.identity.users import get_user

    user = _pending_user(request, session)
    token = request.cookies.get(SESSION_COOKIE)
    if user is None or token is None or user.principal.user_id is None:
        return RedirectResponse("/portal/login", status_code=303)
    check_csrf(request, token, settings, await submitted_csrf_token(request))
    form = await request.form()
    try:
        account.change_password(
            session,
            settings,
            get_user(session, user.principal.user_id)[0],
            old_password=str(form.get("current_password", "")),
            new_password=str(form.get("new_password", "")),
            client_ip=client_ip(request),
            keep_session_token=token,
        )
    except SingleWindowError as exc:
        return render(
            request, "session/password.html", {"error": exc}, user=user, status_code=exc.status
        )
    return RedirectResponse(HOME[area_of(user.principal)], status_code=303)


@router.get("/portal/lang/{lang}")
def set_language(lang: str, next: str | None = None) -> RedirectResponse:
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGS:
        response.set_cookie(COOKIE, lang, max_age=YEAR, path="/", samesite="lax", httponly=True)
    return response


@router.get("/portal/brand.css")
def brand_css(request: Request, session: DbSession, settings: AppSettings) -> Response:
    """The brand's colours as CSS variables (the stylesheet uses only these): the node's, or
    the caller's virtual city platform's."""
    brand = brand_of(settings, _city_of_caller(request, session))
    css = f":root {{ --brand: {brand.primary}; --accent: {brand.accent}; }}\n"
    return Response(
        css, media_type="text/css", headers={"Cache-Control": "no-cache", "Vary": "Cookie"}
    )


def _city_of_caller(request: Request, session: DbSession) -> str | None:
    if not request.cookies.get(SESSION_COOKIE):
        return None
    try:
        return _resolve(request, session, None, None, allow_pending=True).city
    except SingleWindowError:
        return None


@router.get("/favicon.ico")
def favicon(settings: AppSettings) -> Response:
    return brand_logo(settings)


@router.get("/portal/brand/logo")
def brand_logo(settings: AppSettings, city: str | None = None) -> Response:
    face = settings.brand_cities.get(city or "", {})
    configured = face.get("logo") or settings.brand_logo
    path = Path(configured) if configured else None
    if path is None or not path.is_file():
        return FileResponse(STATIC / "logo.svg", media_type="image/svg+xml")
    return FileResponse(path)
