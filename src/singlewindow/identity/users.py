"""Named actions on users: create, update, reset password, unlock, reset TOTP, list.

``actor`` is the caller (``None`` for the local console, which has full rights); every action
checks ``identity.scope`` first. Services flush, never commit. Secrets a caller must see once
(a temporary password, a new TOTP seed) are returned in ``Issued`` and stored only hashed or
encrypted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from singlewindow.identity import totp
from singlewindow.identity.cities import in_city, organisation_city
from singlewindow.identity.models import User
from singlewindow.identity.passwords import hash_password, temporary_password
from singlewindow.identity.roles import Role, needs_totp
from singlewindow.identity.rules import (
    city_findings,
    normalise_username,
    password_findings,
    role_findings,
    username_findings,
)
from singlewindow.identity.scope import (
    Target,
    check_manage,
    is_city_operator,
    is_declarant_admin,
    is_province_operator,
    require_manager,
    roles_of,
)
from singlewindow.identity.sessions import revoke_user_sessions
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, Forbidden, NotFound, ValidationFailed
from singlewindow.kit.settings import Settings
from singlewindow.parties.auth import Principal
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import PartyKind


@dataclass
class Issued:
    """Secrets shown once to whoever made the change."""

    temporary_password: str | None = None
    totp: totp.Enrolment | None = None


def _distinct(roles: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(str(r) for r in roles))


def _invalid(findings: list[Finding]) -> ValidationFailed:
    return ValidationFailed("Invalid user data", "用户信息无效", findings=findings)


_ID = re.compile(r"^[0-9A-Fa-f-]{1,36}$")
_ORG_CODE = re.compile(r"^[A-Za-z0-9_.:-]{2,40}$")  # as PartyIn.code


def get_user(session: Session, user_id: str) -> tuple[User, Party]:
    row = None
    if _ID.match(user_id):
        row = session.execute(
            select(User, Party).join(Party, Party.id == User.party_id).where(User.id == user_id)
        ).first()
    if row is None:
        raise NotFound(f"User {user_id} not found", f"未找到用户 {user_id}", code="user_not_found")
    return row[0], row[1]


def find_user(session: Session, username: str) -> tuple[User, Party]:
    name = normalise_username(username)
    row = None
    if not username_findings(name):
        row = session.execute(
            select(User, Party).join(Party, Party.id == User.party_id).where(User.username == name)
        ).first()
    if row is None:
        raise NotFound(
            f"User {username} not found", f"未找到用户 {username}", code="user_not_found"
        )
    return row[0], row[1]


def target(party: Party, roles: frozenset[str], user_city: str | None = None) -> Target:
    return Target(party.id, party.code, organisation_city(party), roles, user_city)


def _provision_totp(user: User, settings: Settings) -> totp.Enrolment:
    """A fresh, enabled seed for a role that requires TOTP; the operator hands it over."""
    seed = totp.new_seed()
    user.totp_secret = totp.encrypt_seed(seed, user.id, settings)
    user.totp_pending_secret = None
    user.totp_enabled = True
    user.totp_last_step = None
    return totp.enrolment(seed, user.username, settings)


def create_user(
    session: Session,
    settings: Settings,
    actor: Principal | None,
    *,
    org_code: str,
    username: str,
    roles: Sequence[str],
    display_name: str = "",
    city: str | None = None,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, Issued]:
    """Creates a user; without ``password`` a temporary one is generated (and returned)."""
    if actor is not None:
        require_manager(actor)
    name = normalise_username(username)
    wanted = _distinct(roles)
    party = None
    if _ORG_CODE.match(org_code):
        party = session.scalar(select(Party).where(Party.code == org_code))
    findings = username_findings(name)
    if party is None:
        findings.append(
            Finding(
                "/org",
                "org_unknown",
                f"No organisation with code {org_code!r}",
                f"不存在代码为 {org_code!r} 的单位",
            )
        )
    else:
        findings += role_findings(PartyKind(party.kind), wanted)
        if city is None and Role.city_operator.value in wanted:
            city = organisation_city(party)
        findings += city_findings(city, wanted)
    if password is not None:
        findings += password_findings(password, name)
    if findings:
        raise _invalid(findings)
    assert party is not None
    check_manage(actor, target(party, frozenset(wanted), city))
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise _username_taken(name)
    issued = Issued()
    if password is None:
        password = issued.temporary_password = temporary_password()
        must_change_password = True
    user = User(
        party_id=party.id,
        username=name,
        display_name=display_name,
        password_hash=hash_password(password),
        roles=wanted,
        city=city,
        must_change_password=must_change_password,
        password_changed_at=clock.now(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create of the same username
        raise _username_taken(name) from exc
    if needs_totp(wanted):
        issued.totp = _provision_totp(user, settings)
        session.flush()
    return user, issued


def _username_taken(name: str) -> Conflict:
    en, zh = f"Username {name} is already taken", f"用户名 {name} 已被使用"
    return Conflict(
        en, zh, code="username_taken", findings=[Finding("/username", "username_taken", en, zh)]
    )


UNSET: object = object()  # "not given" (None means "clear")


def update_user(
    session: Session,
    settings: Settings,
    actor: Principal | None,
    user_id: str,
    *,
    display_name: str | None = None,
    roles: Sequence[str] | None = None,
    active: bool | None = None,
    city: str | object | None = UNSET,
) -> tuple[User, Issued]:
    """Changes roles, active flag, display name or city (for city operators)."""
    user, party = _managed(session, actor, user_id)
    current = frozenset(str(r) for r in user.roles or ())
    wanted = _distinct(user.roles or () if roles is None else roles)
    is_self = actor is not None and actor.user_id == user.id
    if is_self and ((roles is not None and set(wanted) != current) or active is False):
        raise Forbidden(
            "You cannot change your own roles or deactivate yourself",
            "不能修改自己的角色或停用自己",
            code="self_change",
        )
    new_city: str | None
    if Role.city_operator.value not in wanted:
        new_city = None if city is UNSET else cast(str | None, city)  # a given city is refused
    elif city is UNSET:
        new_city = user.city or organisation_city(party)
    else:
        new_city = cast(str | None, city)
    findings = role_findings(PartyKind(party.kind), wanted) + city_findings(new_city, wanted)
    if findings:
        raise _invalid(findings)
    check_manage(actor, target(party, roles_of(current, wanted), new_city))
    issued = Issued()
    if display_name is not None:
        user.display_name = display_name
    user.roles = wanted
    user.city = new_city
    if active is not None:
        user.active = active
        if not active:
            revoke_user_sessions(session, user.id)
    if needs_totp(wanted) and not user.totp_enabled:
        issued.totp = _provision_totp(user, settings)
    session.flush()
    return user, issued


def _managed(session: Session, actor: Principal | None, user_id: str) -> tuple[User, Party]:
    """The user, if the actor may manage them as they are now (403 before 404 for outsiders)."""
    if actor is not None:
        require_manager(actor)
    user, party = get_user(session, user_id)
    check_manage(actor, target(party, frozenset(user.roles or ()), user.city))
    return user, party


def view_user(session: Session, actor: Principal | None, user_id: str) -> tuple[User, Party]:
    return _managed(session, actor, user_id)


def reset_password(session: Session, actor: Principal | None, user_id: str) -> tuple[User, str]:
    """A temporary password the user must change at next login; ends their sessions."""
    user = _managed(session, actor, user_id)[0]
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = clock.now()
    user.failed_logins = 0
    user.locked_until = None
    revoke_user_sessions(session, user.id)
    session.flush()
    return user, password


def unlock(session: Session, actor: Principal | None, user_id: str) -> User:
    user = _managed(session, actor, user_id)[0]
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def reset_totp(
    session: Session, settings: Settings, actor: Principal | None, user_id: str
) -> tuple[User, totp.Enrolment | None]:
    """Forgets the user's second factor; roles that require one get a new seed (returned)."""
    user = _managed(session, actor, user_id)[0]
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_enabled = False
    user.totp_last_step = None
    enrolment = _provision_totp(user, settings) if needs_totp(user.roles or ()) else None
    session.flush()
    return user, enrolment


def list_users(
    session: Session,
    actor: Principal | None,
    *,
    org_code: str | None = None,
    after_id: str | None = None,
    limit: int = 100,
) -> tuple[list[tuple[User, Party]], str | None]:
    """Users the actor may manage, in id order; returns the page and the last id read."""
    query = select(User, Party).join(Party, Party.id == User.party_id).order_by(User.id)
    if actor is not None and not is_province_operator(actor):
        require_manager(actor)
        if is_city_operator(actor):
            assert actor.city is not None
            query = query.where(in_city(actor.city))
        elif is_declarant_admin(actor):
            query = query.where(User.party_id == actor.party_id)
    if org_code is not None:
        if not _ORG_CODE.match(org_code):
            return [], None
        query = query.where(Party.code == org_code)
    if after_id is not None:
        query = query.where(User.id > after_id)
    rows = [(r[0], r[1]) for r in session.execute(query.limit(limit))]
    last = rows[-1][0].id if len(rows) == limit else None
    if actor is not None and is_city_operator(actor):
        rows = [r for r in rows if Role.province_operator.value not in (r[0].roles or ())]
    return rows, last
