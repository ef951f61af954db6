"""Portal sessions (server-side, cookie-carried), CSRF tokens, and principals for users.

Cookie contract: ``sw_session`` holds a random token (HttpOnly, SameSite=Lax, Secure per
``Settings.cookie_secure``, Path=/). The database keeps only its SHA-256. For cookie-authenticated
POST/PUT/PATCH/DELETE the client sends ``csrf_token_for(token)`` in the ``X-CSRF-Token`` header or
the ``csrf_token`` form field; the login response and ``GET /auth/me`` return it, and the
readable ``sw_csrf`` cookie carries it for scripts.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from singlewindow.identity.cities import organisation_city
from singlewindow.identity.models import LoginSession, User
from singlewindow.identity.roles import needs_totp
from singlewindow.identity.secrets import derive_key
from singlewindow.kit import clock
from singlewindow.kit.errors import Finding, Forbidden, Unauthenticated
from singlewindow.kit.settings import Settings
from singlewindow.parties.auth import SESSION_COOKIE as SESSION_COOKIE
from singlewindow.parties.auth import Principal
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import PartyKind

CSRF_COOKIE = "sw_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# last_seen_at is written at most this often per session (a write per request would be waste).
TOUCH_EVERY_SECONDS = 60
# Ended sessions are deleted this long after they ended (when their user next signs in).
KEEP_ENDED = timedelta(days=7)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    session: Session,
    user: User,
    *,
    client_ip: str | None,
    user_agent: str | None,
    settings: Settings,
) -> tuple[str, LoginSession]:
    """A new session for a user who has just passed ``login.authenticate``.

    Returns the raw token (for the cookie; never stored) and the row. ``mfa_passed`` is true
    when the user has TOTP enabled, since ``authenticate`` then verified a code.
    """
    now = clock.now()
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        token_sha256=token_sha256(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.session_seconds),
        last_seen_at=now,
        mfa_passed=bool(user.totp_enabled),
        client_ip=client_ip[:45] if client_ip else None,
        user_agent=(user_agent or "")[:300],
    )
    session.execute(
        delete(LoginSession)
        .where(LoginSession.user_id == user.id)
        .where(
            or_(
                LoginSession.expires_at < now - KEEP_ENDED,
                LoginSession.revoked_at < now - KEEP_ENDED,
            )
        )
        .execution_options(synchronize_session=False)
    )
    session.add(row)
    session.flush()
    return token, row


def _session_error(code: str, en: str, zh: str) -> Unauthenticated:
    return Unauthenticated(en, zh, code=code)


def principal_for_session_token(
    session: Session, token: str, settings: Settings, *, allow_pending: bool = False
) -> Principal:
    """The principal of a live session; touches ``last_seen_at``.

    Raises Unauthenticated (401) if the token is unknown, revoked, expired or idle too long.
    A user who must change their password gets 403 ``password_change_required`` unless
    ``allow_pending`` (the routes that let them change it, see who they are, or sign out).
    """
    row = session.execute(
        select(LoginSession, User, Party)
        .join(User, User.id == LoginSession.user_id)
        .join(Party, Party.id == User.party_id)
        .where(LoginSession.token_sha256 == token_sha256(token))
    ).first()
    if row is None:
        raise _session_error("session_unknown", "Session not found", "会话不存在或已结束")
    login, user, party = row
    now = clock.now()
    if login.revoked_at is not None:
        raise _session_error("session_revoked", "Session has ended", "会话已注销")
    if login.expires_at <= now:
        raise _session_error("session_expired", "Session has expired", "会话已过期")
    if login.last_seen_at + timedelta(seconds=settings.session_idle_seconds) <= now:
        raise _session_error(
            "session_idle", "Session ended after inactivity", "会话因长时间未操作已结束"
        )
    if needs_totp(user.roles or ()) and not login.mfa_passed:
        raise _session_error(
            "session_mfa_required",
            "This session was opened without a second factor; sign in again",
            "本会话未经过动态验证码验证，请重新登录",
        )
    principal = user_principal(user, party, via="session", allow_pending=allow_pending)
    touch_after = min(TOUCH_EVERY_SECONDS, settings.session_idle_seconds / 4)
    if (now - login.last_seen_at).total_seconds() >= touch_after:
        login.last_seen_at = now
    return principal


def principal_for_user(
    session: Session, user_id: str, *, via: str = "token", allow_pending: bool = False
) -> Principal:
    """The principal of a user (e.g. the ``sub`` of an access token), acting for their org.

    Raises Unauthenticated if the user is unknown or deactivated, Forbidden if their
    organisation is deactivated or (unless ``allow_pending``) they must change their password.
    """
    row = session.execute(
        select(User, Party).join(Party, Party.id == User.party_id).where(User.id == user_id)
    ).first()
    if row is None:
        raise Unauthenticated("Unknown user", "用户不存在", code="user_unknown")
    user, party = row
    return user_principal(user, party, via=via, allow_pending=allow_pending)


def user_principal(user: User, party: Party, *, via: str, allow_pending: bool) -> Principal:
    if not user.active:
        raise Unauthenticated("User is deactivated", "用户已停用", code="user_inactive")
    if not party.active:
        raise Forbidden("Party is deactivated", "该主体已停用", code="party_inactive")
    if user.must_change_password and not allow_pending:
        raise Forbidden(
            "You must change your password first (POST /api/v1/auth/password)",
            "请先修改密码（POST /api/v1/auth/password）",
            code="password_change_required",
        )
    return Principal(
        party_id=party.id,
        party_code=party.code,
        kind=PartyKind(party.kind),
        agency_type=party.agency_type,
        uscc=party.uscc,
        customs_code=party.customs_code,
        key_id=None,
        user_id=user.id,
        roles=frozenset(str(r) for r in user.roles or ()),
        city=user.city or organisation_city(party),
        via=via,
    )


def set_session_cookies(response: Response, token: str, settings: Settings) -> str:
    """Sets ``sw_session`` (HttpOnly) and the readable ``sw_csrf``; returns the CSRF token."""
    csrf = csrf_token_for(token, settings)
    for name, value, http_only in ((SESSION_COOKIE, token, True), (CSRF_COOKIE, csrf, False)):
        response.set_cookie(
            name,
            value,
            max_age=settings.session_seconds,
            path="/",
            secure=settings.cookie_secure,
            httponly=http_only,
            samesite="lax",
        )
    return csrf


def clear_session_cookies(response: Response, settings: Settings) -> None:
    for name, http_only in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(
            name, path="/", secure=settings.cookie_secure, httponly=http_only, samesite="lax"
        )


def revoke_session(session: Session, token: str) -> bool:
    """Ends the session of this token; False if there was no live one."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.token_sha256 == token_sha256(token))
        .where(LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_user_sessions(session: Session, user_id: str, *, keep_token: str | None = None) -> int:
    """Ends every live session of a user (password reset, deactivation), except one if given."""
    statement = (
        update(LoginSession)
        .where(LoginSession.user_id == user_id)
        .where(LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if keep_token is not None:
        statement = statement.where(LoginSession.token_sha256 != token_sha256(keep_token))
    return int(getattr(session.execute(statement), "rowcount", 0))


def csrf_token_for(session_token: str, settings: Settings) -> str:
    """The CSRF token of a session: HMAC-SHA256 of the session token under a node key."""
    mac = hmac.new(derive_key(settings, "csrf"), session_token.encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


async def submitted_csrf_token(request: Request) -> str | None:
    """The CSRF token a cookie-authenticated unsafe request carries (header or form field).

    Reads the form body only for such requests, and only when the header is absent.
    """
    if request.method not in UNSAFE_METHODS or "authorization" in request.headers:
        return None
    if SESSION_COOKIE not in request.cookies:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # The body is cached first, so the route can still read it raw; a route with Form()
        # parameters has read (and cached) the form already, and its stream is consumed.
        with contextlib.suppress(RuntimeError):
            await request.body()
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def check_csrf(
    request: Request, session_token: str, settings: Settings, submitted: str | None = None
) -> None:
    """403 unless the request carries this session's CSRF token.

    ``submitted`` is the value from ``submitted_csrf_token`` (header or form field); when not
    given, the ``X-CSRF-Token`` header is read.
    """
    value = submitted if submitted is not None else request.headers.get(CSRF_HEADER)
    expected = csrf_token_for(session_token, settings)
    if value and hmac.compare_digest(value.encode("utf-8"), expected.encode("utf-8")):
        return
    en = (
        "Missing or invalid CSRF token: send the X-CSRF-Token header or the csrf_token form "
        "field with requests authenticated by the session cookie"
    )
    zh = (
        "缺少或无效的 CSRF 令牌：使用会话 Cookie 的请求须携带 X-CSRF-Token 请求头"
        "或 csrf_token 表单字段"
    )
    raise Forbidden(
        en,
        zh,
        code="csrf_failed",
        findings=[Finding(f"header:{CSRF_HEADER}", "csrf_failed", en, zh)],
    )
