"""Agency routes: post receipts and decisions with reason codes."""

from __future__ import annotations

from fastapi import APIRouter

from singlewindow.agencies.reasons import REASONS
from singlewindow.agencies.schemas import DecisionIn, DecisionOut, ReasonOut
from singlewindow.declarations import repository
from singlewindow.declarations import service as declarations
from singlewindow.kit.errors import Finding, ValidationFailed
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.parties.access import AgencyOrPort
from singlewindow.parties.auth import require_kind
from singlewindow.parties.schemas import PartyKind

router = APIRouter(prefix="/api/v1/agency", tags=["agencies"])


@router.get("/reasons", response_model=list[ReasonOut], summary="Decision reason codes")
def reasons() -> list[ReasonOut]:
    return [ReasonOut(code=c, text_en=en, text_zh=zh) for c, (en, zh) in REASONS.items()]


@router.post("/decisions", response_model=DecisionOut, summary="Post a receipt or decision")
def post_decision(
    session: DbSession, settings: AppSettings, principal: AgencyOrPort, body: DecisionIn
) -> DecisionOut:
    require_kind(principal, PartyKind.agency, PartyKind.port_operator)
    unknown = [
        Finding(
            f"/reasons/{i}/code",
            "unknown_code",
            f"unknown reason code {r.code}",
            f"未知的原因代码 {r.code}",
        )
        for i, r in enumerate(body.reasons)
        if r.code not in REASONS
    ]
    if unknown:
        raise ValidationFailed("Unknown reason code", "原因代码无效", findings=unknown)
    declaration = declarations.apply_decision(
        session,
        principal,
        body.declaration_id,
        body.decision,
        node_code=settings.node_code,
        reasons=[r.model_dump() for r in body.reasons],
        entry_no=body.entry_no,
        note=body.note,
        inspection_due_hours=settings.inspection_due_hours,
    )
    status = repository.agency_status(session, declaration.id, principal.party_code)
    return DecisionOut(
        declaration_id=declaration.id,
        status=declaration.status,
        agency_status=status.status if status else "",
        entry_no=declaration.entry_no,
    )
