"""Mandate routes: enterprises grant and revoke; brokers see and decline theirs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.kit.http import DbSession
from singlewindow.kit.pagination import Page, decode_cursor, page_of
from singlewindow.mandates import service
from singlewindow.mandates.models import Mandate
from singlewindow.mandates.schemas import MandateIn, MandateOut, RevokeIn
from singlewindow.parties.access import Declarant, DeclarantOperatorAuditor, DeclarantOrOperator
from singlewindow.parties.auth import Principal

router = APIRouter(prefix="/api/v1/mandates", tags=["mandates"])


def mandate_out(mandate: Mandate) -> MandateOut:
    return MandateOut.model_validate(
        {
            **{k: getattr(mandate, k) for k in MandateOut.model_fields if k != "state"},
            "state": service.state(mandate),
        }
    )


@router.post("", response_model=MandateOut, status_code=status.HTTP_201_CREATED)
def grant(session: DbSession, principal: Declarant, body: MandateIn) -> MandateOut:
    """The calling enterprise authorises a customs broker (代理报关委托)."""
    mandate = service.grant(session, principal, body)
    _audit(session, principal, mandate, "grant")
    return mandate_out(mandate)


@router.get("", response_model=Page[MandateOut])
def listing(
    session: DbSession,
    principal: DeclarantOperatorAuditor,
    role: Annotated[
        Literal["grantor", "agent"] | None, Query(description="mandates I granted / received")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[MandateOut]:
    rows = service.listing(
        session, principal, as_role=role, after=decode_cursor(cursor), limit=limit + 1
    )
    return page_of(rows, limit, mandate_out)


@router.get("/{mandate_id}", response_model=MandateOut)
def get(session: DbSession, principal: DeclarantOperatorAuditor, mandate_id: str) -> MandateOut:
    return mandate_out(service.get(session, principal, mandate_id))


@router.post("/{mandate_id}/revoke", response_model=MandateOut)
def revoke(
    session: DbSession, principal: DeclarantOrOperator, mandate_id: str, body: RevokeIn
) -> MandateOut:
    """The grantor withdraws, the broker declines, or an operator ends the mandate."""
    mandate = service.revoke(session, principal, mandate_id, body.reason)
    _audit(session, principal, mandate, "revoke")
    return mandate_out(mandate)


def _audit(session: Session, principal: Principal, mandate: Mandate, change: str) -> None:
    audit.record_principal(
        session,
        principal,
        action=actions.MANDATE_CHANGED,
        target_type=actions.MANDATE,
        target_id=mandate.id,
        detail={
            "change": change,
            "grantor": mandate.grantor_uscc,
            "agent": mandate.agent_uscc,
            "doc_types": list(mandate.doc_types),
            "customs_districts": list(mandate.customs_districts),
        },
    )
