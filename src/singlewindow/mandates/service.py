"""Granting, revoking and checking mandates.

A broker's submission names the enterprise it declares for (``head/trade_co_scc``) and
itself as the declaring agent (``head/agent_code_scc``); ``required_for`` finds the mandate
that covers it or answers 403 saying exactly what is missing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, Forbidden, NotFound, ValidationFailed
from singlewindow.mandates.models import Mandate
from singlewindow.mandates.schemas import MandateIn
from singlewindow.parties.auth import Principal
from singlewindow.parties.models import Party
from singlewindow.parties.rules import uscc_findings
from singlewindow.parties.service import DECLARANT_KINDS, party_by_uscc
from singlewindow.standards.codes.lookup import DbCodeLookup
from singlewindow.standards.documents.registry import document_types


def state(mandate: Mandate, today: date | None = None) -> str:
    day = today or clock.today_china()
    if mandate.revoked_at is not None:
        return "revoked"
    if day < mandate.valid_from:
        return "scheduled"
    if day > mandate.valid_to:
        return "expired"
    return "active"


def _grantor(principal: Principal) -> str:
    if principal.kind not in DECLARANT_KINDS or principal.uscc is None:
        raise Forbidden(
            "Only an enterprise with a unified social credit code can grant a mandate",
            "只有具有统一社会信用代码的企业可以委托报关",
            code="not_a_grantor",
        )
    return principal.uscc


def grant(session: Session, principal: Principal, data: MandateIn) -> Mandate:
    grantor = _grantor(principal)
    findings = uscc_findings(data.agent_uscc, "/agent_uscc")
    if not findings:
        agent = party_by_uscc(session, data.agent_uscc)
        if agent is None or agent.kind != "broker" or not agent.active:
            findings.append(
                Finding(
                    "/agent_uscc",
                    "not_a_broker",
                    "no active customs broker is registered with this code",
                    "该代码没有对应的已登记报关企业",
                )
            )
        elif data.agent_uscc == grantor:
            findings.append(
                Finding("/agent_uscc", "self", "cannot mandate yourself", "不能委托本企业")
            )
    known = {t.type for t in document_types()}
    for i, doc_type in enumerate(data.doc_types):
        if doc_type not in known:
            findings.append(
                Finding(
                    f"/doc_types/{i}",
                    "unknown_document_type",
                    f"unknown document type {doc_type!r}",
                    f"未知的单证类型 {doc_type!r}",
                )
            )
    lookup = DbCodeLookup(session)
    for i, district in enumerate(data.customs_districts):
        if not (district.endswith("00") and lookup.contains("customs_district", district)):
            findings.append(
                Finding(
                    f"/customs_districts/{i}",
                    "not_a_head_office",
                    f"{district!r} is not a customs head office code (e.g. 5300)",
                    f"{district!r} 不是直属海关关区代码（如 5300）",
                )
            )
    if data.valid_to < data.valid_from:
        findings.append(
            Finding(
                "/valid_to",
                "before_valid_from",
                "valid_to is before valid_from",
                "截止日期早于起始日期",
            )
        )
    elif data.valid_to < clock.today_china():
        findings.append(
            Finding("/valid_to", "in_the_past", "valid_to is in the past", "截止日期已过")
        )
    if findings:
        raise ValidationFailed("Invalid mandate", "委托无效", findings=findings)
    mandate = Mandate(
        grantor_uscc=grantor,
        grantor_code=principal.party_code,
        agent_uscc=data.agent_uscc,
        doc_types=sorted(set(data.doc_types)),
        customs_districts=sorted(set(data.customs_districts)),
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        created_by=principal.party_code,
        note=data.note,
    )
    session.add(mandate)
    session.flush()
    return mandate


def _visible_filter(principal: Principal) -> object:
    uscc = principal.uscc or "-"
    return or_(Mandate.grantor_uscc == uscc, Mandate.agent_uscc == uscc)


def get(session: Session, principal: Principal, mandate_id: str) -> Mandate:
    query = select(Mandate).where(Mandate.id == mandate_id)
    if not principal.is_operator:
        query = query.where(_visible_filter(principal))  # type: ignore[arg-type]
    mandate = session.scalar(query)
    if mandate is None:
        raise NotFound("Mandate not found", "未找到该委托", code="mandate_not_found")
    return mandate


def listing(
    session: Session, principal: Principal, *, as_role: str | None, after: str | None, limit: int
) -> list[Mandate]:
    query = select(Mandate).order_by(Mandate.id).limit(limit)
    if after:
        query = query.where(Mandate.id > after)
    if as_role == "grantor":
        query = query.where(Mandate.grantor_uscc == (principal.uscc or "-"))
    elif as_role == "agent":
        query = query.where(Mandate.agent_uscc == (principal.uscc or "-"))
    elif not principal.is_operator:
        query = query.where(_visible_filter(principal))  # type: ignore[arg-type]
    return list(session.scalars(query))


def revoke(session: Session, principal: Principal, mandate_id: str, reason: str) -> Mandate:
    """The grantor withdraws, the broker declines, or an operator ends a mandate."""
    mandate = get(session, principal, mandate_id)
    if mandate.revoked_at is not None:
        raise Conflict("Mandate already revoked", "该委托已撤销", code="already_revoked")
    mandate.revoked_at = clock.now()
    mandate.revoked_by = principal.party_code
    mandate.revoke_reason = reason
    session.flush()
    return mandate


def _missing(reason: str, reason_zh: str, code: str) -> Forbidden:
    return Forbidden(
        f"No valid mandate: {reason}",
        f"没有有效的代理报关委托：{reason_zh}",
        code=code,
        findings=[Finding("/head/agent_code_scc", code, reason, reason_zh)],
    )


def required_for(
    session: Session,
    *,
    grantor_uscc: str,
    agent_uscc: str,
    doc_type: str,
    district: str | None,
    on: date | None = None,
) -> Mandate:
    """The mandate that lets ``agent_uscc`` file ``doc_type`` for ``grantor_uscc`` in
    ``district`` on ``on`` (today), else 403 naming what is missing."""
    day = on or clock.today_china()
    candidates = list(
        session.scalars(
            select(Mandate)
            .where(Mandate.grantor_uscc == grantor_uscc, Mandate.agent_uscc == agent_uscc)
            .order_by(Mandate.created_at.desc())
        )
    )
    if not candidates:
        raise _missing(
            f"{grantor_uscc} has not mandated {agent_uscc}",
            f"{grantor_uscc} 未委托 {agent_uscc} 代理报关",
            "no_mandate",
        )
    live = [m for m in candidates if m.revoked_at is None]
    if not live:
        raise _missing("the mandate was revoked", "委托已被撤销", "mandate_revoked")
    current = [m for m in live if m.valid_from <= day <= m.valid_to]
    if not current:
        raise _missing(
            "the mandate is not valid today (expired or not yet started)",
            "委托不在有效期内（已过期或尚未生效）",
            "mandate_not_in_period",
        )
    typed = [m for m in current if doc_type in (m.doc_types or [])]
    if not typed:
        raise _missing(
            f"the mandate does not cover document type {doc_type}",
            f"委托范围不包括单证类型 {doc_type}",
            "mandate_scope_doc_type",
        )
    for mandate in typed:
        districts = mandate.customs_districts or []
        if not districts or (district is not None and district in districts):
            return mandate
    raise _missing(
        f"the mandate does not cover customs district {district}",
        f"委托范围不包括关区 {district}",
        "mandate_scope_district",
    )


def grantor_party(session: Session, mandate: Mandate) -> Party | None:
    return party_by_uscc(session, mandate.grantor_uscc)
