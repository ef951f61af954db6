"""The agency officer's page of one routed declaration: the agency's projection of the
document, every agency's status and the timeline, the claim, decisions with reason codes, and
inspection orders, results and release (split from ``agency.py``: same helpers, same rules —
every action calls the service the JSON API calls, in a savepoint)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.agencies import worklist
from singlewindow.agencies.reasons import REASONS
from singlewindow.agencies.simulator import entry_no_for
from singlewindow.audit import actions
from singlewindow.declarations import repository as declarations_repo
from singlewindow.declarations import service as declarations
from singlewindow.declarations.models import Declaration
from singlewindow.declarations.rules import (
    CUSTOMS_ONLY,
    DECISION_TARGET,
    LICENCE_DECISIONS,
    AgencyState,
    Decision,
    can_move,
)
from singlewindow.exchange import monitor
from singlewindow.inspection import reads as inspection_reads
from singlewindow.inspection import service as inspection
from singlewindow.inspection.rules import InstructionKind, Result
from singlewindow.kit import clock
from singlewindow.kit.errors import Finding, SingleWindowError, ValidationFailed
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.standards.documents.registry import get_document_type
from singlewindow.web.actions import Posted, attempt
from singlewindow.web.auth import AgencyUser, PortalUser
from singlewindow.web.i18n import lang_of
from singlewindow.web.views.agency import (
    age_text,
    done,
    field,
    field_errors,
    fields,
    officer_of,
    page,
)
from singlewindow.web.views.session import safe_next

router = APIRouter(prefix="/portal", include_in_schema=False)


@router.post("/agency/declarations/{declaration_id}/claim")
def claim_declaration(
    request: Request,
    session: DbSession,
    user: AgencyUser,
    declaration_id: str,
    form: Posted,
) -> Response:
    next = field(form, "next", 2000)
    _, error = attempt(session, lambda: worklist.claim(session, officer_of(user), declaration_id))
    if error is not None:
        return _declaration_page(request, session, user, declaration_id, claim_error=error)
    return done(request, safe_next(next, f"/portal/agency/declarations/{declaration_id}"))


@router.post("/agency/declarations/{declaration_id}/unclaim")
def unclaim_declaration(
    request: Request,
    session: DbSession,
    user: AgencyUser,
    declaration_id: str,
    form: Posted,
) -> Response:
    next = field(form, "next", 2000)
    _, error = attempt(
        session, lambda: worklist.release_claim(session, officer_of(user), declaration_id)
    )
    if error is not None:
        return _declaration_page(request, session, user, declaration_id, claim_error=error)
    return done(request, safe_next(next, f"/portal/agency/declarations/{declaration_id}"))


# --- one declaration


@router.get("/agency/declarations/{declaration_id}")
def declaration_page(
    request: Request,
    session: DbSession,
    user: AgencyUser,
    declaration_id: str,
    decided: Annotated[str, Query(max_length=30)] = "",
    ordered: Annotated[str, Query(max_length=1)] = "",
) -> Response:
    notice = ""
    if decided in {d.value for d in Decision}:
        notice = "agency.notice_decided"
    elif ordered:
        notice = "agency.notice_ordered"
    return _declaration_page(request, session, user, declaration_id, audit_read=True, notice=notice)


def _projection(session: Session, agency: str, declaration: Declaration) -> dict[str, Any]:
    """What the exchange delivered to the agency for this declaration (its projection)."""
    status = declarations_repo.agency_status(session, declaration.id, agency)
    messages = monitor.find_messages(
        session, recipient=agency, kind=declaration.doc_type, correlation_id=declaration.id
    )
    chosen = next((m for m in messages if status and m.id == status.message_id), None)
    if chosen is None and messages:
        chosen = messages[-1]
    return dict(chosen.payload) if chosen is not None else {}


@dataclass(frozen=True, slots=True)
class Section:
    label_zh: str
    label_en: str
    facts: list[tuple[str, str, str]]  # (label zh, label en, value)
    columns: list[tuple[str, str]]
    rows: list[list[str]]


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def projection_sections(doc_type: str, payload: dict[str, Any]) -> list[Section]:
    """The projection laid out by the document definition (labels in both languages),
    showing only what the agency received."""
    definition = get_document_type(doc_type)
    sections: list[Section] = []
    root = [
        (f.label_zh, f.label_en, _text(payload[f.name]))
        for f in definition.root_fields
        if payload.get(f.name) not in (None, "", [])
    ]
    if root:
        sections.append(Section("单证", "Document", root, [], []))
    for block in definition.blocks:
        value = payload.get(block.name)
        if not value:
            continue
        fields = block.json_fields
        if block.repeated and isinstance(value, list):
            items = [v for v in value if isinstance(v, dict)]
            used = [f for f in fields if any(i.get(f.name) not in (None, "") for i in items)]
            sections.append(
                Section(
                    block.label_zh,
                    block.label_en,
                    [],
                    [(f.label_zh, f.label_en) for f in used],
                    [[_text(i.get(f.name)) for f in used] for i in items],
                )
            )
        elif isinstance(value, dict):
            facts = [
                (f.label_zh, f.label_en, _text(value[f.name]))
                for f in fields
                if value.get(f.name) not in (None, "")
            ]
            sections.append(Section(block.label_zh, block.label_en, facts, [], []))
    return sections


def decision_choices(role: str, current: str) -> list[str]:
    """The decisions the agency may post now (the service stays the authority)."""
    state = AgencyState(current)
    out = []
    for decision in Decision:
        if decision in LICENCE_DECISIONS and role != "licensing":
            continue
        if decision in CUSTOMS_ONLY and role != "customs":
            continue
        if role == "licensing" and decision in (Decision.accepted, Decision.rejected):
            continue
        target = DECISION_TARGET[decision]
        if target != state and can_move(state, target):
            out.append(decision.value)
    return out


def _declaration_page(
    request: Request,
    session: Session,
    user: PortalUser,
    declaration_id: str,
    *,
    audit_read: bool = False,
    claim_error: SingleWindowError | None = None,
    decision_error: SingleWindowError | None = None,
    order_error: SingleWindowError | None = None,
    case_error: tuple[str, SingleWindowError] | None = None,
    form: dict[str, Any] | None = None,
    notice: str = "",
) -> Response:
    principal = user.principal
    officer = officer_of(user)
    declaration = declarations.visible(session, principal, declaration_id)
    if audit_read:
        audit.record_principal(
            session,
            principal,
            action=actions.DECLARATION_READ,
            target_type=actions.DECLARATION,
            target_id=declaration.id,
            detail={"via": "portal"},
        )
    mine = declarations_repo.agency_status(session, declaration.id, principal.party_code)
    assert mine is not None  # visible() to an agency means routed to it
    payload = _projection(session, principal.party_code, declaration)
    claim = worklist.claim_of(session, declaration.id, principal.party_code)
    cases = [
        inspection_reads.case_out(session, c)
        for c in inspection_reads.search(
            session,
            principal,
            status=None,
            terminal=None,
            declaration_id=declaration.id,
            after_id=None,
            limit=20,
        )
    ]
    lang = lang_of(request)
    age = clock.now() - (declaration.submitted_at or declaration.created_at)
    containers = [
        str(c.get("container_id"))
        for c in payload.get("containers") or []
        if isinstance(c, dict) and c.get("container_id")
    ]
    head = payload.get("head") if isinstance(payload.get("head"), dict) else {}
    suggested_entry_no = ""
    if mine.role == "customs" and declaration.customs_master and declaration.unified_no:
        suggested_entry_no = declaration.entry_no or entry_no_for(
            declaration.customs_master, declaration.ie_flag, declaration.unified_no
        )
    errors = [e for e in (claim_error, decision_error, order_error) if e is not None]
    status_code = max((e.status for e in errors), default=200)
    if case_error is not None:
        status_code = max(status_code, case_error[1].status)
    return page(
        request,
        "agency/declaration.html",
        {
            "d": declaration,
            "mine": mine,
            "head": head,
            "statuses": declarations_repo.agency_statuses(session, declaration.id),
            "timeline": declarations_repo.timeline(session, declaration.id),
            "sections": projection_sections(declaration.doc_type, payload),
            "claim": claim,
            "claimed_by_me": claim is not None and claim.user_id == officer.user_id,
            "age": age_text(age, lang),
            "urgency": worklist.urgency(mine.status, declaration.status, age),
            "choices": decision_choices(mine.role, mine.status),
            "reasons": REASONS,
            "suggested_entry_no": suggested_entry_no,
            "containers": containers,
            "instruction_kinds": [k.value for k in InstructionKind],
            "results": [r.value for r in Result],
            "cases": cases,
            "may_order": mine.status in ("received", "accepted", "pending")
            and declaration.status in ("submitted", "accepted", "inspection"),
            "claim_error": claim_error,
            "decision_error": decision_error,
            "decision_fields": field_errors(decision_error),
            "order_error": order_error,
            "order_fields": field_errors(order_error),
            "case_error": case_error,
            "form": form or {},
            "notice": notice,
        },
        user=user,
        status_code=status_code,
    )


@router.post("/agency/declarations/{declaration_id}/decision")
def post_decision(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: AgencyUser,
    declaration_id: str,
    form: Posted,
) -> Response:
    decision = field(form, "decision", 30)
    reasons = fields(form, "reasons") or None
    reason_text = field(form, "reason_text", 500)
    entry_no = field(form, "entry_no", 18)
    note = field(form, "note", 1000)
    principal = user.principal
    codes = [c for c in (reasons or []) if c]
    entered = {"decision": decision, "reasons": codes, "reason_text": reason_text, "note": note}
    entered["entry_no"] = entry_no

    def act() -> Declaration:
        declarations.visible(session, principal, declaration_id)  # 404 if not routed here
        worklist.check_may_decide(session, officer_of(user), declaration_id)
        try:
            chosen = Decision(decision)
        except ValueError:
            raise ValidationFailed(
                "Choose a decision",
                "请选择处理决定",
                findings=[Finding("/decision", "required", "choose a decision", "请选择处理决定")],
            ) from None
        unknown = [
            Finding(
                f"/reasons/{i}/code",
                "unknown_code",
                f"unknown reason code {c}",
                f"未知的原因代码 {c}",
            )
            for i, c in enumerate(codes)
            if c not in REASONS
        ]
        if unknown:
            raise ValidationFailed("Unknown reason code", "原因代码无效", findings=unknown)
        text = reason_text.strip()
        return declarations.apply_decision(
            session,
            principal,
            declaration_id,
            chosen,
            node_code=settings.node_code,
            reasons=[{"code": c, "text": text} for c in codes],
            entry_no=entry_no.strip() or None,
            note=note.strip(),
            inspection_due_hours=settings.inspection_due_hours,
        )

    _, error = attempt(session, act)
    if error is not None:
        return _declaration_page(
            request, session, user, declaration_id, decision_error=error, form=entered
        )
    worklist.claim(session, officer_of(user), declaration_id)  # who decided keeps it
    return done(request, f"/portal/agency/declarations/{declaration_id}?decided={decision}")


@router.post("/agency/declarations/{declaration_id}/inspection")
def order_inspection(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: AgencyUser,
    declaration_id: str,
    form: Posted,
) -> Response:
    kind = field(form, "kind", 20)
    notes = field(form, "notes", 2000)
    containers = fields(form, "containers") or None
    due_hours = field(form, "due_hours", 4)
    principal = user.principal
    entered = {"kind": kind, "notes": notes, "containers": containers or [], "due_hours": due_hours}

    def act() -> Any:
        declarations.visible(session, principal, declaration_id)
        worklist.check_may_decide(session, officer_of(user), declaration_id)
        findings = []
        if kind not in {k.value for k in InstructionKind}:
            findings.append(Finding("/instructions/kind", "required", "choose how to inspect",
                                    "请选择查验方式"))  # fmt: skip
        hours = None
        if due_hours.strip():
            if not due_hours.strip().isdigit() or not 1 <= int(due_hours) <= 720:
                findings.append(Finding("/due_hours", "out_of_range", "1 to 720 hours",
                                        "应为 1 至 720 小时"))  # fmt: skip
            else:
                hours = int(due_hours)
        if findings:
            raise ValidationFailed("The order is incomplete", "查验指令不完整", findings=findings)
        return inspection.order(
            session,
            declaration_id,
            principal.party_code,
            containers=[c for c in containers or [] if c] or None,
            instructions={"kind": kind, "notes": notes.strip()},
            due_hours=hours,
            node_code=settings.node_code,
            default_due_hours=settings.inspection_due_hours,
        )

    _, error = attempt(session, act)
    if error is not None:
        return _declaration_page(
            request, session, user, declaration_id, order_error=error, form=entered
        )
    worklist.claim(session, officer_of(user), declaration_id)
    return done(request, f"/portal/agency/declarations/{declaration_id}?ordered=1")


@router.post("/agency/inspections/{case_no}/result")
def record_result(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: AgencyUser,
    case_no: str,
    form: Posted,
) -> Response:
    result = field(form, "result", 20)
    notes = field(form, "notes", 2000)
    next = field(form, "next", 2000)
    principal = user.principal
    case = inspection_reads.visible_case(session, principal, case_no)

    def act() -> Any:
        try:
            chosen = Result(result)
        except ValueError:
            raise ValidationFailed(
                "Choose a result",
                "请选择查验结果",
                findings=[Finding("/result", "required", "choose a result", "请选择查验结果")],
            ) from None
        return inspection.record_result(
            session,
            case_no,
            principal.party_code,
            result=chosen,
            notes=notes.strip(),
            attachments=[],
            node_code=settings.node_code,
        )

    _, error = attempt(session, act)
    if error is not None:
        return _declaration_page(
            request, session, user, case.declaration_id, case_error=(case_no, error)
        )
    return done(request, safe_next(next, f"/portal/agency/declarations/{case.declaration_id}"))


@router.post("/agency/inspections/{case_no}/release")
def release_case(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: AgencyUser,
    case_no: str,
    form: Posted,
) -> Response:
    next = field(form, "next", 2000)
    principal = user.principal
    case = inspection_reads.visible_case(session, principal, case_no)
    _, error = attempt(
        session,
        lambda: inspection.release(
            session, case_no, principal.party_code, containers=None, node_code=settings.node_code
        ),
    )
    if error is not None:
        return _declaration_page(
            request, session, user, case.declaration_id, case_error=(case_no, error)
        )
    return done(request, safe_next(next, f"/portal/agency/declarations/{case.declaration_id}"))
