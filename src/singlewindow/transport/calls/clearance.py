"""Clearance of a call's arrival and departure by the agencies that received them.

Every agency that received a report of a phase holds one clearance of that phase
(``pending`` until it decides: ``cleared``, ``refused`` or ``hold``); terminals receive but
do not clear. The call's aggregate per phase follows the pure rule ``rules.aggregate``; every
change of an aggregate is a timeline event and a ``transport_status`` notice to the carrier.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.agencies.reasons import REASONS
from singlewindow.exchange import service as exchange
from singlewindow.kit import clock
from singlewindow.kit.errors import (
    Finding,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from singlewindow.kit.ids import new_id
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.transport.calls import repository
from singlewindow.transport.calls import rules as r
from singlewindow.transport.calls.schemas import ClearanceOut, ClearanceResult
from singlewindow.transport.models import TransportCall, TransportClearance

STATUS_KIND = "transport_status"
CLEARANCE_KIND = "transport_clearance"
# Parties that receive reports but never clear a call (terminals and the like).
_NOT_CLEARING = frozenset(k.value for k in PartyKind if k is not PartyKind.agency)


def open_clearances(
    session: Session, call: TransportCall, phase: r.Phase, recipients: list[dict[str, Any]]
) -> None:
    """One pending clearance per agency that received a report of the phase (terminals
    receive but do not clear); an agency's existing clearance of the phase is kept."""
    now = clock.now()
    for entry in recipients:
        if entry["role"] in _NOT_CLEARING:
            continue
        if repository.clearance(session, call.id, entry["code"], phase.value) is not None:
            continue
        session.add(
            TransportClearance(
                id=new_id(),
                call_id=call.id,
                agency_code=entry["code"],
                role=entry["role"],
                phase=phase.value,
                status=r.PENDING,
                reasons=[],
                note=None,
                updated_at=now,
            )
        )
    session.flush()


def refresh_aggregates(session: Session, call: TransportCall, actor: str, node_code: str) -> None:
    """Recomputes both phases' aggregate; a change is a timeline event and a notice to the
    carrier (``transport_status``)."""
    rows = repository.clearances(session, call.id)
    changed = {}
    for phase in r.Phase:
        attr = f"{phase.value}_clearance"
        before = getattr(call, attr)
        after = r.aggregate(row.status for row in rows if row.phase == phase.value)
        if after != before:
            setattr(call, attr, after)
            changed[phase.value] = {"before": before, "after": after}
    if not changed:
        return
    for phase_name, change in changed.items():
        repository.add_event(session, call.id, actor, f"{phase_name}_clearance", change)
    exchange.send(
        session,
        kind=STATUS_KIND,
        sender=node_code,
        recipient=call.carrier_code,
        correlation_id=call.id,
        payload=status_payload(call) | {"changed": changed},
    )


def status_payload(call: TransportCall) -> dict[str, Any]:
    return {
        "call_id": call.id,
        "mode": call.mode,
        "means_id": call.means_id,
        "journey_id": call.journey_id,
        "stage": call.stage,
        "arrival_clearance": call.arrival_clearance,
        "departure_clearance": call.departure_clearance,
    }


def clearances_out(session: Session, call_id: str) -> list[ClearanceOut]:
    return [
        ClearanceOut.model_validate(c, from_attributes=True)
        for c in repository.clearances(session, call_id)
    ]


def _reason_findings(decision: r.Decision, reasons: list[dict[str, str]]) -> list[Finding]:
    findings = [
        Finding(
            f"/reasons/{i}/code",
            "unknown_code",
            f"unknown reason code {reason.get('code')}",
            f"未知的原因代码 {reason.get('code')}",
        )
        for i, reason in enumerate(reasons)
        if reason.get("code") not in REASONS
    ]
    if decision in r.NEEDS_REASON and not reasons:
        findings.append(
            Finding(
                "/reasons",
                "required",
                f"a {decision.value} decision needs at least one reason code",
                "拒绝放行或暂扣必须至少给出一个原因代码",
            )
        )
    return findings


def record_clearance(
    session: Session,
    principal: Principal,
    call_id: str,
    *,
    phase: r.Phase,
    decision: r.Decision,
    reasons: list[dict[str, str]],
    note: str,
    node_code: str,
) -> ClearanceResult:
    """An agency's arrival or departure clearance of a call (cleared | refused | hold).

    Only an agency the phase was routed to may clear it; repeating the same decision changes
    nothing; the call's aggregate follows every agency's decision.
    """
    call = repository.locked_call(session, call_id)
    if call is None:
        raise NotFound(
            f"Transport call {call_id} not found",
            f"未找到运输工具航次 {call_id}",
            code="call_not_found",
        )
    row = (
        repository.clearance(session, call.id, principal.party_code, phase.value)
        if principal.kind == PartyKind.agency
        else None
    )
    if row is None:
        raise Forbidden(
            f"The {phase.value} of call {call.id} was not routed to your agency for clearance",
            f"运输工具航次 {call.id} 的{'进境' if phase is r.Phase.arrival else '出境'}"
            "申报未分送贵单位放行",
            code="not_routed_to_you",
            findings=[
                Finding(
                    "/phase",
                    "not_routed_to_you",
                    f"no {phase.value} clearance of this call is yours",
                    "贵单位无此航次该阶段的放行职责",
                )
            ],
        )
    findings = _reason_findings(decision, reasons)
    if findings:
        raise ValidationFailed("Invalid reasons", "原因代码无效", findings=findings)
    if row.status == decision.value and row.reasons == reasons and (row.note or "") == note:
        return clearance_result(session, call, row)  # an idempotent replay
    if call.stage == r.Stage.departed:
        raise IllegalTransition(
            "The call has departed and is closed; its clearances are final",
            "该运输工具已确认离境，放行结果不能再更改",
            code="call_closed",
        )
    before = row.status
    row.status = decision.value
    row.reasons = reasons
    row.note = note or None
    row.updated_at = clock.now()
    exchange.record_inbound(
        session,
        kind=CLEARANCE_KIND,
        sender=principal.party_code,
        correlation_id=call.id,
        payload={"phase": phase.value, "decision": decision.value, "reasons": reasons,
                 "note": note},
    )  # fmt: skip
    repository.add_event(
        session,
        call.id,
        principal.party_code,
        f"clearance_{decision.value}",
        {
            "agency": principal.party_code,
            "phase": phase.value,
            "before": before,
            "after": decision.value,
            "reasons": reasons,
            "note": note,
        },
    )
    session.flush()
    refresh_aggregates(session, call, principal.party_code, node_code)
    audit.record_principal(
        session,
        principal,
        action=r.AUDIT_CLEARANCE,
        target_type=r.AUDIT_CALL,
        target_id=call.id,
        detail={"phase": phase.value, "before": before, "after": decision.value},
    )
    session.flush()
    return clearance_result(session, call, row)


def clearance_result(
    session: Session, call: TransportCall, row: TransportClearance
) -> ClearanceResult:
    return ClearanceResult(
        call_id=call.id,
        phase=row.phase,
        agency_code=row.agency_code,
        status=row.status,
        stage=call.stage,
        arrival_clearance=call.arrival_clearance,
        departure_clearance=call.departure_clearance,
        clearances=clearances_out(session, call.id),
    )
