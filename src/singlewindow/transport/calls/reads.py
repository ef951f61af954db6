"""What a principal may read of calls, reports and vessels.

The carrier (the filer) and operators read whole documents; an agency or port operator reads
exactly the projection its routing rule gave it, and each such read is audited.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.exchange.pointers import project
from singlewindow.identity.cities import in_city
from singlewindow.kit.errors import NotFound
from singlewindow.parties.auth import Principal
from singlewindow.parties.models import Party
from singlewindow.transport.calls import repository
from singlewindow.transport.calls import rules as r
from singlewindow.transport.calls.clearance import clearances_out
from singlewindow.transport.calls.schemas import (
    CallOut,
    EventOut,
    ReportOut,
    ReportSummary,
    VesselOut,
)
from singlewindow.transport.models import TransportCall, TransportReport


def _call_not_found(call_id: str) -> NotFound:
    return NotFound(
        f"Transport call {call_id} not found",
        f"未找到运输工具航次 {call_id}",
        code="call_not_found",
    )


def visible_call(session: Session, principal: Principal, call_id: str) -> TransportCall:
    """The call, if the caller may see it (else 404, so ids don't leak)."""
    call = session.get(TransportCall, call_id)
    if call is None or not repository.may_see(session, principal, call):
        raise _call_not_found(call_id)
    return call


def _summary(report: TransportReport) -> ReportSummary:
    return ReportSummary(
        id=report.id,
        doc_type=report.doc_type,
        message_type=report.message_type,
        client_ref=report.client_ref,
        declarant_code=report.declarant_code,
        submitted_at=report.submitted_at,
        recipients=repository.recipient_codes(report),
    )


def _full_view(principal: Principal, declarant_code: str) -> bool:
    return principal.is_operator or principal.party_code == declarant_code


def call_out(session: Session, principal: Principal, call: TransportCall) -> CallOut:
    full = _full_view(principal, call.carrier_code)
    reports = repository.reports(session, call.id)
    if not full:  # an agency lists the reports it was sent
        reports = [x for x in reports if repository.delivery_to(x, principal.party_code)]
    return CallOut(
        id=call.id,
        mode=call.mode,
        means_id=call.means_id,
        journey_id=call.journey_id,
        journey_out=call.journey_out,
        means_name=call.means_name,
        port=call.port,
        customs_office=call.customs_office,
        carrier_code=call.carrier_code,
        stage=call.stage,
        arrival_clearance=call.arrival_clearance,
        departure_clearance=call.departure_clearance,
        eta=call.eta,
        etd=call.etd,
        ata=call.ata,
        atd=call.atd,
        created_at=call.created_at,
        updated_at=call.updated_at,
        clearances=clearances_out(session, call.id),
        reports=[_summary(x) for x in reports],
        timeline=[
            EventOut(at=e.at, actor=e.actor, event=e.event, detail=e.detail)
            for e in repository.timeline(session, call.id)
        ],
        document=call.document if full else None,
    )


def _in_city_of(session: Session, principal: Principal, code: str) -> bool:
    if "province_operator" in principal.roles or "auditor" in principal.roles:
        return True
    city = principal.city or "-"
    found = session.scalar(select(Party.id).where(Party.code == code, in_city(city)))
    return found is not None


def report_out(session: Session, principal: Principal, report_id: str) -> ReportOut:
    report = session.get(TransportReport, report_id)
    missing = NotFound(
        f"Transport report {report_id} not found",
        f"未找到运输工具申报 {report_id}",
        code="report_not_found",
    )
    if report is None:
        raise missing
    rule = None
    if principal.party_code == report.declarant_code or (
        principal.is_operator and _in_city_of(session, principal, report.declarant_code)
    ):
        view, document, recipients = "full", report.document, repository.recipient_codes(report)
    elif principal.is_agency:
        delivery = repository.delivery_to(report, principal.party_code)
        if delivery is None:
            raise missing
        rule = delivery.get("rule")
        view, recipients = "projection", [principal.party_code]
        document = project(report.document, list(delivery.get("projection") or []))
        audit.record_principal(
            session,
            principal,
            action=r.AUDIT_REPORT_READ,
            target_type=r.AUDIT_REPORT,
            target_id=report.id,
            detail={"via": "api", "rule": rule},
        )
    else:
        raise missing
    return ReportOut(
        id=report.id,
        call_id=report.call_id,
        doc_type=report.doc_type,
        message_type=report.message_type,
        client_ref=report.client_ref,
        declarant_code=report.declarant_code,
        submitted_at=report.submitted_at,
        content_digest=report.content_digest,
        recipients=recipients,
        view=view,
        rule=rule,
        document=document,
    )


def vessel_out(session: Session, imo: str) -> VesselOut:
    vessel = repository.vessel(session, imo)
    if vessel is None:
        raise NotFound(
            f"Vessel IMO {imo} not found",
            f"未找到 IMO 编号为 {imo} 的船舶",
            code="vessel_not_found",
        )
    return VesselOut.model_validate(vessel, from_attributes=True)
