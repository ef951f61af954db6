"""Who may manage which users (pure: takes the caller and facts about the target).

- province operators: every user;
- city operators: users of organisations in their city (``identity.cities``), never anyone who
  is or would become a province operator;
- declarant administrators: users of their own organisation, declarant roles only;
- everyone else: nobody.

The local console (CLI) acts with full rights and passes no principal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from singlewindow.identity.roles import DECLARANT_ROLES, Role
from singlewindow.kit.errors import Finding, Forbidden
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.parties.service import DECLARANT_KINDS

MANAGER_ROLES = frozenset({Role.province_operator, Role.city_operator, Role.declarant_admin})


@dataclass(frozen=True, slots=True)
class Target:
    """The organisation a user is (or will be) in, the roles involved, and the user's city."""

    party_id: str
    party_code: str
    city: str | None
    roles: frozenset[str]
    user_city: str | None = None


def is_province_operator(actor: Principal) -> bool:
    return actor.kind == PartyKind.platform and Role.province_operator.value in actor.roles


def is_city_operator(actor: Principal) -> bool:
    return (
        actor.kind == PartyKind.platform
        and Role.city_operator.value in actor.roles
        and actor.city is not None
    )


def is_declarant_admin(actor: Principal) -> bool:
    return actor.kind in DECLARANT_KINDS and Role.declarant_admin.value in actor.roles


def require_manager(actor: Principal) -> None:
    """The caller may manage some users at all (else 403)."""
    if is_province_operator(actor) or is_city_operator(actor) or is_declarant_admin(actor):
        return
    raise Forbidden(
        "Managing users needs the role province_operator, city_operator or declarant_admin",
        "管理用户需要省级平台运维人员、地市平台运维人员或申报单位管理员角色",
        code="not_a_user_manager",
    )


def check_manage(actor: Principal | None, target: Target, path: str = "/org") -> None:
    """Raises Forbidden unless ``actor`` may manage a user described by ``target``."""
    if actor is None or is_province_operator(actor):
        return
    require_manager(actor)
    if is_city_operator(actor):
        if target.city != actor.city:
            raise _out_of_scope(
                path,
                f"City operator of {actor.city} cannot manage users of organisation "
                f"{target.party_code} (city: {target.city or 'none'})",
                f"{actor.city} 地市平台运维人员不能管理单位 {target.party_code}"
                f"（所属地市：{target.city or '无'}）的用户",
            )
        if Role.province_operator.value in target.roles:
            raise _out_of_scope(
                "/roles",
                "A city operator cannot manage province operators",
                "地市平台运维人员不能管理省级平台运维人员",
            )
        if target.user_city not in (None, actor.city):
            raise _out_of_scope(
                "/city",
                f"A city operator of {actor.city} cannot manage operators of city "
                f"{target.user_city}",
                f"{actor.city} 地市平台运维人员不能管理地市 {target.user_city} 的运维人员",
            )
        return
    # A declarant administrator.
    if target.party_id != actor.party_id:
        raise _out_of_scope(
            path,
            f"A declarant administrator manages users of their own organisation only "
            f"({actor.party_code}), not {target.party_code}",
            f"申报单位管理员只能管理本单位（{actor.party_code}）的用户，不能管理 "
            f"{target.party_code} 的用户",
        )
    outside = sorted(target.roles - {r.value for r in DECLARANT_ROLES})
    if outside:
        raise _out_of_scope(
            "/roles",
            f"A declarant administrator can grant declarant roles only, not {', '.join(outside)}",
            f"申报单位管理员只能授予申报类角色，不能授予 {', '.join(outside)}",
        )


def roles_of(*groups: Iterable[str]) -> frozenset[str]:
    return frozenset(role for group in groups for role in group)


def _out_of_scope(path: str, en: str, zh: str) -> Forbidden:
    return Forbidden(en, zh, code="out_of_scope", findings=[Finding(path, "out_of_scope", en, zh)])
