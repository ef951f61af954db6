"""User management routes: operators and declarant administrators, within their scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.identity import users
from singlewindow.identity.models import User
from singlewindow.identity.schemas import (
    TotpEnrolmentOut,
    UserIn,
    UserIssuedOut,
    UserOut,
    UserPage,
    UserPatch,
)
from singlewindow.identity.totp import Enrolment
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.parties.access import UserAdmin
from singlewindow.parties.auth import Principal
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import PartyKind

router = APIRouter(prefix="/users", tags=["users"])
Limit = Annotated[int, Query(ge=1, le=500)]
NO_STORE = {"Cache-Control": "no-store"}


def user_out(user: User, party: Party) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        org_code=party.code,
        org_kind=PartyKind(party.kind),
        roles=[str(r) for r in user.roles or ()],
        city=user.city,
        active=user.active,
        totp_enabled=user.totp_enabled,
        must_change_password=user.must_change_password,
        locked_until=user.locked_until,
        failed_logins=user.failed_logins,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    )


def issued_out(
    user: User,
    party: Party,
    *,
    temporary_password: str | None = None,
    enrolment: Enrolment | None = None,
) -> UserIssuedOut:
    return UserIssuedOut(
        **user_out(user, party).model_dump(),
        temporary_password=temporary_password,
        totp=TotpEnrolmentOut(secret=enrolment.secret, uri=enrolment.uri) if enrolment else None,
    )


@router.get("", response_model=UserPage)
def list_users(
    session: DbSession,
    principal: UserAdmin,
    org: str | None = None,
    cursor: str | None = None,
    limit: Limit = 100,
) -> UserPage:
    """Users the caller may manage (province: all; city: their city; declarant admin: own org)."""
    rows, last = users.list_users(
        session, principal, org_code=org, after_id=decode_cursor(cursor), limit=limit
    )
    return UserPage(
        items=[user_out(u, p) for u, p in rows],
        next_cursor=encode_cursor(last) if last else None,
    )


@router.post("", response_model=UserIssuedOut, status_code=status.HTTP_201_CREATED)
def create_user(
    response: Response,
    session: DbSession,
    settings: AppSettings,
    principal: UserAdmin,
    body: UserIn,
) -> UserIssuedOut:
    """Creates a user. The temporary password and TOTP seed, if any, are shown once."""
    user, issued = users.create_user(
        session,
        settings,
        principal,
        org_code=body.org,
        username=body.username,
        roles=[r.value for r in body.roles],
        display_name=body.display_name,
        city=body.city,
        password=body.password,
    )
    _audit(session, principal, user.id, "create", {"org": body.org, "roles": sorted(user.roles)})
    response.headers.update(NO_STORE)
    return issued_out(
        *users.get_user(session, user.id),
        temporary_password=issued.temporary_password,
        enrolment=issued.totp,
    )


@router.get("/{user_id}", response_model=UserOut)
def get_user(session: DbSession, principal: UserAdmin, user_id: str) -> UserOut:
    return user_out(*users.view_user(session, principal, user_id))


@router.patch("/{user_id}", response_model=UserIssuedOut)
def update_user(
    response: Response,
    session: DbSession,
    settings: AppSettings,
    principal: UserAdmin,
    user_id: str,
    body: UserPatch,
) -> UserIssuedOut:
    """Changes roles, active flag, display name or city. A new TOTP seed is shown once."""
    user, issued = users.update_user(
        session,
        settings,
        principal,
        user_id,
        display_name=body.display_name,
        roles=[r.value for r in body.roles] if body.roles is not None else None,
        active=body.active,
        city=body.city if "city" in body.model_fields_set else users.UNSET,
    )
    changed = body.model_dump(mode="json", exclude_unset=True)
    _audit(session, principal, user.id, "update", changed)
    response.headers.update(NO_STORE)
    return issued_out(*users.get_user(session, user.id), enrolment=issued.totp)


@router.post("/{user_id}/reset-password", response_model=UserIssuedOut)
def reset_password(
    response: Response, session: DbSession, principal: UserAdmin, user_id: str
) -> UserIssuedOut:
    """A temporary password (shown once) that must be changed at next login."""
    user, password = users.reset_password(session, principal, user_id)
    _audit(session, principal, user.id, "reset_password")
    response.headers.update(NO_STORE)
    return issued_out(*users.get_user(session, user.id), temporary_password=password)


@router.post("/{user_id}/unlock", response_model=UserOut)
def unlock(session: DbSession, principal: UserAdmin, user_id: str) -> UserOut:
    user = users.unlock(session, principal, user_id)
    _audit(session, principal, user.id, "unlock")
    return user_out(*users.get_user(session, user.id))


@router.post("/{user_id}/totp-reset", response_model=UserIssuedOut)
def totp_reset(
    response: Response,
    session: DbSession,
    settings: AppSettings,
    principal: UserAdmin,
    user_id: str,
) -> UserIssuedOut:
    """Forgets the second factor; for roles that require one, a new seed is shown once."""
    user, enrolment = users.reset_totp(session, settings, principal, user_id)
    _audit(session, principal, user.id, "totp_reset")
    response.headers.update(NO_STORE)
    return issued_out(*users.get_user(session, user.id), enrolment=enrolment)


def _audit(
    session: Session,
    principal: Principal,
    user_id: str,
    change: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Every user administration action goes to the audit log (never secrets)."""
    audit.record_principal(
        session,
        principal,
        action=actions.USER_CHANGED,
        target_type=actions.USER,
        target_id=user_id,
        detail={"change": change, **(detail or {})},
    )
