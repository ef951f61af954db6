"""Who is calling a portal page: the session cookie (with CSRF for form posts), else a
redirect to the login page. Roles are checked per area; a wrong role gets a 403 page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from singlewindow.identity.roles import AGENCY_ROLES, DECLARANT_ROLES, OPERATOR_ROLES, Role
from singlewindow.kit.errors import Forbidden, Unauthenticated
from singlewindow.kit.http import DbSession
from singlewindow.parties.auth import Principal, SubmittedCsrf, _resolve
from singlewindow.parties.schemas import PartyKind


class LoginRequired(Exception):
    """No usable session: the page answers with a redirect to the login page."""

    def __init__(self, next_url: str, reason: str = "") -> None:
        super().__init__(reason or "login required")
        self.next_url = next_url
        self.reason = reason


class PasswordChangeRequired(Exception):
    """The user must set a new password first."""


@dataclass(frozen=True, slots=True)
class PortalUser:
    """The signed-in user and the organisation they act for."""

    principal: Principal
    username: str
    display_name: str
    party_name_zh: str
    party_name_en: str

    @property
    def area(self) -> str:
        return area_of(self.principal)


def area_of(principal: Principal) -> str:
    """The portal area a principal works in: trader, agency, port or operator."""
    if principal.kind == PartyKind.agency:
        return "agency"
    if principal.kind == PartyKind.port_operator:
        return "port"
    if principal.kind == PartyKind.platform:
        return "operator"
    return "trader"


def _next_url(request: Request) -> str:
    url = request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return quote(url, safe="/?=&")


def portal_user(request: Request, session: DbSession, submitted_csrf: SubmittedCsrf) -> PortalUser:
    """The caller of a portal page, from the ``sw_session`` cookie only (API keys are for the
    API). Form posts must carry the session's CSRF token (field ``csrf_token`` or the
    ``X-CSRF-Token`` header, which the portal script adds to htmx requests)."""
    if "authorization" in request.headers:
        raise LoginRequired(_next_url(request), "the portal uses the session cookie")
    try:
        principal = _resolve(request, session, None, submitted_csrf)
    except Unauthenticated as exc:
        raise LoginRequired(_next_url(request), exc.code) from exc
    except Forbidden as exc:
        if exc.code == "password_change_required":
            raise PasswordChangeRequired from exc
        raise
    user = _describe(session, principal)
    request.state.portal_user = user  # error pages show the caller's navigation
    return user


def _describe(session: Session, principal: Principal) -> PortalUser:
    from singlewindow.identity.models import User
    from singlewindow.parties.models import Party

    user = session.get(User, principal.user_id) if principal.user_id else None
    party = session.get(Party, principal.party_id)
    return PortalUser(
        principal=principal,
        username=user.username if user else principal.party_code,
        display_name=(user.display_name or user.username) if user else principal.party_code,
        party_name_zh=party.name_zh if party else principal.party_code,
        party_name_en=(party.name_en or party.name_zh) if party else principal.party_code,
    )


CurrentUser = Annotated[PortalUser, Depends(portal_user)]

AREA_ROLES: dict[str, frozenset[Role]] = {
    "trader": DECLARANT_ROLES,
    "agency": AGENCY_ROLES,
    "port": frozenset({Role.port_clerk}),
    "operator": OPERATOR_ROLES | {Role.auditor, Role.analyst},
}


def require_area(area: str) -> object:
    """A dependency: the caller works in ``area`` (by organisation kind and role), else 403."""

    def check(user: CurrentUser) -> PortalUser:
        allowed = {r.value for r in AREA_ROLES[area]}
        if user.area != area or not user.principal.roles & allowed:
            raise Forbidden(
                "This page is for another kind of user",
                "此页面供其他类型的用户使用",
                code="wrong_area",
            )
        return user

    return Depends(check)


TraderUser = Annotated[PortalUser, require_area("trader")]
AgencyUser = Annotated[PortalUser, require_area("agency")]
PortUser = Annotated[PortalUser, require_area("port")]
OperatorUser = Annotated[PortalUser, require_area("operator")]
