"""Named actions on manifests: submit a manifest-family message (cargo manifests with
amendments and history, arrival reports, tally reports), and the reads of what was filed.

``submit_manifest`` validates everything and plans every change before it writes anything,
so a message is stored whole or not at all; the caller's transaction commits it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.exchange import service as exchange
from singlewindow.kit import clock
from singlewindow.kit.digest import digest_of
from singlewindow.kit.errors import (
    BadRequest,
    Conflict,
    Finding,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from singlewindow.kit.ids import new_id
from singlewindow.kit.settings import Settings
from singlewindow.parties import directory
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.parties.service import DECLARANT_KINDS
from singlewindow.standards import validation
from singlewindow.transport.manifests import permits, reconcile, repository
from singlewindow.transport.manifests import rules as r
from singlewindow.transport.manifests.repository import Journey, Scope
from singlewindow.transport.manifests.schemas import ChangeOut, ManifestReceipt
from singlewindow.transport.models import (
    ArrivalRecord,
    Consignment,
    ConsignmentChange,
    ConsignmentContainer,
    Discrepancy,
    ManifestMessage,
    TallyRecord,
)

SUBMITTED_ACTION = actions.MANIFEST_SUBMITTED
TARGET = "manifest_message"


@dataclass
class _Effects:
    changes: list[ChangeOut] = field(default_factory=list)
    arrivals: int = 0
    tallies: int = 0
    opened: int = 0


# --- input checks ---------------------------------------------------------------------


def _client_ref(document: Mapping[str, Any]) -> str:
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


def _validate(session: Session, document: dict[str, Any]) -> None:
    findings = [
        f
        for f in validation.validate_document(session, r.DOC_TYPE, document)
        if f.severity == "error"
    ]
    head = document.get("head")
    no_journey = isinstance(head, dict) and not head.get("journey_id")
    if no_journey and not any(f.path == "/head/journey_id" for f in findings):
        findings.append(
            Finding(
                "/head/journey_id",
                "required",
                "journey_id (voyage / flight / trip) is required",
                "航次（航班、车次）号必填",
            )
        )
    findings += r.duplicate_bill_findings(document)
    if findings:
        raise ValidationFailed(
            f"The manifest has {len(findings)} error(s)",
            f"舱单有 {len(findings)} 处错误",
            findings=findings,
        )


def _check_filer(session: Session, principal: Principal, message_type: str, office: Any) -> None:
    family = r.family(message_type)
    if family == "cargo" and principal.kind != PartyKind.carrier:
        raise Forbidden(
            "Cargo manifests are filed by carriers and their shipping agents",
            "原始、预配和装载舱单由承运人或其船舶代理申报",
            code="not_a_carrier",
        )
    if family == "arrival":
        if principal.kind != PartyKind.port_operator:
            raise Forbidden(
                "Arrival reports are filed by the terminal operator",
                "运抵报告由码头（场站）经营人申报",
                code="not_a_port_operator",
            )
        view = directory.lookup(session, principal.party_code)
        offices = (view.attrs.get("customs_offices") or []) if view is not None else []
        if office not in offices:
            raise Forbidden(
                f"Your terminal does not serve customs office {office}",
                f"贵码头不在海关 {office} 监管范围内",
                code="not_your_terminal",
                findings=[
                    Finding(
                        "/head/customs_office",
                        "not_your_terminal",
                        "not an office your terminal serves",
                        "非贵码头所属海关",
                    )
                ],
            )
    if family == "tally" and principal.kind not in (*DECLARANT_KINDS, PartyKind.port_operator):
        raise Forbidden(
            "Tally reports are filed by tally companies and terminals",
            "理货报告由理货公司或码头申报",
            code="not_a_tally_filer",
        )


def _journey(head: Mapping[str, Any]) -> Journey:
    return Journey(
        mode=r.mode_word(head.get("mode")),
        means_id=str(head.get("means_id") or ""),
        journey_id=str(head.get("journey_id")),
    )


# --- submit ---------------------------------------------------------------------------


def submit_manifest(
    session: Session, principal: Principal, document: Any, *, settings: Settings
) -> ManifestReceipt:
    """Validate, store, apply and route one manifest-family message; idempotent per
    (filer, client_ref): the same content answers the same receipt, other content 409."""
    if not isinstance(document, dict):
        raise BadRequest(
            "The manifest must be a JSON object",
            "舱单必须是 JSON 对象",
            code="not_an_object",
            findings=[Finding("", "type", "expected an object", "应为对象")],
        )
    doc: dict[str, Any] = validation.canonical(r.DOC_TYPE, document)
    client_ref = _client_ref(doc)
    digest = digest_of(doc)
    existing = repository.message_by_ref(session, principal.party_code, client_ref)
    if existing is not None:
        if existing.content_digest != digest:
            raise Conflict(
                f"client_ref {client_ref} was already used for a different message",
                f"客户端编号 {client_ref} 已用于另一份不同内容的报文",
                code="client_ref_reused",
            )
        return receipt_of(session, existing, duplicate=True)
    _validate(session, doc)
    head: dict[str, Any] = doc["head"]
    message_type = str(doc["message_type"])
    function = str(head.get("function") or "9")
    _check_filer(session, principal, message_type, head.get("customs_office"))
    journey = _journey(head)
    message_id = new_id()
    rows = exchange.route_rows(
        session,
        kind="manifest",
        document=doc,
        sender=principal.party_code,
        correlation_id=message_id,
        context={"message_id": message_id, "message_type": message_type},
    )
    family = r.family(message_type)
    plan = _plan_cargo(session, principal, doc, journey, function) if family == "cargo" else None
    now = clock.now()
    message = ManifestMessage(
        id=message_id,
        message_type=message_type,
        function=function,
        mode=journey.mode,
        means_id=journey.means_id,
        journey_id=journey.journey_id,
        customs_office=head.get("customs_office"),
        declarant_code=principal.party_code,
        client_ref=client_ref,
        content_digest=digest,
        document=doc,
        recipients=[row["recipient"] for row in rows],
        submitted_at=now,
    )
    session.add(message)
    session.flush()
    effects = _Effects()
    if plan is not None:
        effects.changes = _apply_cargo(session, principal, message, doc, plan)
    elif family == "arrival":
        effects.arrivals = _apply_arrival(session, principal, message, doc, settings)
    else:
        effects.tallies = _apply_tally(session, principal, message, doc)
    exchange.write(session, rows)
    direction = r.direction_of(message_type)
    if family != "arrival":
        outcome = reconcile.reconcile(
            session,
            journey=journey,
            direction=direction,
            office=message.customs_office,
            message_id=message.id,
            actor=principal.party_code,
            node_code=settings.node_code,
        )
        effects.opened = outcome.opened
    audit.record_principal(
        session,
        principal,
        action=SUBMITTED_ACTION,
        target_type=TARGET,
        target_id=message.id,
        detail={
            "message_type": message_type,
            "function": function,
            "journey": journey.label(),
            "digest": digest,
            "changes": len(effects.changes),
        },
    )
    session.flush()
    return _receipt(message, effects, duplicate=False)


def _receipt(message: ManifestMessage, effects: _Effects, *, duplicate: bool) -> ManifestReceipt:
    return ManifestReceipt(
        id=message.id,
        client_ref=message.client_ref,
        message_type=message.message_type,
        function=message.function,
        mode=message.mode,
        means_id=message.means_id,
        journey_id=message.journey_id,
        recipients=list(message.recipients or ()),
        changes=effects.changes,
        arrivals=effects.arrivals,
        tallies=effects.tallies,
        discrepancies_opened=effects.opened,
        duplicate=duplicate,
        content_digest=message.content_digest,
        accepted_at=message.submitted_at,
    )


def receipt_of(session: Session, message: ManifestMessage, *, duplicate: bool) -> ManifestReceipt:
    """The receipt of a stored message, rebuilt from what it changed."""
    changes = [
        ChangeOut(bill_no=bill, action=c.action, version=c.version, consignment_id=c.consignment_id)
        for c, bill in repository.changes_by_message(session, message.id)
    ]
    effects = _Effects(
        changes=changes,
        arrivals=repository.count_by_message(session, ArrivalRecord, message.id),
        tallies=repository.count_by_message(session, TallyRecord, message.id),
        opened=repository.count_by_message(session, Discrepancy, message.id),
    )
    return _receipt(message, effects, duplicate=duplicate)


# --- cargo manifests ------------------------------------------------------------------


@dataclass(frozen=True)
class _CargoPlan:
    existing: dict[str, Consignment]
    call_id: str | None


def _plan_cargo(
    session: Session,
    principal: Principal,
    doc: dict[str, Any],
    journey: Journey,
    function: str,
) -> _CargoPlan:
    """Checks every consignment against the journey's manifest before anything is written:
    422 for amending/deleting a B/L that is not on it, 403 for another carrier's B/L, 409
    for adding one that is already on it."""
    message_type = str(doc["message_type"])
    consignments = r.consignments_of(doc)
    existing = repository.journey_consignments(
        session, message_type, journey, [str(c.get("bill_no")) for c in consignments]
    )
    missing, taken, foreign = [], [], []
    for i, consignment in enumerate(consignments):
        bill = str(consignment.get("bill_no"))
        current = existing.get(bill)
        active = current is not None and current.status == r.ACTIVE
        if function in ("5", "3"):
            if not active:
                missing.append(r.bill_not_on_manifest(i, bill, journey.label()))
            elif current is not None and current.carrier_code != principal.party_code:
                foreign.append(i)
        elif active:
            taken.append(
                Finding(
                    f"/consignments/{i}/bill_no",
                    "bill_already_on_manifest",
                    f"B/L {bill} is already on the manifest of journey {journey.label()}; "
                    "amend it (function 5) instead",
                    f"提运单号 {bill} 已在航次 {journey.label()} 的舱单上，请以修改（5）申报",
                )
            )
    if missing:
        raise ValidationFailed(
            f"{len(missing)} B/L(s) to {r.FUNCTIONS[function]} are not on the manifest",
            f"{len(missing)} 个要修改或删除的提运单不在舱单上",
            findings=missing,
        )
    if foreign:
        raise Forbidden(
            "Only the carrier that filed a B/L on this journey's manifest may amend or delete it",
            "只有原申报承运人可以修改或删除该航次舱单上的提运单",
            code="not_your_manifest",
            findings=[
                Finding(
                    f"/consignments/{i}/bill_no",
                    "not_your_manifest",
                    "filed by another carrier",
                    "由其他承运人申报",
                )
                for i in foreign
            ],
        )
    if taken:
        raise Conflict(
            f"{len(taken)} B/L(s) are already on the manifest",
            f"{len(taken)} 个提运单已在舱单上",
            code="bill_already_on_manifest",
            findings=taken,
        )
    call = repository.find_call(session, journey, r.direction_of(message_type))
    return _CargoPlan(existing, call.id if call is not None else None)


def _apply_cargo(
    session: Session,
    principal: Principal,
    message: ManifestMessage,
    doc: dict[str, Any],
    plan: _CargoPlan,
) -> list[ChangeOut]:
    head: dict[str, Any] = doc["head"]
    now = clock.now()
    changes: list[ChangeOut] = []
    replaced: list[str] = []
    new_boxes: list[ConsignmentContainer] = []
    history: list[ConsignmentChange] = []
    for consignment in r.consignments_of(doc):
        bill = str(consignment["bill_no"])
        current = plan.existing.get(bill)
        view = r.consignment_document(doc, consignment)
        before = current.document if current is not None else None
        if message.function == "3":
            assert current is not None  # planned: deleting needs an active consignment
            action, after = "delete", None
            current.status = r.DELETED
            row = current
        else:
            action = "amend" if message.function == "5" else "add"
            after = view
            fields = {
                "customs_office": head.get("customs_office"),
                "carrier_code": principal.party_code,
                "means_name": head.get("means_name"),
                "packages": r.packages_of(consignment),
                "gross_weight_kg": consignment.get("gross_weight_kg"),
                "status": r.ACTIVE,
                "document": view,
                "call_id": plan.call_id,
            }
            if current is None:
                row = Consignment(
                    id=new_id(),
                    manifest_type=message.message_type,
                    direction=r.direction_of(message.message_type),
                    mode=message.mode,
                    means_id=message.means_id,
                    journey_id=message.journey_id,
                    bill_no=bill,
                    version=0,
                    message_id=message.id,
                    **fields,
                )
                session.add(row)
            else:
                row = current
                for name, value in fields.items():
                    setattr(row, name, value)
        row.version += 1
        row.message_id = message.id
        row.updated_at = now
        if current is not None:
            replaced.append(row.id)
        if action != "delete":
            new_boxes += [
                ConsignmentContainer(
                    id=new_id(),
                    consignment_id=row.id,
                    container_no=str(box.get("container_no")),
                    size_type=box.get("size_type"),
                    fullness=box.get("fullness"),
                    seals=box.get("seals"),
                )
                for box in view["containers"]
            ]
        history.append(
            ConsignmentChange(
                id=new_id(),
                consignment_id=row.id,
                message_id=message.id,
                action=action,
                version=row.version,
                before=before,
                after=after,
                reason=consignment.get("change_reason") or head.get("change_reason"),
                actor=principal.party_code,
                at=now,
            )
        )
        changes.append(
            ChangeOut(bill_no=bill, action=action, version=row.version, consignment_id=row.id)
        )
    session.flush()
    if replaced:
        session.execute(
            delete(ConsignmentContainer).where(ConsignmentContainer.consignment_id.in_(replaced))
        )
    session.add_all(new_boxes)
    session.add_all(history)
    session.flush()
    return changes


# --- arrival and tally reports --------------------------------------------------------


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _arrived_units(doc: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    """(bill_no, container_no) per container, plus each consignment without containers."""
    units: list[tuple[str | None, str | None]] = []
    with_boxes = set()
    for box in r.containers_of(doc):
        bill = box.get("bill_no")
        units.append((str(bill) if bill else None, str(box.get("container_no"))))
        with_boxes.add(bill)
    for consignment in r.consignments_of(doc):
        if consignment.get("bill_no") not in with_boxes:
            units.append((str(consignment.get("bill_no")), None))
    return list(dict.fromkeys(units))


def _apply_arrival(
    session: Session,
    principal: Principal,
    message: ManifestMessage,
    doc: dict[str, Any],
    settings: Settings,
) -> int:
    head: dict[str, Any] = doc["head"]
    journey = Journey(message.mode, message.means_id, message.journey_id)
    units = _arrived_units(doc)
    recorded = repository.arrivals(session, journey)
    boxes = {a.container_no: a for a in recorded if a.container_no}
    bills = {a.bill_no: a for a in recorded if a.container_no is None and a.bill_no}
    if message.function == "3":  # the terminal withdraws arrivals it reported in error
        for bill, box in units:
            found = boxes.get(box) if box else bills.get(bill) if bill else None
            if found is not None:
                session.delete(found)
        session.flush()
        return 0
    arrived_at = _parse_time(head.get("arrival_date")) or clock.now()
    added = 0
    for bill, box in units:
        if (box and box in boxes) or (not box and bill in bills):
            continue
        session.add(
            ArrivalRecord(
                id=new_id(),
                message_id=message.id,
                mode=message.mode,
                means_id=message.means_id,
                journey_id=message.journey_id,
                bill_no=bill,
                container_no=box,
                terminal_code=head.get("terminal_code"),
                reporter_code=principal.party_code,
                arrived_at=arrived_at,
            )
        )
        added += 1
    session.flush()
    permits.on_arrival(
        session,
        containers=[box for _bill, box in units if box],
        bills=[bill for bill, _box in units if bill],
        node_code=settings.node_code,
    )
    return added


def _apply_tally(
    session: Session, principal: Principal, message: ManifestMessage, doc: dict[str, Any]
) -> int:
    journey = Journey(message.mode, message.means_id, message.journey_id)
    consignments = r.consignments_of(doc)
    bills = [str(c.get("bill_no")) for c in consignments]
    previous = {
        t.bill_no: t
        for t in repository.tallies(session, message.message_type, journey)
        if t.bill_no in bills
    }
    for record in previous.values():  # a later tally of a B/L replaces the earlier one
        session.delete(record)
    session.flush()
    if message.function == "3":
        return 0
    for consignment in consignments:
        bill = str(consignment.get("bill_no"))
        session.add(
            TallyRecord(
                id=new_id(),
                message_id=message.id,
                message_type=message.message_type,
                mode=message.mode,
                means_id=message.means_id,
                journey_id=message.journey_id,
                bill_no=bill,
                packages=r.packages_of(consignment),
                gross_weight_kg=consignment.get("gross_weight_kg"),
                containers=sorted(
                    {
                        str(b.get("container_no"))
                        for b in r.containers_of(doc)
                        if b.get("bill_no") == bill
                    }
                ),
                reporter_code=principal.party_code,
            )
        )
    session.flush()
    return len(consignments)


# --- reads ----------------------------------------------------------------------------


def scope_of(session: Session, principal: Principal) -> Scope:
    """What ``principal`` may see of manifests (see repository.Scope)."""
    if principal.is_operator:
        return Scope(principal.party_code, everything=True)
    view = directory.lookup(session, principal.party_code)
    attrs: Mapping[str, Any] = view.attrs if view is not None else {}
    if principal.kind == PartyKind.agency:
        district = attrs.get("customs_district") if principal.agency_type == "customs" else None
        return Scope(principal.party_code, customs_district=district or None)
    if principal.kind == PartyKind.port_operator:
        return Scope(principal.party_code, port_offices=tuple(attrs.get("customs_offices") or ()))
    return Scope(principal.party_code, carrier=principal.kind == PartyKind.carrier)


def visible_message(session: Session, principal: Principal, message_id: str) -> ManifestMessage:
    """A message its filer, its recipients and operators may read (else 404)."""
    message = repository.message(session, message_id)
    if message is None or not (
        principal.is_operator
        or message.declarant_code == principal.party_code
        or principal.party_code in (message.recipients or ())
    ):
        raise NotFound(
            f"Manifest message {message_id} not found",
            f"未找到舱单报文 {message_id}",
            code="manifest_not_found",
        )
    return message


def visible_consignment(session: Session, principal: Principal, consignment_id: str) -> Consignment:
    row = repository.visible_consignment(session, scope_of(session, principal), consignment_id)
    if row is None:
        raise NotFound(
            f"Consignment {consignment_id} not found",
            f"未找到提运单 {consignment_id}",
            code="consignment_not_found",
        )
    return row
