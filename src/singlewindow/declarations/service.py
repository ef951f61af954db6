"""Named actions on declarations: submit, save a draft, withdraw, apply an agency decision.

Each action changes state, appends a timeline event and queues its messages through the
exchange outbox, all in the caller's transaction. Nothing else writes a declaration status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.declarations import repository
from singlewindow.declarations.keys import document_keys
from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.declarations.numbers import new_unified_no
from singlewindow.declarations.rules import (
    CUSTOMS_ONLY,
    DECISION_TARGET,
    FINAL_AGGREGATES,
    LICENCE_DECISIONS,
    WITHDRAWABLE,
    AgencyState,
    Aggregate,
    Decision,
    aggregate,
    can_move,
    entry_no_problem,
)
from singlewindow.exchange import service as exchange
from singlewindow.kit import clock
from singlewindow.kit.db import table_of
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
from singlewindow.mandates import service as mandates
from singlewindow.mandates.models import Mandate
from singlewindow.parties import service as parties
from singlewindow.parties.auth import Principal
from singlewindow.parties.service import DECLARANT_KINDS
from singlewindow.signing import verify as signing
from singlewindow.standards import validation
from singlewindow.transport.manifests import permits as loading_permits
from singlewindow.transport.manifests import reconcile as manifests

GOODS = "goods_declaration"


@dataclass(frozen=True)
class Signed:
    """What a submission carried for the signature check (``signing.verify``).

    ``document`` is the JSON as received (before canonicalisation) with ``envelope`` from the
    ``SW-Signature`` header, or ``xml`` is the DecMessage as received (its ``DecSign`` block).
    """

    document: Any = None
    envelope: dict[str, Any] | None = None
    xml: bytes | None = None


@dataclass(frozen=True)
class Submitted:
    declaration: Declaration
    recipients: list[str]
    duplicate: bool
    # Findings that did not stop the submission (the manifest check in ``warn`` mode).
    warnings: list[dict[str, str]] = field(default_factory=list)


def _field(document: dict[str, Any], block: str, name: str) -> str | None:
    part = document.get(block)
    if isinstance(part, dict):
        value = part.get(name)
        return str(value) if value is not None else None
    return None


def _client_ref(document: Any) -> str:
    ref = document.get("client_ref") if isinstance(document, dict) else None
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 64:
        raise ValidationFailed(
            "client_ref is required (1-64 characters)",
            "client_ref（客户端编号）必填，长度 1-64",
            findings=[
                Finding("/client_ref", "required", "client_ref is required", "客户端编号必填")
            ],
        )
    return ref


def _check_declarant(
    session: Session, principal: Principal, document: dict[str, Any]
) -> Mandate | None:
    """A trader files for itself (consignor/consignee) or, as a broker named as the declaring
    agent, under a valid mandate from that enterprise. Returns the mandate (or None)."""
    if principal.kind not in DECLARANT_KINDS:
        raise Forbidden(
            "Only enterprises, customs brokers and carriers file declarations",
            "只有企业、报关企业和承运人可以提交报关单",
            code="not_a_declarant",
        )
    owner = _field(document, "head", "trade_co_scc")
    agent = _field(document, "head", "agent_code_scc")
    if principal.uscc is not None and principal.uscc == owner:
        return None
    if principal.uscc is not None and principal.uscc == agent and owner:
        office = _field(document, "head", "custom_master")
        return mandates.required_for(
            session,
            grantor_uscc=owner,
            agent_uscc=agent,
            doc_type=GOODS,
            district=office[:2] + "00" if office and len(office) >= 2 else None,
        )
    raise Forbidden(
        "The declaration names another enterprise: you are neither the consignor/consignee "
        "(head/trade_co_scc) nor the declaring agent (head/agent_code_scc)",
        "报关单中的收发货人（head/trade_co_scc）或申报单位（head/agent_code_scc）不是您的企业",
        code="not_your_declaration",
        findings=[
            Finding(
                "/head/trade_co_scc",
                "not_your_declaration",
                "does not match your enterprise",
                "与您的企业不符",
            )
        ],
    )


def _check_signature(
    session: Session,
    principal: Principal,
    mandate: Mandate | None,
    signed: Signed | None,
    settings: Settings | None,
) -> dict[str, Any] | None:
    """Verifies a signed submission (or enforces ``signature_required``); the certificate
    must belong to the declarant or, for a broker, to the enterprise that mandated it."""
    if settings is None or signed is None:
        return None
    owners = {principal.party_code}
    if mandate is not None:
        owners.add(mandate.grantor_code)
    if signed.xml is not None:
        check = signing.check_decmessage_submission(
            session, xml_bytes=signed.xml, allowed_owner_codes=owners, settings=settings
        )
    else:
        check = signing.check_json_submission(
            session,
            doc_type=GOODS,
            document=signed.document,
            signature=signed.envelope,
            allowed_owner_codes=owners,
            settings=settings,
            path="header:SW-Signature",
        )
    return None if check is None else check.as_dict()


def _validate(session: Session, document: Any, max_lines: int) -> None:
    findings = validation.validate_document(session, GOODS, document, max_lines=max_lines)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ValidationFailed(
            f"The declaration has {len(errors)} error(s)",
            f"报关单有 {len(errors)} 处错误",
            findings=errors,
        )


def _event(
    session: Session,
    declaration: Declaration,
    actor: str,
    event: str,
    before: str | None,
    after: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    # A Core INSERT (autoflush writes the declaration first): events are append-only and
    # never needed as ORM objects in the same transaction.
    session.execute(
        insert(table_of(TimelineEvent)),
        [_event_row(declaration.id, actor, event, before, after, clock.now(), detail)],
    )
    audit.record(
        session,
        actor=actor,
        action=actions.DECLARATION_STATUS,
        target_type=actions.DECLARATION,
        target_id=declaration.id,
        detail={"event": event, "before": before, "after": after},
    )


# Prebuilt: building a statement and its cache key cost more than running it on this path.
_BY_CLIENT_REF = select(Declaration).where(
    Declaration.declarant_code == bindparam("declarant"),
    Declaration.client_ref == bindparam("client_ref"),
)


def _existing(session: Session, principal: Principal, client_ref: str) -> Declaration | None:
    return session.scalar(
        _BY_CLIENT_REF, {"declarant": principal.party_code, "client_ref": client_ref}
    )


def submit(
    session: Session,
    principal: Principal,
    document: Any,
    *,
    node_code: str,
    max_lines: int = 50,
    draft: bool = False,
    signed: Signed | None = None,
    settings: Settings | None = None,
) -> Submitted:
    """Validate, store and route a goods declaration (or store it as a draft).

    With ``settings`` and ``signed``, a signature is verified (and required where the
    settings say so) before anything is stored; a repeated submission returns the stored
    receipt without a second check (its nonce was used by the first).
    """
    if not isinstance(document, dict):
        raise BadRequest(
            "The declaration must be a JSON object",
            "报关单必须是 JSON 对象",
            code="not_an_object",
            findings=[Finding("", "type", "expected an object", "应为对象")],
        )
    document = validation.canonical(GOODS, document)
    client_ref = _client_ref(document)
    digest = digest_of(document)
    existing = _existing(session, principal, client_ref)
    if existing is not None:
        if existing.content_digest != digest:
            raise Conflict(
                f"client_ref {client_ref} was already used for a different declaration",
                f"客户端编号 {client_ref} 已用于另一份不同内容的报关单",
                code="client_ref_reused",
            )
        if existing.status != Aggregate.draft or draft:
            return Submitted(
                existing,
                repository.recipients(session, existing.id),
                True,
                _stored_warnings(session, existing),
            )
    mandate_id = None
    signature = None
    warnings: list[dict[str, str]] = []
    if not draft:
        _validate(session, document, max_lines)
        mandate = _check_declarant(session, principal, document)
        mandate_id = mandate.id if mandate is not None else None
        warnings = _manifest_warnings(session, document, settings)  # only to its declarant
        signature = _check_signature(session, principal, mandate, signed, settings)
    if existing is not None:
        existing.mandate_id = mandate_id
        return _route_draft(session, principal, existing, node_code, warnings)
    fields = {
        "doc_type": GOODS,
        "declarant_code": principal.party_code,
        "client_ref": client_ref,
        **_content_fields(document, digest),
        "mandate_id": mandate_id,
    }
    if draft:
        declaration = Declaration(id=new_id(), status=Aggregate.draft, **fields)
        session.add(declaration)
        _event(session, declaration, principal.party_code, "created", None, Aggregate.draft)
        return Submitted(declaration, [], False)
    return _submit_new(session, principal, fields, node_code, signature, warnings)


def _content_fields(document: dict[str, Any], digest: str) -> dict[str, Any]:
    """The columns that follow from a declaration's content (canonical form)."""
    return {
        "content_digest": digest,
        "ie_flag": (_field(document, "head", "ie_flag") or "I")[:1],
        "customs_master": (_field(document, "head", "custom_master") or None),
        "bill_no": _field(document, "head", "bill_no"),
        "trade_co_scc": _field(document, "head", "trade_co_scc"),
        "agent_code_scc": _field(document, "head", "agent_code_scc"),
        **document_keys(document),
        "document": document,
    }


def update_draft(
    session: Session, principal: Principal, declaration_id: str, document: Any
) -> Declaration:
    """Replaces the content of the caller's own draft (same client reference); nothing is
    validated beyond the shape (a draft may be incomplete) and nothing is routed. 404 for
    another declarant's declaration, 409 once it is no longer a draft."""
    if not isinstance(document, dict):
        raise BadRequest(
            "The declaration must be a JSON object",
            "报关单必须是 JSON 对象",
            code="not_an_object",
            findings=[Finding("", "type", "expected an object", "应为对象")],
        )
    declaration = visible(session, principal, declaration_id, for_change=True)
    if declaration.declarant_code != principal.party_code:
        raise NotFound(
            f"Declaration {declaration_id} not found",
            f"未找到报关单 {declaration_id}",
            code="declaration_not_found",
        )
    if declaration.status != Aggregate.draft:
        raise IllegalTransition(
            f"Declaration {declaration_id} is {declaration.status}, not a draft",
            f"报关单 {declaration_id} 状态为 {declaration.status}，不是暂存状态",
        )
    canonical = validation.canonical(GOODS, {**document, "client_ref": declaration.client_ref})
    digest = digest_of(canonical)
    if digest == declaration.content_digest:
        return declaration
    for name, value in _content_fields(canonical, digest).items():
        setattr(declaration, name, value)
    _event(session, declaration, principal.party_code, "edited", None, None, {"digest": digest})
    return declaration


def _submit_new(
    session: Session,
    principal: Principal,
    fields: dict[str, Any],
    node_code: str,
    signature: dict[str, Any] | None = None,
    warnings: list[dict[str, str]] | None = None,
) -> Submitted:
    """Stores and routes a new declaration in six plain INSERTs (the submission hot path).

    Everything read (routing rules, recipients, roles) comes from the per-process caches; the
    rows are written with Core statements in final form (no INSERT-then-UPDATE, no ORM flush).
    """
    now = clock.now()
    declaration_id = new_id()
    unified_no = new_unified_no(session, fields["ie_flag"])
    context = {"unified_no": unified_no, "declaration_id": declaration_id}
    actor = principal.party_code
    rows = exchange.route_rows(
        session,
        kind=GOODS,
        document=fields["document"],
        sender=actor,
        correlation_id=declaration_id,
        context=context,
    )
    recipients = [r["recipient"] for r in rows]
    row = {
        "id": declaration_id,
        "created_at": now,
        "updated_at": now,
        "submitted_at": now,
        "status": Aggregate.submitted.value,
        "unified_no": unified_no,
        "entry_no": None,
        **fields,
    }
    declaration = Declaration(**row)  # transient: the receipt's view of the stored row
    rows.append(
        exchange.send_row(
            kind="declaration_status",
            sender=node_code,
            recipient=actor,
            correlation_id=declaration_id,
            payload=_status_payload(declaration),
        )
    )
    session.execute(insert(table_of(Declaration)), [row])
    envelopes = exchange.write(session, rows)
    roles = parties.roles_of(session, recipients)
    if recipients:
        session.execute(
            insert(table_of(AgencyStatus)),
            [
                {
                    "id": new_id(),
                    "declaration_id": declaration_id,
                    "agency_code": env.recipient,
                    "role": roles.get(env.recipient, "other"),
                    "status": AgencyState.pending.value,
                    "reasons": [],
                    "message_id": env.id,
                    "updated_at": now,
                }
                for env in envelopes[: len(recipients)]
            ],
        )
    session.execute(
        insert(table_of(TimelineEvent)),
        [
            _event_row(declaration_id, actor, "created", None, Aggregate.draft, now),
            _event_row(
                declaration_id,
                actor,
                "submitted",
                Aggregate.draft,
                Aggregate.submitted,
                now,
                {"unified_no": unified_no, "recipients": recipients}
                | ({"signature": signature} if signature else {})
                | ({"warnings": warnings} if warnings else {}),
            ),
        ],
    )
    audit.record(
        session,
        actor=actor,
        action=actions.DECLARATION_SUBMITTED,
        target_type=actions.DECLARATION,
        target_id=declaration_id,
        detail={
            "unified_no": unified_no,
            "digest": fields["content_digest"],
            "mandate_id": fields["mandate_id"],
            "signature": (signature or {}).get("fingerprint"),
        },
    )
    return Submitted(declaration, recipients, False, warnings or [])


def _event_row(
    declaration_id: str,
    actor: str,
    event: str,
    before: str | None,
    after: str | None,
    at: Any,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "declaration_id": declaration_id,
        "at": at,
        "actor": actor,
        "event": event,
        "status_before": before,
        "status_after": after,
        "detail": detail or {},
    }


def _status_payload(declaration: Declaration) -> dict[str, Any]:
    return {
        "id": declaration.id,
        "client_ref": declaration.client_ref,
        "unified_no": declaration.unified_no,
        "entry_no": declaration.entry_no,
        "status": str(declaration.status),
    }


def _route_draft(
    session: Session,
    principal: Principal,
    declaration: Declaration,
    node_code: str,
    warnings: list[dict[str, str]] | None = None,
) -> Submitted:
    if declaration.status != Aggregate.draft:
        return Submitted(declaration, repository.recipients(session, declaration.id), True)
    declaration.unified_no = new_unified_no(session, declaration.ie_flag)
    declaration.submitted_at = clock.now()
    envelopes = exchange.route(
        session,
        kind=GOODS,
        document=declaration.document,
        sender=principal.party_code,
        correlation_id=declaration.id,
        context={"unified_no": declaration.unified_no, "declaration_id": declaration.id},
    )
    recipients = [env.recipient for env in envelopes]
    roles = parties.roles_of(session, recipients)
    if envelopes:
        session.execute(
            insert(AgencyStatus),
            [
                {
                    "id": new_id(),
                    "declaration_id": declaration.id,
                    "agency_code": env.recipient,
                    "role": roles.get(env.recipient, "other"),
                    "status": AgencyState.pending.value,
                    "reasons": [],
                    "message_id": env.id,
                    "updated_at": clock.now(),
                }
                for env in envelopes
            ],
        )
    before = declaration.status
    declaration.status = Aggregate.submitted
    _event(
        session,
        declaration,
        principal.party_code,
        "submitted",
        before,
        Aggregate.submitted,
        {"unified_no": declaration.unified_no, "recipients": recipients}
        | ({"warnings": warnings} if warnings else {}),
    )
    _notify(session, declaration, node_code)
    return Submitted(declaration, recipients, False, warnings or [])


def _notify(session: Session, declaration: Declaration, node_code: str) -> None:
    """Feed the aggregate status back to the declarant (webhook / SSE / pull, per its channel)."""
    exchange.send(
        session,
        kind="declaration_status",
        sender=node_code,
        recipient=declaration.declarant_code,
        correlation_id=declaration.id,
        payload=_status_payload(declaration),
    )


def submit_draft(
    session: Session,
    principal: Principal,
    declaration_id: str,
    *,
    node_code: str,
    max_lines: int,
    settings: Settings | None = None,
) -> Submitted:
    declaration = visible(session, principal, declaration_id, for_change=True)
    if declaration.declarant_code != principal.party_code:
        raise Forbidden("Only the declarant may submit", "只有申报人可以提交", code="not_declarant")
    if declaration.status != Aggregate.draft:
        raise IllegalTransition(
            f"Declaration is {declaration.status}, not a draft",
            f"报关单状态为 {declaration.status}，不是暂存状态",
        )
    _validate(session, declaration.document, max_lines)
    mandate = _check_declarant(session, principal, declaration.document)
    declaration.mandate_id = mandate.id if mandate is not None else None
    warnings = _manifest_warnings(session, declaration.document, settings)
    return _route_draft(session, principal, declaration, node_code, warnings)


def withdraw(
    session: Session, principal: Principal, declaration_id: str, *, node_code: str, reason: str
) -> Declaration:
    declaration = visible(session, principal, declaration_id, for_change=True)
    if declaration.declarant_code != principal.party_code:
        raise Forbidden(
            "Only the declarant may withdraw", "只有申报人可以撤回", code="not_declarant"
        )
    if declaration.status not in WITHDRAWABLE:
        raise IllegalTransition(
            f"A declaration in status {declaration.status} cannot be withdrawn",
            f"状态为 {declaration.status} 的报关单不能撤回",
        )
    before = declaration.status
    declaration.status = Aggregate.withdrawn
    _event(
        session,
        declaration,
        principal.party_code,
        "withdrawn",
        before,
        Aggregate.withdrawn,
        {"reason": reason},
    )
    for status in repository.agency_statuses(session, declaration.id):
        exchange.send(
            session,
            kind="declaration_withdrawn",
            sender=node_code,
            recipient=status.agency_code,
            correlation_id=declaration.id,
            payload={"id": declaration.id, "unified_no": declaration.unified_no, "reason": reason},
        )
    session.flush()
    _notify(session, declaration, node_code)
    return declaration


def _locked(session: Session, declaration_id: str) -> Declaration | None:
    """Loads a declaration for a state change, serialising changes to the same declaration.

    The first statement is a write (touching ``updated_at``): on PostgreSQL it takes the
    row lock, on SQLite the database write lock (and this process's writer mutex), so two
    decisions on one declaration never read each other's old state. A retried decision is
    therefore applied once, and two agencies releasing at the same moment always see each
    other.
    """
    touched = session.execute(
        update(Declaration)
        .where(Declaration.id == declaration_id)
        .values(updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if not touched.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(Declaration, declaration_id, populate_existing=True)


def visible(
    session: Session, principal: Principal, declaration_id: str, *, for_change: bool = False
) -> Declaration:
    """The declaration, if the caller may see it (else 404, so ids don't leak)."""
    if for_change:
        declaration = _locked(session, declaration_id)
    else:
        declaration = session.get(Declaration, declaration_id)
    if declaration is None or not repository.may_see(session, principal, declaration):
        raise NotFound(
            f"Declaration {declaration_id} not found",
            f"未找到报关单 {declaration_id}",
            code="declaration_not_found",
        )
    return declaration


def apply_decision(
    session: Session,
    principal: Principal,
    declaration_id: str,
    decision: Decision,
    *,
    node_code: str,
    reasons: list[dict[str, str]],
    entry_no: str | None = None,
    note: str = "",
    inspection_due_hours: int = 24,
) -> Declaration:
    """An agency's receipt or decision. Illegal transitions answer 409 and change nothing.
    ``inspection_due_hours``: the time limit of an inspection this decision orders."""
    declaration = _locked(session, declaration_id)
    if declaration is None:
        raise NotFound(
            f"Declaration {declaration_id} not found",
            f"未找到报关单 {declaration_id}",
            code="declaration_not_found",
        )
    status = repository.agency_status(session, declaration.id, principal.party_code)
    if status is None:
        raise Forbidden(
            "This declaration was not routed to your agency",
            "该报关单未分送至贵单位",
            code="not_routed_to_you",
        )
    _check_decision_allowed(status.role, decision)
    target = DECISION_TARGET[decision]
    current = AgencyState(status.status)
    if declaration.status in FINAL_AGGREGATES or declaration.status == Aggregate.draft:
        raise IllegalTransition(
            f"Declaration is {declaration.status}; no further decisions are accepted",
            f"报关单状态为 {declaration.status}，不再接受处理决定",
        )
    if not can_move(current, target):
        raise IllegalTransition(
            f"{decision.value} is not allowed after {current.value}",
            f"当前状态 {current.value} 不允许执行 {decision.value}",
        )
    if target == current:
        return declaration  # an idempotent replay of the same decision
    if decision == Decision.rejected and not reasons:
        raise ValidationFailed(
            "A rejection needs at least one reason code",
            "退单必须至少给出一个原因代码",
            findings=[Finding("/reasons", "required", "reasons are required", "必须给出原因")],
        )
    _apply_entry_no(declaration, decision, status.role, entry_no)
    status.status = target
    status.reasons = reasons
    status.updated_at = clock.now()
    _inspection_hook(
        session, declaration, principal.party_code, decision, node_code, inspection_due_hours
    )
    exchange.record_inbound(
        session,
        kind="agency_decision",
        sender=principal.party_code,
        correlation_id=declaration.id,
        payload={
            "decision": decision.value,
            "reasons": reasons,
            "entry_no": entry_no,
            "note": note,
        },
    )
    session.flush()
    statuses = repository.agency_statuses(session, declaration.id)
    new_aggregate = aggregate((s.role, AgencyState(s.status)) for s in statuses)
    before = declaration.status
    _event(
        session,
        declaration,
        principal.party_code,
        f"agency_{decision.value}",
        before,
        new_aggregate,
        {
            "agency": principal.party_code,
            "agency_status": target.value,
            "reasons": reasons,
            "note": note,
        },
    )
    if new_aggregate != before:
        _move_aggregate(session, declaration, new_aggregate, node_code)
    session.flush()
    return declaration


def _check_decision_allowed(role: str, decision: Decision) -> None:
    if decision in LICENCE_DECISIONS and role != "licensing":
        raise Forbidden(
            "Only the licensing authority verifies licences",
            "只有许可证签发机关可以核验许可证",
            code="decision_not_for_role",
        )
    if decision in CUSTOMS_ONLY and role != "customs":
        raise Forbidden(
            f"Only customs may post {decision.value}",
            f"只有海关可以执行 {decision.value}",
            code="decision_not_for_role",
        )


def _apply_entry_no(
    declaration: Declaration, decision: Decision, role: str, entry_no: str | None
) -> None:
    if role != "customs" or decision != Decision.accepted:
        return
    if entry_no is None:
        if declaration.entry_no is None:
            raise ValidationFailed(
                "Customs acceptance must carry the customs entry number",
                "海关接受申报时必须给出海关编号",
                findings=[Finding("/entry_no", "required", "entry_no is required", "海关编号必填")],
            )
        return
    problem = entry_no_problem(
        entry_no, customs_master=declaration.customs_master, ie_flag=declaration.ie_flag
    )
    if problem is not None:
        raise ValidationFailed(
            f"entry_no does not fit this declaration ({problem})",
            f"海关编号与报关单不符（{problem}）",
            findings=[
                Finding("/entry_no", f"entry_no_{problem}", "invalid entry_no", "海关编号无效")
            ],
        )
    declaration.entry_no = entry_no


def _release_notice(session: Session, declaration: Declaration, node_code: str) -> str:
    """The one release notice (to the terminals of the port); returns its release number:
    the joint inspection case's, or a new one when the goods were not inspected."""
    from singlewindow.inspection import hooks as inspection

    release_no = inspection.release_no_for(session, declaration.id)
    doc = declaration.document
    head = doc.get("head", {}) if isinstance(doc.get("head"), dict) else {}
    exchange.route(
        session,
        kind="release_notice",
        document={
            "declaration_id": declaration.id,
            "release_no": release_no,
            "unified_no": declaration.unified_no,
            "entry_no": declaration.entry_no,
            "head": {
                "ie_flag": declaration.ie_flag,
                "ie_port": head.get("ie_port"),
                "bill_no": declaration.bill_no,
                "traf_name": head.get("traf_name"),
            },
            "containers": doc.get("containers", []),
            "released_at": clock.now().isoformat(),
        },
        sender=node_code,
        correlation_id=declaration.id,
    )
    _event(
        session,
        declaration,
        node_code,
        "release_notice",
        None,
        None,
        {"ie_port": head.get("ie_port"), "release_no": release_no},
    )
    inspection.on_release_notice(session, declaration.id, release_no, node_code)
    return release_no


# --- Transport (docs/transport.md): the manifest check at submission and the export
# loading permit at release. The manifest side lives in transport.manifests.


def _manifest_warnings(
    session: Session, document: dict[str, Any], settings: Settings | None
) -> list[dict[str, str]]:
    """``head/bill_no`` against the manifest of its journey, per ``settings.manifest_check``:
    ``strict`` refuses (422), ``warn`` answers the finding as a warning, ``off`` (and callers
    without settings) does not look. One indexed query at most."""
    mode = settings.manifest_check if settings is not None else "off"
    finding = manifests.declaration_bill_finding(session, document, mode=mode)
    if finding is None:
        return []
    if mode == "strict":
        raise ValidationFailed(
            "The B/L is not on the manifest of the declared journey",
            "提运单号不在所申报航次的舱单上",
            findings=[finding],
        )
    return [finding.as_dict()]


def _stored_warnings(session: Session, declaration: Declaration) -> list[dict[str, str]]:
    """The warnings a repeated submission answers again (from its ``submitted`` event)."""
    detail = session.scalar(
        select(TimelineEvent.detail).where(
            TimelineEvent.declaration_id == declaration.id, TimelineEvent.event == "submitted"
        )
    )
    warnings = detail.get("warnings") if isinstance(detail, dict) else None
    return list(warnings) if isinstance(warnings, list) else []


def _loading_permit(session: Session, declaration: Declaration, node_code: str) -> None:
    """An export released by customs may be loaded once the terminal's arrival report covers
    its containers: the permit is issued now or when that report comes in."""
    doc = declaration.document

    def block(name: str, empty: Any) -> Any:
        value = doc.get(name)
        return value if isinstance(value, type(empty)) else empty

    head: dict[str, Any] = block("head", {})
    free_text: dict[str, Any] = block("free_text", {})
    boxes: list[Any] = block("containers", [])
    containers = [
        str(c["container_id"]) for c in boxes if isinstance(c, dict) and c.get("container_id")
    ]
    traf_mode = head.get("traf_mode")
    voy_no = free_text.get("voy_no")
    permit = loading_permits.on_export_release(
        session,
        loading_permits.ExportRelease(
            declaration_id=declaration.id,
            declarant_code=declaration.declarant_code,
            entry_no=declaration.entry_no,
            bill_no=declaration.bill_no,
            customs_office=head.get("ie_port"),
            journey_id=str(voy_no) if voy_no else None,
            traf_mode=str(traf_mode) if traf_mode is not None else None,
            containers=containers,
        ),
        node_code=node_code,
    )
    _event(
        session,
        declaration,
        node_code,
        "loading_permit",
        None,
        None,
        {"status": permit.status, "containers": containers},
    )


# --- Joint inspection (docs/inspection.md): the inspection context moves an agency's status
# through its case (an order by any routed agency, results, releases), and hears about the
# decisions agencies post directly.


def _inspection_hook(
    session: Session,
    declaration: Declaration,
    agency_code: str,
    decision: Decision,
    node_code: str,
    due_hours: int,
) -> None:
    from singlewindow.inspection import hooks as inspection

    inspection.on_decision(
        session, declaration, agency_code, decision.value, node_code=node_code, due_hours=due_hours
    )


def _move_aggregate(
    session: Session, declaration: Declaration, new_aggregate: Aggregate, node_code: str
) -> None:
    """A new aggregate status: on release the one release notice (with its release number,
    also told to the declarant in its status notice) and an export's loading permit."""
    declaration.status = new_aggregate
    if new_aggregate != Aggregate.released:
        _notify(session, declaration, node_code)
        return
    release_no = _release_notice(session, declaration, node_code)
    if declaration.ie_flag == "E":
        _loading_permit(session, declaration, node_code)
    exchange.send(
        session,
        kind="declaration_status",
        sender=node_code,
        recipient=declaration.declarant_code,
        correlation_id=declaration.id,
        payload=_status_payload(declaration) | {"release_no": release_no},
    )


def lock_for_inspection(session: Session, declaration_id: str) -> Declaration | None:
    """The declaration, locked for a change by the inspection context (see ``_locked``)."""
    return _locked(session, declaration_id)


def follow_inspection(
    session: Session,
    declaration: Declaration,
    agency_code: str,
    target: AgencyState,
    *,
    node_code: str,
    detail: dict[str, Any],
) -> None:
    """Moves one agency's status as its part of a joint inspection case moves (ordered →
    ``inspection_required``, result → ``inspected``, released → ``released``, withdrawn →
    back to where it was). The case is the authority here, so the per-agency transition
    table and the customs-only decisions do not apply; the aggregate follows as usual."""
    status = repository.agency_status(session, declaration.id, agency_code)
    if status is None or status.status == target:
        return
    status.status = target
    status.updated_at = clock.now()
    session.flush()
    statuses = repository.agency_statuses(session, declaration.id)
    new_aggregate = aggregate((s.role, AgencyState(s.status)) for s in statuses)
    before = declaration.status
    _event(
        session,
        declaration,
        agency_code,
        f"agency_{target.value}",
        before,
        new_aggregate,
        {"agency": agency_code, "agency_status": target.value, "via": "inspection"} | detail,
    )
    if new_aggregate != before:
        _move_aggregate(session, declaration, new_aggregate, node_code)
    session.flush()
