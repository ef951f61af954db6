"""What each route needs: roles and a tenant scope, declared once per route.

Every protected route takes its principal as ``Annotated[Principal, Allow(...)]``. ``Allow``
is a FastAPI ``Security`` dependency: the roles and the tenant scope travel as OAuth scopes,
so they appear in the OpenAPI document (``security: [{"HTTPBearer": [...]}]``) where the
every-route test (tests/api/test_access.py) reads them — a route without a declaration fails
that test unless it is listed as public there.

Roles are checked here (403 ``wrong_role``). The tenant scope says which rows a caller may
touch and is enforced by the service the route calls:

* ``tenant:self`` — the caller's own account, inbox or channel;
* ``tenant:own`` — data of the caller's organisation (and what it filed under a mandate);
* ``tenant:routed`` — what the platform routed to the caller (agencies, port operators);
* ``tenant:city`` — a city operator's city (a province operator: everything);
* ``tenant:all`` — node-wide (province operators, auditors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, Request, Security
from fastapi.security import SecurityScopes

from singlewindow.identity.roles import Role
from singlewindow.kit.errors import Forbidden
from singlewindow.parties.auth import (
    Principal,
    detached_principal,
    require_principal,
    require_principal_pending,
)

Tenant = Literal["self", "own", "routed", "city", "all"]
ANY = "authenticated"  # the role-less scope: any authenticated caller

DECLARANTS = (Role.declarant_clerk, Role.declarant_admin)
AGENCIES = (Role.agency_officer, Role.agency_supervisor)
PORT = (Role.port_clerk,)
OPERATORS = (Role.province_operator, Role.city_operator)
PROVINCE = (Role.province_operator,)
READERS = (*DECLARANTS, *AGENCIES, *PORT, *OPERATORS, Role.auditor)


OIDC_SCOPES = frozenset({"openid", "profile", "offline_access"})


def _check_area(principal: Principal, path: str) -> None:
    """API scopes limit a credential to API areas (``/api/v1/<area>/``): an API key with
    scopes, and every access token (a token reaches only the areas it was granted; the
    caller's own account under ``auth`` needs none). A key without scopes is unlimited."""
    if principal.via not in ("api_key", "token"):
        return
    granted = principal.scopes - OIDC_SCOPES
    if principal.via == "api_key" and not granted:
        return
    area = path.removeprefix("/api/v1/").split("/", 1)[0]
    if area == "auth" or area in granted:
        return
    listed = ", ".join(sorted(granted)) or "-"
    raise Forbidden(
        f"This credential is limited to the API areas: {listed} (not {area})",
        f"此凭证仅限用于以下接口范围：{listed}（不含 {area}）",
        code="scope_not_granted",
    )


def _check(security_scopes: SecurityScopes, principal: Principal, request: Request) -> Principal:
    _check_area(principal, request.url.path)
    wanted = {s for s in security_scopes.scopes if not s.startswith("tenant:")} - {ANY}
    if wanted and not principal.roles & wanted:
        allowed = ", ".join(sorted(wanted))
        raise Forbidden(
            f"This action needs one of the roles: {allowed}",
            f"此操作需要以下角色之一：{allowed}",
            code="wrong_role",
        )
    return principal


def _variant(source: Callable[..., Principal]) -> Callable[..., Principal]:
    def authorize(
        request: Request, security_scopes: SecurityScopes, principal: Principal = Depends(source)
    ) -> Principal:
        return _check(security_scopes, principal, request)

    return authorize


_STANDARD = _variant(require_principal)
_DETACHED = _variant(detached_principal)
_PENDING = _variant(require_principal_pending)


def Allow(  # noqa: N802 - reads like a declaration: Annotated[Principal, Allow(...)]
    *roles: Role,
    tenant: Tenant,
    detached: bool = False,
    pending: bool = False,
) -> Any:
    """The route's access: one of ``roles`` (none = any authenticated caller) in ``tenant``.

    ``detached`` authenticates in its own short transaction (async routes that wait or hand
    work to a thread); ``pending`` lets a user who must change their password through.
    """
    scopes = [r.value for r in roles] or [ANY]
    source = _DETACHED if detached else _PENDING if pending else _STANDARD
    return Security(source, scopes=[*scopes, f"tenant:{tenant}"])


# The declarations most routes use (read them as: who, in which tenant scope).
SelfOnly = Annotated[Principal, Allow(tenant="self")]
SelfPending = Annotated[Principal, Allow(tenant="self", pending=True)]
SelfWaiting = Annotated[Principal, Allow(tenant="self", detached=True)]
Declarant = Annotated[Principal, Allow(*DECLARANTS, tenant="own")]
DetachedDeclarant = Annotated[Principal, Allow(*DECLARANTS, tenant="own", detached=True)]
Reader = Annotated[Principal, Allow(*READERS, tenant="own")]
AgencyOrPort = Annotated[Principal, Allow(*AGENCIES, *PORT, tenant="routed")]
DeclarantOrOperator = Annotated[Principal, Allow(*DECLARANTS, *OPERATORS, tenant="own")]
DeclarantOperatorAuditor = Annotated[
    Principal, Allow(*DECLARANTS, *OPERATORS, Role.auditor, tenant="own")
]
UserAdmin = Annotated[Principal, Allow(*OPERATORS, Role.declarant_admin, tenant="city")]
ProvinceOperator = Annotated[Principal, Allow(*PROVINCE, tenant="all")]
AnyReader = Annotated[Principal, Allow(*READERS, tenant="all")]
Auditor = Annotated[Principal, Allow(Role.auditor, Role.province_operator, tenant="all")]
