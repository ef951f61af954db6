"""Roles, the organisation kinds that may hold them, and what an API key acts as.

A user belongs to one organisation (a ``Party``) and holds one or more roles; each role is
allowed only for some organisation kinds. API keys are party credentials without a user: they
act with the default roles of their party's kind (narrowed by the key's scopes, if any).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from singlewindow.parties.schemas import PartyKind


class Role(StrEnum):
    declarant_clerk = "declarant_clerk"
    declarant_admin = "declarant_admin"
    agency_officer = "agency_officer"
    agency_supervisor = "agency_supervisor"
    port_clerk = "port_clerk"
    city_operator = "city_operator"
    province_operator = "province_operator"
    auditor = "auditor"
    analyst = "analyst"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.declarant_clerk: ("报关员", "Declarant clerk"),
    Role.declarant_admin: ("申报单位管理员", "Declarant administrator"),
    Role.agency_officer: ("监管部门经办人", "Agency officer"),
    Role.agency_supervisor: ("监管部门主管", "Agency supervisor"),
    Role.port_clerk: ("港口经营人业务员", "Port operator clerk"),
    Role.city_operator: ("地市平台运维人员", "City operator"),
    Role.province_operator: ("省级平台运维人员", "Province operator"),
    Role.auditor: ("审计员", "Auditor"),
    Role.analyst: ("数据分析员", "Analyst"),
}

DECLARANT_ROLES = frozenset({Role.declarant_clerk, Role.declarant_admin})
AGENCY_ROLES = frozenset({Role.agency_officer, Role.agency_supervisor})
OPERATOR_ROLES = frozenset({Role.city_operator, Role.province_operator})

ROLES_BY_KIND: dict[PartyKind, frozenset[Role]] = {
    PartyKind.enterprise: DECLARANT_ROLES,
    PartyKind.broker: DECLARANT_ROLES,
    PartyKind.carrier: DECLARANT_ROLES,
    PartyKind.agency: AGENCY_ROLES,
    PartyKind.port_operator: frozenset({Role.port_clerk}),
    PartyKind.platform: OPERATOR_ROLES | {Role.auditor, Role.analyst},
    PartyKind.peer: frozenset(),
}

# A second factor is required for these roles (optional for traders and port clerks).
TOTP_REQUIRED = AGENCY_ROLES | OPERATOR_ROLES | {Role.auditor}

# What an API key (a party credential, no user) acts as.
API_KEY_ROLES: dict[PartyKind, frozenset[Role]] = {
    PartyKind.enterprise: frozenset({Role.declarant_clerk}),
    PartyKind.broker: frozenset({Role.declarant_clerk}),
    PartyKind.carrier: frozenset({Role.declarant_clerk}),
    PartyKind.agency: frozenset({Role.agency_officer}),
    PartyKind.port_operator: frozenset({Role.port_clerk}),
    PartyKind.platform: frozenset({Role.province_operator}),
    PartyKind.peer: frozenset(),
}


def allowed_for(kind: PartyKind) -> frozenset[Role]:
    return ROLES_BY_KIND[kind]


_TOTP_REQUIRED_VALUES = frozenset(r.value for r in TOTP_REQUIRED)


def needs_totp(roles: Iterable[str]) -> bool:
    """Whether any of these roles requires a second factor at login."""
    return any(str(role) in _TOTP_REQUIRED_VALUES for role in roles)
