"""Named actions on transport calls: file a report (ship, aircraft, vehicle, train, persons,
dangerous goods) and record an agency's clearance.

Each action checks everything before it writes, then, in the caller's transaction, stores the
report, updates the call, appends timeline events and an audit entry, and queues its messages
through the exchange outbox (every agency receives only its projection). Nothing else writes
a call's stage or clearance.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.exchange import service as exchange
from singlewindow.exchange.routing import active_rules
from singlewindow.kit import clock
from singlewindow.kit.digest import digest_of
from singlewindow.kit.errors import (
    BadRequest,
    Conflict,
    Finding,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from singlewindow.kit.ids import new_id
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.parties.auth import Principal
from singlewindow.parties.service import DECLARANT_KINDS
from singlewindow.standards import validation
from singlewindow.transport.calls import clearance, repository
from singlewindow.transport.calls import rules as r
from singlewindow.transport.calls.clearance import record_clearance
from singlewindow.transport.calls.schemas import Receipt
from singlewindow.transport.models import (
    TransportCall,
    TransportReport,
    Vessel,
)

__all__ = ["check_report_type", "receipt_of", "record_clearance", "submit_report"]

_VESSEL_COLUMNS = {"ship_no": 32, "name_en": 100, "name_cn": 100, "call_sign": 16, "flag": 3}
_CALL_COLUMNS = {"journey_out": 40, "means_name": 100, "port": 5, "customs_office": 4}
_KEY_LENGTH = 40


# ---------------------------------------------------------------------------------------------
# Checks (nothing is written until all of them pass)


def check_report_type(doc_type: str) -> None:
    if doc_type not in r.REPORT_TYPES:
        listed = ", ".join(r.REPORT_TYPES)
        raise NotFound(
            f"Unknown transport report type {doc_type!r}; use one of {listed} "
            "(manifests are filed at /api/v1/manifests)",
            f"未知的运输工具申报类型 {doc_type!r}，可用：{listed}"
            "（舱单请向 /api/v1/manifests 申报）",
            code="unknown_report_type",
            findings=[
                Finding(
                    "path:doc_type",
                    "unknown_report_type",
                    f"unknown report type {doc_type!r}",
                    f"未知的申报类型 {doc_type!r}",
                )
            ],
        )


def _check_filer(principal: Principal) -> None:
    if principal.kind not in DECLARANT_KINDS:
        raise Forbidden(
            "Only carriers, ship agents, brokers and transport companies file transport reports",
            "只有承运人、船舶代理、报关企业和运输企业可以申报运输工具",
            code="not_a_declarant",
        )


def _client_ref(document: dict[str, Any]) -> str:
    ref = document.get("client_ref")
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 64:
        raise ValidationFailed(
            "client_ref is required (1-64 characters)",
            "client_ref（客户端编号）必填，长度 1-64",
            findings=[
                Finding("/client_ref", "required", "client_ref is required", "客户端编号必填")
            ],
        )
    return ref


def _validate(session: Session, doc_type: str, document: dict[str, Any]) -> None:
    findings = validation.validate_document(session, doc_type, document)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ValidationFailed(
            f"The {doc_type} has {len(errors)} error(s)",
            f"申报数据有 {len(errors)} 处错误",
            findings=errors,
        )


def _message_type(doc_type: str, document: dict[str, Any]) -> str:
    message_type = document.get("message_type")
    if isinstance(message_type, str) and (
        doc_type in r.CALL_TYPES
        or (doc_type == "ship_report" and message_type == r.VESSEL_RECORD)
        or r.step_of(doc_type, message_type) is not None
    ):
        return message_type
    raise ValidationFailed(
        f"message_type {message_type!r} is not a {doc_type} message",
        f"报文类型 {message_type!r} 不适用于 {doc_type}",
        findings=[Finding("/message_type", "invalid_enum", "unknown message type", "报文类型无效")],
    )


def _key_checks(doc_type: str, facts: r.Facts) -> r.CallKey:
    findings = r.key_findings(doc_type, facts)
    if facts.key is not None:
        for name in ("means_id", "journey_id"):
            if len(getattr(facts.key, name)) > _KEY_LENGTH:
                findings.append(
                    Finding(
                        facts.paths[name],
                        "too_long",
                        f"at most {_KEY_LENGTH} characters",
                        f"最多 {_KEY_LENGTH} 个字符",
                    )
                )
    if findings or facts.key is None:
        raise ValidationFailed(
            "The report does not identify its call", "申报未能识别运输工具航次", findings=findings
        )
    return facts.key


def _raise(problem: r.Problem | None) -> None:
    if problem is None:
        return
    finding = Finding(problem.path, problem.code, problem.en, problem.zh)
    if problem.status == 422:
        raise ValidationFailed(problem.en, problem.zh, code=problem.code, findings=[finding])
    raise IllegalTransition(problem.en, problem.zh, code=problem.code, findings=[finding])


def _check_owner(principal: Principal, call: TransportCall, facts: r.Facts) -> None:
    if call.carrier_code != principal.party_code:
        raise Forbidden(
            f"The call {call.mode} {call.means_id} {call.journey_id} is filed by another "
            "carrier; only that carrier may report on it",
            f"运输工具航次 {call.mode} {call.means_id} {call.journey_id} 由其他承运人申报，"
            "只有该承运人可以继续申报",
            code="not_your_call",
            findings=[
                Finding(
                    facts.paths.get("means_id", "/"),
                    "not_your_call",
                    "this call belongs to another carrier",
                    "该航次属于其他承运人",
                )
            ],
        )


# ---------------------------------------------------------------------------------------------
# Submit


def submit_report(
    session: Session,
    principal: Principal,
    doc_type: str,
    document: Any,
    *,
    settings: Settings,
) -> Receipt:
    """Validate, store and route one transport report; idempotent per (filer, type,
    client_ref). See docs/transport.md for the call key, lifecycle and routing."""
    check_report_type(doc_type)
    _check_filer(principal)
    if not isinstance(document, dict):
        raise BadRequest(
            "The report must be a JSON object",
            "申报数据必须是 JSON 对象",
            code="not_an_object",
            findings=[Finding("", "type", "expected an object", "应为对象")],
        )
    document = validation.canonical(doc_type, document)
    client_ref = _client_ref(document)
    digest = digest_of(document)
    existing = repository.report_by_ref(session, principal.party_code, doc_type, client_ref)
    if existing is not None:
        if existing.content_digest != digest:
            raise Conflict(
                f"client_ref {client_ref} was already used for a different {doc_type}",
                f"客户端编号 {client_ref} 已用于另一份不同内容的申报",
                code="client_ref_reused",
                findings=[
                    Finding(
                        "/client_ref",
                        "client_ref_reused",
                        "already used for different content",
                        "已用于不同内容的申报",
                    )
                ],
            )
        return receipt_of(session, existing, duplicate=True)
    _validate(session, doc_type, document)
    message_type = _message_type(doc_type, document)
    if doc_type == "ship_report" and message_type == r.VESSEL_RECORD:
        return _vessel_record(session, principal, document, client_ref, digest)
    facts = r.facts_of(doc_type, document)
    key = _key_checks(doc_type, facts)
    step = r.step_of(doc_type, message_type)
    direction = facts.direction if doc_type in r.CALL_TYPES else None
    call_id = repository.find_call(session, key, direction=direction)
    call = repository.locked_call(session, call_id) if call_id is not None else None
    if call is not None:
        _check_owner(principal, call, facts)
    stage = r.Stage(call.stage) if call is not None else r.Stage.announced
    # Wrong data (422) is reported before the state of the call (409).
    _raise(
        r.times_problem(
            facts, call.ata if call is not None else None, call.atd if call is not None else None
        )
    )
    _raise(
        r.lifecycle_problem(
            mode=key.mode,
            stage=stage,
            step=step,
            departure_clearance=call.departure_clearance if call is not None else r.NONE,
        )
    )
    phase = step.phase if step is not None else r.phase_of_direction(direction)
    report_id = new_id()
    new_call = call is None
    if call is None:
        call = TransportCall(
            id=new_id(),
            mode=key.mode,
            means_id=key.means_id,
            journey_id=key.journey_id,
            carrier_code=principal.party_code,
            stage=r.Stage.announced.value,
            arrival_clearance=r.NONE,
            departure_clearance=r.NONE,
            document={},
        )
        session.add(call)
    if doc_type == "ship_report":
        _upsert_vessel(session, principal, document)
    recipients = _route(
        session,
        principal,
        doc_type,
        document,
        correlation_id=call.id,
        context={
            "call_id": call.id,
            "report_id": report_id,
            "doc_type": doc_type,
            "message_type": message_type,
            "phase": phase.value if phase is not None else None,
            "mode": key.mode,
            "means_id": key.means_id,
            "journey_id": key.journey_id,
        },
    )
    report = TransportReport(
        id=report_id,
        call_id=call.id,
        doc_type=doc_type,
        message_type=message_type,
        declarant_code=principal.party_code,
        client_ref=client_ref,
        content_digest=digest,
        document=document,
        recipients=recipients,
        submitted_at=clock.now(),
    )
    session.add(report)
    before = call.stage
    call.stage = r.next_stage(stage, step).value
    call.document = r.merge(call.document or {}, document)
    _index(call, doc_type, facts)
    actor = principal.party_code
    if new_call:
        repository.add_event(
            session,
            call.id,
            actor,
            "call_opened",
            {"key": [key.mode, key.means_id, key.journey_id]},
        )
    repository.add_event(
        session,
        call.id,
        actor,
        "report_filed",
        {
            "report_id": report_id,
            "doc_type": doc_type,
            "message_type": message_type,
            "stage_before": None if new_call else before,
            "stage_after": call.stage,
            "recipients": [e["code"] for e in recipients],
        },
    )
    session.flush()
    if phase is not None and not (step is not None and step.final):
        clearance.open_clearances(session, call, phase, recipients)
    clearance.refresh_aggregates(session, call, actor, settings.node_code)
    audit.record(
        session,
        actor=actor,
        action=r.AUDIT_REPORT_SUBMITTED,
        target_type=r.AUDIT_REPORT,
        target_id=report_id,
        detail={
            "call_id": call.id,
            "doc_type": doc_type,
            "message_type": message_type,
            "digest": digest,
        },
    )
    session.flush()
    return receipt_of(session, report, duplicate=False, call=call)


def _index(call: TransportCall, doc_type: str, facts: r.Facts) -> None:
    """The call's indexed columns from the report (a person list or DG declaration only
    fills what no means report has given; values too long to index stay in the document)."""
    for column, value in facts.values.items():
        limit = _CALL_COLUMNS.get(column)
        if limit is not None and not (isinstance(value, str) and len(value) <= limit):
            continue
        if doc_type in r.CALL_TYPES and getattr(call, column) is not None:
            continue
        setattr(call, column, value)


def _vessel_record(
    session: Session,
    principal: Principal,
    document: dict[str, Any],
    client_ref: str,
    digest: str,
) -> Receipt:
    """CSM001: the vessel's particulars, routed to its agencies; it opens no call."""
    imo = _upsert_vessel(session, principal, document)
    report_id = new_id()
    recipients = _route(
        session,
        principal,
        "ship_report",
        document,
        correlation_id=report_id,
        context={
            "report_id": report_id,
            "doc_type": "ship_report",
            "message_type": r.VESSEL_RECORD,
            "imo": imo,
        },
    )
    report = TransportReport(
        id=report_id,
        call_id=None,
        doc_type="ship_report",
        message_type=r.VESSEL_RECORD,
        declarant_code=principal.party_code,
        client_ref=client_ref,
        content_digest=digest,
        document=document,
        recipients=recipients,
        submitted_at=clock.now(),
    )
    session.add(report)
    audit.record(
        session,
        actor=principal.party_code,
        action=r.AUDIT_REPORT_SUBMITTED,
        target_type=r.AUDIT_REPORT,
        target_id=report_id,
        detail={"imo": imo, "doc_type": "ship_report", "message_type": r.VESSEL_RECORD},
    )
    session.flush()
    return receipt_of(session, report, duplicate=False)


def _upsert_vessel(session: Session, principal: Principal, document: dict[str, Any]) -> str:
    block = document.get("vessel")
    particulars = dict(block) if isinstance(block, dict) else {}
    imo = str(particulars.pop("imo", "") or "")
    if not imo or len(imo) > 7:
        raise ValidationFailed(
            "vessel/imo is required",
            "vessel/imo（IMO 编号）必填",
            findings=[Finding("/vessel/imo", "required", "imo is required", "IMO 编号必填")],
        )
    columns = {
        name: str(particulars.pop(name))
        for name in _VESSEL_COLUMNS
        if name in particulars and len(str(particulars[name])) <= _VESSEL_COLUMNS[name]
    }
    vessel = repository.vessel(session, imo)
    if vessel is None:
        session.add(
            Vessel(
                imo=imo,
                particulars=particulars,
                recorded_by=principal.party_code,
                **columns,
            )
        )
    else:
        for name, value in columns.items():
            setattr(vessel, name, value)
        vessel.particulars = {**(vessel.particulars or {}), **particulars}
        vessel.recorded_by = principal.party_code
        vessel.updated_at = clock.now()
    return imo


def _route(
    session: Session,
    principal: Principal,
    doc_type: str,
    document: dict[str, Any],
    *,
    correlation_id: str,
    context: dict[str, Any],
) -> list[dict[str, Any]]:
    """Routes the report (one outbox row per recipient) and returns what each received: the
    party, its role, the rule and the rule's projection (so that a later read by that agency
    shows exactly what it was sent)."""
    rows = exchange.route_rows(
        session,
        kind=doc_type,
        document=document,
        sender=principal.party_code,
        correlation_id=correlation_id,
        context=context,
    )
    exchange.write(session, rows)
    codes = [row["recipient"] for row in rows]
    roles = parties.roles_of(session, codes)
    projections = {rule.name: list(rule.projection) for rule in active_rules(session, doc_type)}
    out = []
    for row in rows:
        rule = (row.get("context") or {}).get("rule")
        out.append(
            {
                "code": row["recipient"],
                "role": roles.get(row["recipient"], "other"),
                "rule": rule,
                "projection": projections.get(rule or "", []),
                "message_id": row["id"],
                "digest": row["digest"],
            }
        )
    return out


def receipt_of(
    session: Session,
    report: TransportReport,
    *,
    duplicate: bool,
    call: TransportCall | None = None,
) -> Receipt:
    if call is None and report.call_id is not None:
        call = session.get(TransportCall, report.call_id)
    return Receipt(
        report_id=report.id,
        call_id=report.call_id,
        doc_type=report.doc_type,
        message_type=report.message_type,
        client_ref=report.client_ref,
        mode=call.mode if call else None,
        means_id=call.means_id if call else None,
        journey_id=call.journey_id if call else None,
        stage=call.stage if call else None,
        arrival_clearance=call.arrival_clearance if call else None,
        departure_clearance=call.departure_clearance if call else None,
        clearances=clearance.clearances_out(session, call.id) if call else [],
        recipients=repository.recipient_codes(report),
        duplicate=duplicate,
        content_digest=report.content_digest,
        accepted_at=report.submitted_at,
    )
