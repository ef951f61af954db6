"""Parties and users: search organisations, create one (the same USCC checks as the API),
view one with its users; create, deactivate/activate, reset the password, unlock and reset
the TOTP of a user — the identity users service with the caller's principal, so a city
operator manages only its city. Secrets (a temporary password, a TOTP seed) show once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.identity import users
from singlewindow.identity.cities import in_city, organisation_city
from singlewindow.identity.models import User
from singlewindow.identity.roles import ROLE_LABELS, Role, allowed_for
from singlewindow.identity.scope import is_province_operator, require_manager
from singlewindow.identity.totp import Enrolment
from singlewindow.kit.errors import Finding, Forbidden, SingleWindowError
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.parties import service
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import AgencyType, PartyIn, PartyKind
from singlewindow.web.auth import OperatorUser, PortalUser
from singlewindow.web.render import render
from singlewindow.web.views.operator_common import (
    attempt,
    field_errors,
    optional,
    parse_model,
    require_province,
    see_other,
    text,
)

router = APIRouter(prefix="/portal/operator", include_in_schema=False)

PARTY_FIELDS = ("kind", "code", "name_zh", "name_en", "uscc", "customs_code", "agency_type", "city")
USER_FIELDS = ("username", "display_name", "city")
LIMIT = 100


def require_user_admin(user: PortalUser) -> None:
    """Province and city operators (``identity.scope``: the users service's own check)."""
    require_manager(user.principal)


def search_parties(
    session: Session, *, q: str, kind: str, city: str | None, limit: int = LIMIT
) -> list[Party]:
    """Organisations by code, USCC or name (either language), of one kind, in one city.

    The parties service has no search yet (the JSON API reads one party by code)."""
    query = select(Party).order_by(Party.kind, Party.code).limit(limit)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                Party.code.ilike(like),
                Party.uscc.ilike(like),
                Party.name_zh.ilike(like),
                Party.name_en.ilike(like),
            )
        )
    if kind in {k.value for k in PartyKind}:
        query = query.where(Party.kind == kind)
    if city is not None:
        query = query.where(in_city(city))
    return list(session.scalars(query))


def _city_scope(user: PortalUser) -> str | None:
    """None for a province operator (everything); a city operator's city."""
    return None if is_province_operator(user.principal) else user.principal.city or "-"


def _visible_party(session: Session, user: PortalUser, code: str) -> Party:
    party = service.get_party(session, code)
    scope = _city_scope(user)
    if scope is not None and organisation_city(party) != scope:
        raise Forbidden(
            f"Organisation {code} is outside your city",
            f"单位 {code} 不在您所管理的地市",
            code="out_of_scope",
        )
    return party


def _kind_options() -> list[tuple[str, str]]:
    return [(k.value, k.value) for k in PartyKind]


@router.get("/parties")
def parties(request: Request, session: DbSession, user: OperatorUser) -> Response:
    require_user_admin(user)
    q = request.query_params
    search, kind = q.get("q", "").strip()[:100], q.get("kind", "").strip()
    rows = search_parties(session, q=search, kind=kind, city=_city_scope(user))
    values = {
        "parties": rows,
        "q": search,
        "kind": kind,
        "kinds": [k.value for k in PartyKind],
        "limit": LIMIT,
        "can_create": is_province_operator(user.principal),
    }
    return render(request, "operator/parties.html", values, user=user)


def _party_form(
    request: Request,
    user: PortalUser,
    form: dict[str, str],
    error: SingleWindowError | None = None,
) -> Response:
    values = {
        "form": form,
        "error": error,
        "errors": field_errors(error),
        "kinds": _kind_options(),
        "agency_types": [(a.value, a.value) for a in AgencyType],
    }
    status = error.status if error else 200
    return render(request, "operator/party_form.html", values, user=user, status_code=status)


@router.get("/parties/new")
def new_party(request: Request, user: OperatorUser) -> Response:
    require_province(user)
    return _party_form(request, user, {"kind": "enterprise"})


@router.post("/parties")
async def create_party(request: Request, session: DbSession, user: OperatorUser) -> Response:
    require_province(user)
    form = await request.form()
    values = {k: text(form, k) for k in PARTY_FIELDS}

    def create() -> Party:
        data: dict[str, Any] = {
            "kind": values["kind"],
            "code": optional(form, "code"),
            "name_zh": values["name_zh"],
            "name_en": values["name_en"],
            "uscc": optional(form, "uscc"),
            "customs_code": optional(form, "customs_code"),
            "agency_type": optional(form, "agency_type"),
            "attrs": {"city": values["city"]} if values["city"] else {},
        }
        party = service.create_party(session, parse_model(PartyIn, data))
        audit.record_principal(
            session,
            user.principal,
            action=actions.PARTY_CHANGED,
            target_type=actions.PARTY,
            target_id=party.code,
            detail={"change": "create", "kind": party.kind},
        )
        return party

    party, error = attempt(session, create)
    if party is None:
        return _party_form(request, user, values, error)
    return see_other(f"/portal/operator/parties/{party.code}?done=created")


def party_page(
    request: Request,
    session: Session,
    user: PortalUser,
    party: Party,
    *,
    form: dict[str, Any] | None = None,
    error: SingleWindowError | None = None,
    notice: str = "",
) -> Response:
    rows, _ = users.list_users(session, user.principal, org_code=party.code, limit=200)
    kind = PartyKind(party.kind)
    allowed = [r for r in Role if r in allowed_for(kind)]
    values = {
        "party": party,
        "city": organisation_city(party),
        "users": [u for u, _p in rows],
        "roles": [(r.value, ROLE_LABELS[r]) for r in allowed],
        "form": form or {"roles": []},
        "error": error,
        "errors": field_errors(error),
        "notice": notice,
    }
    status = error.status if error else 200
    return render(request, "operator/party.html", values, user=user, status_code=status)


NOTICES = {
    "created": "operator.party_created",
    "activated": "operator.user_activated",
    "deactivated": "operator.user_deactivated",
    "unlocked": "operator.user_unlocked",
}


@router.get("/parties/{code}")
def party_detail(request: Request, session: DbSession, user: OperatorUser, code: str) -> Response:
    require_user_admin(user)
    party = _visible_party(session, user, code)
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    return party_page(request, session, user, party, notice=notice)


def _audit_user(
    session: Session,
    user: PortalUser,
    user_id: str,
    change: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """As ``identity/users_api.py``: every user administration action, never a secret."""
    audit.record_principal(
        session,
        user.principal,
        action=actions.USER_CHANGED,
        target_type=actions.USER,
        target_id=user_id,
        detail={"change": change, **(detail or {})},
    )


def _issued(
    request: Request,
    session: Session,
    user: PortalUser,
    target: User,
    *,
    title: str,
    password: str | None = None,
    enrolment: Enrolment | None = None,
) -> Response:
    """The one page that shows a new secret; it is not stored where it could be shown again."""
    managed, party = users.get_user(session, target.id)
    values = {
        "target": managed,
        "party": party,
        "title_key": title,
        "password": password,
        "enrolment": enrolment,
    }
    return render(request, "operator/user_issued.html", values, user=user)


@router.post("/parties/{code}/users")
async def create_user(
    request: Request, session: DbSession, settings: AppSettings, user: OperatorUser, code: str
) -> Response:
    require_user_admin(user)
    party = _visible_party(session, user, code)
    form = await request.form()
    roles = [str(r) for r in form.getlist("roles")]
    values: dict[str, Any] = {k: text(form, k) for k in USER_FIELDS} | {"roles": roles}

    def create() -> tuple[User, users.Issued]:
        if not roles:
            from singlewindow.kit.errors import ValidationFailed

            raise ValidationFailed(
                "Invalid user data",
                "用户信息无效",
                findings=[
                    Finding("/roles", "required", "choose at least one role", "至少选择一个角色")
                ],
            )
        created, issued = users.create_user(
            session,
            settings,
            user.principal,
            org_code=party.code,
            username=values["username"],
            roles=roles,
            display_name=values["display_name"],
            city=values["city"] or None,
        )
        _audit_user(
            session, user, created.id, "create", {"org": party.code, "roles": sorted(created.roles)}
        )
        return created, issued

    result, error = attempt(session, create)
    if result is None:
        return party_page(request, session, user, party, form=values, error=error)
    created, issued = result
    return _issued(
        request,
        session,
        user,
        created,
        title="operator.user_created",
        password=issued.temporary_password,
        enrolment=issued.totp,
    )


def _party_url(session: Session, user_id: str, done: str) -> str:
    _user, party = users.get_user(session, user_id)
    return f"/portal/operator/parties/{party.code}?done={done}#users"


@router.post("/users/{user_id}/deactivate")
def deactivate_user(
    session: DbSession, settings: AppSettings, user: OperatorUser, user_id: str
) -> Response:
    require_user_admin(user)
    changed, _ = users.update_user(session, settings, user.principal, user_id, active=False)
    _audit_user(session, user, changed.id, "update", {"active": False})
    return see_other(_party_url(session, user_id, "deactivated"))


@router.post("/users/{user_id}/activate")
def activate_user(
    request: Request, session: DbSession, settings: AppSettings, user: OperatorUser, user_id: str
) -> Response:
    require_user_admin(user)
    changed, issued = users.update_user(session, settings, user.principal, user_id, active=True)
    _audit_user(session, user, changed.id, "update", {"active": True})
    if issued.totp is not None:
        return _issued(
            request, session, user, changed, title="operator.user_activated", enrolment=issued.totp
        )
    return see_other(_party_url(session, user_id, "activated"))


@router.post("/users/{user_id}/reset-password")
def reset_password(
    request: Request, session: DbSession, user: OperatorUser, user_id: str
) -> Response:
    require_user_admin(user)
    changed, password = users.reset_password(session, user.principal, user_id)
    _audit_user(session, user, changed.id, "reset_password")
    return _issued(
        request, session, user, changed, title="operator.password_reset", password=password
    )


@router.post("/users/{user_id}/unlock")
def unlock_user(session: DbSession, user: OperatorUser, user_id: str) -> Response:
    require_user_admin(user)
    changed = users.unlock(session, user.principal, user_id)
    _audit_user(session, user, changed.id, "unlock")
    return see_other(_party_url(session, user_id, "unlocked"))


@router.post("/users/{user_id}/totp-reset")
def reset_totp(
    request: Request, session: DbSession, settings: AppSettings, user: OperatorUser, user_id: str
) -> Response:
    require_user_admin(user)
    changed, enrolment = users.reset_totp(session, settings, user.principal, user_id)
    _audit_user(session, user, changed.id, "totp_reset")
    return _issued(
        request, session, user, changed, title="operator.totp_reset_done", enrolment=enrolment
    )
