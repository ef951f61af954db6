"""The end user behind an authorization request: the hub's portal session and user records.

Login itself (password, TOTP, lockout, the ``sw_session`` cookie) belongs to
``identity.login``/``identity.sessions``; the provider only reads who is signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.identity.models import LoginSession, User
from singlewindow.identity.oidc.tokens import Subject
from singlewindow.kit.errors import Unauthenticated
from singlewindow.kit.settings import Settings
from singlewindow.parties.models import Party

if TYPE_CHECKING:
    from singlewindow.parties.auth import Principal


@dataclass(frozen=True, slots=True)
class SignedInUser:
    principal: Principal
    user_id: str
    auth_time: datetime
    amr: list[str]


def signed_in_user(
    session: Session, cookie_token: str | None, settings: Settings
) -> SignedInUser | None:
    """The user of a live portal session, or None (then the user must sign in first)."""
    from singlewindow.identity.sessions import principal_for_session_token, token_sha256

    if not cookie_token:
        return None
    try:
        principal = principal_for_session_token(session, cookie_token, settings)
    except Unauthenticated:
        return None  # no live session: sign in (a Forbidden, e.g. a password change, propagates)
    login = session.scalar(
        select(LoginSession).where(LoginSession.token_sha256 == token_sha256(cookie_token))
    )
    if login is None or principal.user_id is None:
        return None
    amr = ["pwd", "otp"] if login.mfa_passed else ["pwd"]
    return SignedInUser(
        principal=principal, user_id=principal.user_id, auth_time=login.created_at, amr=amr
    )


def subject_for_user(session: Session, user_id: str) -> Subject:
    """Token subject for a user, re-read now (a deactivated user gets no new tokens).

    Raises ``Unauthenticated``/``Forbidden`` from ``principal_for_user``."""
    from singlewindow.identity.sessions import principal_for_user

    principal = principal_for_user(session, user_id, via="token")
    row = session.execute(
        select(User.username, User.display_name, Party.name_zh)
        .join(Party, Party.id == User.party_id)
        .where(User.id == user_id)
    ).one()
    username, display_name, org_name = row
    profile: dict[str, Any] = {
        "name": display_name or username,
        "preferred_username": username,
        "org_name": org_name,
    }
    return Subject(
        sub=user_id,
        org=principal.party_code,
        roles=principal.roles,
        city=principal.city,
        profile=profile,
    )
