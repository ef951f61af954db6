"""Queries on declarations, scoped to what a principal may see."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.identity.rules import city_of_uscc
from singlewindow.parties.auth import Principal
from singlewindow.parties.service import DECLARANT_KINDS


def agency_status(session: Session, declaration_id: str, agency_code: str) -> AgencyStatus | None:
    return session.scalar(
        select(AgencyStatus).where(
            AgencyStatus.declaration_id == declaration_id,
            AgencyStatus.agency_code == agency_code,
        )
    )


def agency_statuses(session: Session, declaration_id: str) -> list[AgencyStatus]:
    return list(
        session.scalars(
            select(AgencyStatus)
            .where(AgencyStatus.declaration_id == declaration_id)
            .order_by(AgencyStatus.agency_code)
        )
    )


def recipients(session: Session, declaration_id: str) -> list[str]:
    return [s.agency_code for s in agency_statuses(session, declaration_id)]


def timeline(session: Session, declaration_id: str) -> list[TimelineEvent]:
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.declaration_id == declaration_id)
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
    )


def _city_only(principal: Principal) -> str | None:
    """A city operator's city (GB/T 2260, e.g. 440300): they see that city's declarations only.

    A declaration's city is its consignor/consignee's, read from the USCC (characters 3–6 are
    the registering authority's prefecture), as for organisations (``identity.cities``).
    """
    if "province_operator" in principal.roles or "auditor" in principal.roles:
        return None
    if "city_operator" in principal.roles:
        return principal.city or "-"
    return None


def may_see(session: Session, principal: Principal, declaration: Declaration) -> bool:
    if principal.is_operator:
        city = _city_only(principal)
        return city is None or city_of_uscc(declaration.trade_co_scc) == city
    if principal.kind in DECLARANT_KINDS:
        return declaration.declarant_code == principal.party_code or (
            principal.uscc is not None
            and principal.uscc in (declaration.trade_co_scc, declaration.agent_code_scc)
        )
    return agency_status(session, declaration.id, principal.party_code) is not None


def scoped(principal: Principal) -> Select[Declaration]:
    """Declarations the principal may see, as a query to filter further."""
    query = select(Declaration)
    if principal.is_operator:
        city = _city_only(principal)
        if city is None:
            return query
        return query.where(func.substr(Declaration.trade_co_scc, 3, 4) == city[:4])
    if principal.kind in DECLARANT_KINDS:
        conditions = [Declaration.declarant_code == principal.party_code]
        if principal.uscc:
            conditions += [
                Declaration.trade_co_scc == principal.uscc,
                Declaration.agent_code_scc == principal.uscc,
            ]
        return query.where(or_(*conditions))
    routed = select(AgencyStatus.declaration_id).where(
        AgencyStatus.agency_code == principal.party_code
    )
    return query.where(Declaration.id.in_(routed))


def search(
    session: Session,
    principal: Principal,
    *,
    unified_no: str | None = None,
    entry_no: str | None = None,
    client_ref: str | None = None,
    bill_no: str | None = None,
    status: str | None = None,
    after_id: str | None = None,
    limit: int = 50,
) -> list[Declaration]:
    query = scoped(principal)
    if unified_no:
        query = query.where(Declaration.unified_no == unified_no)
    if entry_no:
        query = query.where(Declaration.entry_no == entry_no)
    if client_ref:
        query = query.where(Declaration.client_ref == client_ref)
    if bill_no:
        query = query.where(Declaration.bill_no == bill_no)
    if status:
        query = query.where(Declaration.status == status)
    if after_id:
        query = query.where(Declaration.id < after_id)
    return list(session.scalars(query.order_by(Declaration.id.desc()).limit(limit)))
