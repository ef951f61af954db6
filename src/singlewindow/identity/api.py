"""Login, logout, the signed-in user, own password and TOTP. User management: ``users_api``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.identity import account
from singlewindow.identity.errors import RetryLater
from singlewindow.identity.login import authenticate
from singlewindow.identity.models import LoginSession, User
from singlewindow.identity.schemas import (
    LoginIn,
    LoginOut,
    MeOut,
    PasswordChangeIn,
    TotpCodeIn,
    TotpEnrolmentOut,
    UserOut,
)
from singlewindow.identity.sessions import (
    SESSION_COOKIE,
    clear_session_cookies,
    csrf_token_for,
    revoke_session,
    set_session_cookies,
    start_session,
)
from singlewindow.identity.users import get_user
from singlewindow.identity.users_api import router as users_router
from singlewindow.identity.users_api import user_out
from singlewindow.kit.errors import Forbidden, SingleWindowError
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.settings import Settings
from singlewindow.parties.access import SelfOnly, SelfPending
from singlewindow.parties.auth import Principal

router = APIRouter(prefix="/api/v1")
router.include_router(users_router)
auth = APIRouter(prefix="/auth", tags=["auth"])

NO_STORE = {"Cache-Control": "no-store"}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong credentials, `totp_required`, or no session"},
    423: {"description": "account locked (`Retry-After`)"},
    429: {"description": "too many failed logins from this address (`Retry-After`)"},
}


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def error_response(exc: SingleWindowError) -> JSONResponse:
    """The error as a normal response, so that the request's transaction still commits.

    Used where a failure itself must be recorded (failed login counters, used TOTP steps).
    """
    headers = exc.headers if isinstance(exc, RetryLater) else None
    return JSONResponse(exc.as_body(), status_code=exc.status, headers=headers)


def _own_user(session: Session, principal: Principal) -> User:
    if principal.user_id is None:
        raise Forbidden(
            "This needs a signed-in user, not an API key",
            "此操作需要用户登录，不能使用 API 密钥",
            code="user_required",
        )
    return get_user(session, principal.user_id)[0]


def sign_in(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    username: str,
    password: str,
    totp: str | None,
) -> tuple[User, str, LoginSession]:
    """Password (+ TOTP) → a new session; both outcomes audited. The API's login and the
    portal's login form both come here. On failure the error is raised after the failure was
    recorded: the caller answers with it and lets the transaction commit."""
    ip = client_ip(request)
    try:
        user = authenticate(
            session,
            username=username,
            password=password,
            totp=totp,
            client_ip=ip,
            settings=settings,
        )
    except SingleWindowError as exc:
        audit.record(
            session,
            actor=username,
            action=actions.LOGIN_FAILED,
            target_type=actions.USER,
            target_id=username,
            outcome="failed" if exc.status == 401 else "denied",
            detail={"code": exc.code},
            ip=ip,
        )
        raise
    token, row = start_session(
        session,
        user,
        client_ip=ip,
        user_agent=request.headers.get("user-agent"),
        settings=settings,
    )
    audit.record(
        session,
        actor=user.id,
        action=actions.LOGIN,
        target_type=actions.USER,
        target_id=user.id,
        detail={"session_id": row.id, "username": user.username, "totp": user.totp_enabled},
        ip=ip,
    )
    return user, token, row


@auth.post("/login", response_model=LoginOut, responses=_ERRORS)
def login(request: Request, session: DbSession, settings: AppSettings, body: LoginIn) -> Response:
    """Password (+ TOTP code) → session cookie ``sw_session`` and a CSRF token."""
    try:
        user, token, row = sign_in(
            request,
            session,
            settings,
            username=body.username,
            password=body.password,
            totp=body.totp,
        )
    except SingleWindowError as exc:
        return error_response(exc)  # the failure counters are committed with this answer
    out = LoginOut(
        user=user_out(*get_user(session, user.id)),
        csrf_token=csrf_token_for(token, settings),
        expires_at=row.expires_at,
        must_change_password=user.must_change_password,
    )
    response = JSONResponse(out.model_dump(mode="json"), headers=NO_STORE)
    set_session_cookies(response, token, settings)
    return response


@auth.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    request: Request, session: DbSession, settings: AppSettings, principal: SelfPending
) -> Response:
    """Ends the cookie session (needs its CSRF token) and clears the cookies."""
    token = request.cookies.get(SESSION_COOKIE)
    if principal.via == "session" and token:
        revoke_session(session, token)
        audit.record_principal(
            session,
            principal,
            action=actions.LOGOUT,
            target_type=actions.USER,
            target_id=principal.user_id,
        )
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, settings)
    return response


@auth.get("/me", response_model=MeOut)
def me(
    request: Request, session: DbSession, settings: AppSettings, principal: SelfPending
) -> MeOut:
    user = None
    if principal.user_id is not None:
        user = user_out(*get_user(session, principal.user_id))
    token = request.cookies.get(SESSION_COOKIE)
    return MeOut(
        party_code=principal.party_code,
        party_kind=principal.kind,
        roles=sorted(principal.roles),
        city=principal.city,
        via=principal.via,
        user=user,
        csrf_token=csrf_token_for(token, settings)
        if principal.via == "session" and token
        else None,
    )


@auth.post("/password", response_model=UserOut, responses=_ERRORS)
def change_password(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: SelfPending,
    body: PasswordChangeIn,
) -> Response:
    """Changes the caller's password (policy-checked); ends their other sessions."""
    user = _own_user(session, principal)
    try:
        account.change_password(
            session,
            settings,
            user,
            old_password=body.old_password,
            new_password=body.new_password,
            client_ip=client_ip(request),
            keep_session_token=request.cookies.get(SESSION_COOKIE)
            if principal.via == "session"
            else None,
        )
    except SingleWindowError as exc:
        return error_response(exc)  # a wrong old password counts as a failed login
    return JSONResponse(user_out(*get_user(session, user.id)).model_dump(mode="json"))


@auth.post("/totp/enroll", response_model=TotpEnrolmentOut)
def totp_enroll(
    response: Response, session: DbSession, settings: AppSettings, principal: SelfOnly
) -> TotpEnrolmentOut:
    """A new seed (pending until confirmed); shown once."""
    enrolment = account.begin_totp_enrolment(session, settings, _own_user(session, principal))
    response.headers.update(NO_STORE)
    return TotpEnrolmentOut(secret=enrolment.secret, uri=enrolment.uri)


@auth.post("/totp/confirm", response_model=UserOut)
def totp_confirm(
    session: DbSession, settings: AppSettings, principal: SelfOnly, body: TotpCodeIn
) -> UserOut:
    """Enables the pending seed after a valid code from it."""
    user = _own_user(session, principal)
    account.confirm_totp(session, settings, user, body.code)
    return user_out(*get_user(session, user.id))


@auth.post("/totp/disable", response_model=UserOut)
def totp_disable(
    session: DbSession, settings: AppSettings, principal: SelfOnly, body: TotpCodeIn
) -> UserOut:
    """Turns TOTP off (a valid code needed); refused for roles that require it."""
    user = _own_user(session, principal)
    account.disable_totp(session, settings, user, body.code)
    return user_out(*get_user(session, user.id))


router.include_router(auth)
