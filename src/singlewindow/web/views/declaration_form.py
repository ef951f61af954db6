"""The declaration form, generated from the document definitions, and a declaration's status
page (issue 6).

One form view serves every action a declarant takes on it — check, save a draft, submit,
add or remove an item, pre-fill from the manifest — as a plain POST (redirect after post)
and, with htmx, as the form swapped in place. The work is done by the same service functions
the JSON API calls, with the caller's principal.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from singlewindow.declarations import attachments, service
from singlewindow.declarations.api import declaration_out
from singlewindow.declarations.rules import FINAL_AGGREGATES, WITHDRAWABLE, Aggregate
from singlewindow.kit.errors import Finding, NotFound, SingleWindowError
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.signing.envelope import envelope_from_header
from singlewindow.signing.verify import signature_required
from singlewindow.standards import validation
from singlewindow.standards.codes import service as codes
from singlewindow.standards.documents import document_types, get_document_type
from singlewindow.standards.documents.model import DocumentType
from singlewindow.transport.manifests.prefill import prefill_goods_declaration
from singlewindow.web.actions import Posted, attempt, see_other
from singlewindow.web.auth import PortalUser, TraderUser
from singlewindow.web.forms.drafts import own_draft, update_draft
from singlewindow.web.forms.model import bind_form, control_id
from singlewindow.web.forms.values import (
    FormState,
    errors_by_place,
    from_document,
    parse_form,
    place_of,
    to_document,
)
from singlewindow.web.i18n import catalogue, lang_of
from singlewindow.web.render import is_fragment, render, render_partial

router = APIRouter(prefix="/portal", include_in_schema=False)

GOODS = "goods_declaration"
BASE = "/portal/trader/declarations"


# --- building the form page ---


def _new_ref() -> str:
    return f"SW{uuid.uuid4().hex[:24].upper()}"


def _fresh_state(definition: DocumentType, user: PortalUser) -> FormState:
    """A new form: a client reference, the caller's enterprise as consignee/consignor, one
    empty item in each block that needs one."""
    state = FormState()
    if any(f.name == "client_ref" for f in definition.root_fields):
        state.values["client_ref"] = _new_ref()
    if definition.type == GOODS:
        p = user.principal
        state.values.update(
            {
                "head.ie_flag": "I",
                "head.trade_co_scc": p.uscc or "",
                "head.trade_code": p.customs_code or "",
                "head.trade_name": user.party_name_zh,
                "sign.oper_name": user.display_name[:50],
            }
        )
    for block in definition.blocks:
        if block.repeated and block.min_occurs:
            state.add_item(block.name)
    return state


# Copy-as-new drops what belongs to one shipment or one filing: numbers and dates.
_COPY_DROP = {
    "head": ("ie_date", "desp_date", "cmpl_dschrg_dt", "bill_no", "license_no", "correlation_no"),
    "free_text": ("voy_no", "rel_id", "dec_no"),
}


def _copy_of(document: Mapping[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(document))
    doc["client_ref"] = _new_ref()
    for block, names in _COPY_DROP.items():
        part = doc.get(block)
        if isinstance(part, dict):
            for name in names:
                part.pop(name, None)
    doc.pop("attachments", None)  # the files named there belong to the old filing
    sign = doc.get("sign")
    doc["sign"] = {"oper_name": sign.get("oper_name")} if isinstance(sign, dict) else {}
    if not doc["sign"].get("oper_name"):
        doc.pop("sign")
    return doc


def _summary(
    definition: DocumentType, state: FormState, findings: list[Finding]
) -> list[dict[str, Any]]:
    """The findings as the summary lists them: the message with a link to its control."""
    labels: dict[str, tuple[str, str]] = {}
    for block in definition.blocks:
        for fd in block.fields:
            labels[f"{block.name}.{fd.name}"] = (fd.label_zh, fd.label_en)
            if fd.at_root:
                labels[fd.name] = (fd.label_zh, fd.label_en)
    out = []
    for f in findings:
        place = place_of(definition, state, f.path)
        parts = place.split(".")
        key = place if len(parts) < 3 else f"{parts[0]}.{parts[2]}"
        label = labels.get(key) or labels.get(place)
        item = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
        position = (
            state.indices.get(parts[0], []).index(item) + 1
            if item is not None and item in state.indices.get(parts[0], [])
            else None
        )
        out.append(
            {
                "finding": f,
                "href": "#" + control_id(place) if label and place else None,
                "label_zh": label[0] if label else "",
                "label_en": label[1] if label else "",
                "position": position,
            }
        )
    return out


def _form_values(
    request: Request,
    user: PortalUser,
    definition: DocumentType,
    state: FormState,
    *,
    action_url: str,
    findings: list[Finding] | None = None,
    checked: bool = False,
    error: SingleWindowError | None = None,
    notice: str = "",
    sources: list[dict[str, str]] | None = None,
    draft_id: str | None = None,
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    findings = findings or []
    errors = errors_by_place(definition, state, findings)
    return {
        "definition": definition,
        "types": document_types(),
        "blocks": bind_form(definition, state.values, state.indices, errors,
                            max_lines=settings.max_lines),
        "findings": findings,
        "summary": _summary(definition, state, findings),
        "checked": checked,
        "error": error,
        "notice": notice,
        "sources": sources or [],
        "action_url": action_url,
        "draft_id": draft_id,
        "can_submit": definition.type == GOODS,
        "can_file": definition.type != GOODS,
        "needs_signature": signature_required(settings, definition.type),
        "bill_no": state.values.get("head.bill_no", ""),
        "client_ref": state.values.get("client_ref", ""),
        "max_kib": attachments.MAX_ATTACHMENT_BYTES // 1024,
    }  # fmt: skip


def _form_response(
    request: Request,
    user: PortalUser,
    values: dict[str, Any],
    status_code: int = 200,
) -> Response:
    """The whole page, or — for htmx posting the form — the form only."""
    if request.headers.get("hx-request") == "true" and not is_fragment(request):
        return render_partial(request, "form/form.html", values, user=user, status_code=status_code)
    return render(request, "form/new.html", values, user=user, status_code=status_code)


def _redirect(request: Request, url: str) -> Response:
    return see_other(request, url)


# --- the form pages ---


@router.get("/trader/declarations/new")
def new_form(
    request: Request,
    session: DbSession,
    user: TraderUser,
    type_: Annotated[str, Query(alias="type", max_length=40)] = GOODS,
    copy: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    definition = get_document_type(type_)
    notice = ""
    if copy and definition.type == GOODS:
        original = service.visible(session, user.principal, copy)
        state = from_document(definition, _copy_of(original.document))
        if not state.indices.get("lines"):
            state.add_item("lines")
        ref = original.unified_no or original.client_ref
        notice = _t(request, "form.copied").format(ref=ref)
    else:
        state = _fresh_state(definition, user)
    url = f"{BASE}/new" + ("" if definition.type == GOODS else f"?type={quote(definition.type)}")
    values = _form_values(request, user, definition, state, action_url=url, notice=notice)
    return render(request, "form/new.html", values, user=user)


@router.post("/trader/declarations/new")
def new_post(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: TraderUser,
    form: Posted,
    type_: Annotated[str, Query(alias="type", max_length=40)] = GOODS,
) -> Response:
    definition = get_document_type(type_)
    url = f"{BASE}/new" + ("" if definition.type == GOODS else f"?type={quote(definition.type)}")
    return _handle(request, session, settings, user, definition, form, action_url=url)


@router.get("/trader/declarations/{declaration_id}/edit")
def edit_form(
    request: Request, session: DbSession, user: TraderUser, declaration_id: str
) -> Response:
    draft = own_draft(session, user.principal, declaration_id)
    definition = get_document_type(GOODS)
    state = from_document(definition, draft.document)
    for block in definition.blocks:
        if block.repeated and block.min_occurs and not state.indices.get(block.name):
            state.add_item(block.name)
    notice = _t(request, "form.draft_saved") if request.query_params.get("saved") else ""
    values = _form_values(
        request, user, definition, state, action_url=f"{BASE}/{draft.id}/edit",
        notice=notice, draft_id=draft.id,
    )  # fmt: skip
    values["files"] = attachments.list_for(session, user.principal, draft.id)
    return render(request, "form/new.html", values, user=user)


@router.post("/trader/declarations/{declaration_id}/edit")
def edit_post(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: TraderUser,
    form: Posted,
    declaration_id: str,
) -> Response:
    draft = own_draft(session, user.principal, declaration_id)
    return _handle(
        request, session, settings, user, get_document_type(GOODS), form,
        action_url=f"{BASE}/{draft.id}/edit", draft_id=draft.id, client_ref=draft.client_ref,
    )  # fmt: skip


def _t(request: Request, key: str) -> str:
    pair = catalogue().get(key, (key, key))
    return pair[0] if lang_of(request) == "zh" else pair[1]


def _handle(
    request: Request,
    session: Session,
    settings: Settings,
    user: PortalUser,
    definition: DocumentType,
    form: FormData,
    *,
    action_url: str,
    draft_id: str | None = None,
    client_ref: str | None = None,
) -> Response:
    state = parse_form(definition, form.multi_items())
    if client_ref is not None:
        state.values["client_ref"] = client_ref  # a draft keeps its reference
    action = str(form.get("action") or "validate")
    page: dict[str, Any] = {"action_url": action_url, "draft_id": draft_id}

    def again(status: int = 200, **extra: Any) -> Response:
        values = _form_values(request, user, definition, state, **page, **extra)
        if draft_id:
            values["files"] = attachments.list_for(session, user.principal, draft_id)
        return _form_response(request, user, values, status)

    if action.startswith("add:"):
        block = action.removeprefix("add:")
        if block in {b.name for b in definition.blocks if b.repeated}:
            state.add_item(block)
        return again()
    if action.startswith("remove:"):
        _, block, _, index = (action + "::").split(":", 3)
        if index.strip(":").isdigit():
            state.remove_item(block, int(index.strip(":")))
        return again()
    if action == "prefill":
        return _prefill(session, user, state, form, again)
    document = to_document(definition, state)
    if action == "export_json":
        body = json.dumps(document, ensure_ascii=False, indent=2)
        name = f"{state.values.get('client_ref') or definition.type}.json"
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    findings = validation.validate_document(
        session, definition.type, document, max_lines=settings.max_lines
    )
    errors = [f for f in findings if f.severity == "error"]
    if definition.type != GOODS and action == "file":
        if errors:  # nothing is filed: the same findings the filing would answer
            return again(422, findings=findings, checked=True)
        filed, error = attempt(
            session, lambda: _file(session, settings, user, definition, document)
        )
        if error is not None:
            return again(error.status, findings=error.findings, error=error, checked=True)
        return again(201, findings=findings, checked=True, notice=_filed_notice(request, filed))
    if action == "validate" or definition.type != GOODS:
        return again(422 if errors else 200, findings=findings, checked=True)
    try:
        with session.begin_nested():  # a failed attempt leaves nothing behind
            if action == "save":
                return _save(request, session, settings, user, document, draft_id)
            if errors:  # nothing is stored: the same findings the submission would answer
                return again(422, findings=findings, checked=True)
            result = _submit(session, settings, user, document, draft_id, form)
    except SingleWindowError as exc:
        return again(exc.status, findings=exc.findings, error=exc, checked=True)
    return _redirect(request, f"{BASE}/{result.declaration.id}?submitted=1")


def _save(
    request: Request,
    session: Session,
    settings: Settings,
    user: PortalUser,
    document: dict[str, Any],
    draft_id: str | None,
) -> Response:
    """Stores the form as a draft (new: ``service.submit(draft=True)``, as the API does)."""
    if draft_id:
        update_draft(session, user.principal, draft_id, document)
        return _redirect(request, f"{BASE}/{draft_id}/edit?saved=1")
    result = service.submit(
        session, user.principal, document, node_code=settings.node_code,
        max_lines=settings.max_lines, draft=True, settings=settings,
    )  # fmt: skip
    return _redirect(request, f"{BASE}/{result.declaration.id}/edit?saved=1")


def _submit(
    session: Session,
    settings: Settings,
    user: PortalUser,
    document: dict[str, Any],
    draft_id: str | None,
    form: FormData,
) -> service.Submitted:
    """The same service call as ``POST /api/v1/declarations`` (or ``/{id}/submit`` for a
    draft): idempotent by client reference."""
    if draft_id:
        update_draft(session, user.principal, draft_id, document)
        return service.submit_draft(
            session, user.principal, draft_id, node_code=settings.node_code,
            max_lines=settings.max_lines, settings=settings,
        )  # fmt: skip
    return service.submit(
        session, user.principal, document, node_code=settings.node_code,
        max_lines=settings.max_lines, signed=_signed(document, str(form.get("sw_signature") or "")),
        settings=settings,
    )  # fmt: skip


def _file(
    session: Session,
    settings: Settings,
    user: PortalUser,
    definition: DocumentType,
    document: dict[str, Any],
) -> dict[str, Any]:
    """A transport report or a manifest message: the same service call as its API route
    (``POST /api/v1/transport/reports/{type}``, ``POST /api/v1/manifests``), idempotent by
    client reference; the receipt as a dict."""
    if definition.type == "manifest":
        from singlewindow.transport.manifests.service import submit_manifest

        receipt: Any = submit_manifest(session, user.principal, document, settings=settings)
    else:
        from singlewindow.transport.calls.service import submit_report

        receipt = submit_report(
            session, user.principal, definition.type, document, settings=settings
        )
    filed: dict[str, Any] = receipt.model_dump(mode="json")
    return filed


def _filed_notice(request: Request, filed: dict[str, Any] | None) -> str:
    filed = filed or {}
    number = filed.get("report_id") or filed.get("message_id") or filed.get("id") or ""
    recipients = ", ".join(str(r) for r in filed.get("recipients") or [])
    return _t(request, "form.filed").format(number=number, recipients=recipients or "—")


def _signed(document: dict[str, Any], envelope: str) -> service.Signed:
    """The API contract: a JSON submission's signature is a detached envelope over the
    document as sent (the ``SW-Signature`` header); the portal takes it pasted in the form."""
    value = envelope.strip()
    return service.Signed(
        document=document,
        envelope=envelope_from_header(value, "sw_signature") if value else None,
    )


def _prefill(
    session: Session,
    user: PortalUser,
    state: FormState,
    form: FormData,
    again: Callable[..., Response],
) -> Response:
    bill_no = str(form.get("prefill_bill_no") or "").strip()
    ie_flag = state.values.get("head.ie_flag") or None
    try:
        if not bill_no:
            raise NotFound(
                "Enter the B/L number to pre-fill from",
                "请输入要预填的提运单号",
                code="bill_no_missing",
                findings=[Finding("query:bill_no", "required", "required", "必填")],
            )
        out = prefill_goods_declaration(
            session, user.principal, bill_no=bill_no[:35],
            ie_flag=ie_flag if ie_flag in ("I", "E") else None,
        )  # fmt: skip
    except SingleWindowError as exc:
        return again(exc.status, error=exc)
    definition = get_document_type(GOODS)
    filled = from_document(
        definition,
        {"head": out.head, "free_text": out.free_text, "containers": out.containers},
    )
    for name, value in filled.values.items():
        if not name.startswith("containers."):
            state.values[name] = value
    if out.containers:
        for index in list(state.indices.get("containers", [])):
            state.remove_item("containers", index)
        for position, _ in enumerate(out.containers):
            index = state.add_item("containers")
            prefix = f"containers.{position}."
            for name, value in filled.values.items():
                if name.startswith(prefix):
                    state.values[f"containers.{index}." + name.removeprefix(prefix)] = value
    sources = [{"pointer": s.pointer, "source": s.source, "field": s.field} for s in out.sources]
    return again(sources=sources)


@router.post("/trader/declarations/form/item")
def form_item(
    request: Request,
    settings: AppSettings,
    user: TraderUser,
    form: Posted,
    block: Annotated[str, Query(max_length=40)],
    type_: Annotated[str, Query(alias="type", max_length=40)] = GOODS,
) -> Response:
    """htmx: one new item of a repeated block, appended to its list (the form is posted
    along, so the new item gets the next free index and the maximum is kept)."""
    definition = get_document_type(type_)
    state = parse_form(definition, form.multi_items())
    repeated = {b.name for b in definition.blocks if b.repeated}
    if block not in repeated:
        raise NotFound(f"No repeated block {block}", f"没有可重复的数据块 {block}")
    bound = bind_form(definition, state.values, state.indices, {},
                      max_lines=settings.max_lines)  # fmt: skip
    target = next(b for b in bound if b.name == block)
    if target.full:
        return render_partial(
            request, "form/item_full.html", {"block": target}, user=user,
            headers={"HX-Retarget": f"#msg-{block}", "HX-Reswap": "innerHTML"},
        )  # fmt: skip
    state.add_item(block)
    bound = bind_form(definition, state.values, state.indices, {},
                      max_lines=settings.max_lines)  # fmt: skip
    target = next(b for b in bound if b.name == block)
    return render_partial(
        request, "form/item.html",
        {"block": target, "item": target.items[-1], "definition": definition},
        user=user,
    )  # fmt: skip


@router.post("/trader/declarations/form/remove")
def form_remove(user: TraderUser) -> Response:
    """htmx: the item is removed in the page (``hx-swap="delete"``); nothing is stored."""
    return Response(status_code=200)


@router.get("/codes/{table}")
def code_picker(
    request: Request,
    session: DbSession,
    user: TraderUser,
    table: str,
    target: Annotated[str, Query(max_length=120, pattern=r"^[A-Za-z0-9_-]+$")],
    field: Annotated[str, Query(max_length=120)] = "",
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Options of a code table valid today, matching a code prefix or a name (Chinese or
    English): the same lookup as ``GET /api/v1/standards/code-tables/{name}?q=``."""
    text = (q if q is not None else request.query_params.get(field, "")).strip()[:100]
    query = text.upper() if text.isascii() else text  # codes are upper case; names match any
    try:
        page = codes.entries_page(session, table, q=query or None, limit=12)
        items = page.items
    except NotFound:
        items = []
    return render_partial(
        request, "form/picker_options.html",
        {"items": items, "target": target, "query": text}, user=user,
    )  # fmt: skip


# --- the status page ---


def _status_values(request: Request, session: Session, user: PortalUser, declaration_id: str,
                   ) -> dict[str, Any]:  # fmt: skip
    declaration = service.visible(session, user.principal, declaration_id)  # else 404
    out = declaration_out(session, declaration, with_document=True)
    lang = lang_of(request)
    known = catalogue()
    events = []
    release_no = ""
    for e in reversed(out.timeline):
        key = f"event.{e.event}"
        label = known[key][0 if lang == "zh" else 1] if key in known else e.event
        if e.event in ("release_notice", "inspection_released") and e.detail.get("release_no"):
            release_no = release_no or str(e.detail["release_no"])
        events.append({"event": e, "label": label})
    from singlewindow.agencies.reasons import REASONS

    agencies = []
    for a in out.agencies:
        reasons = []
        for r in a.reasons:
            code = str(r.get("code", "")) if isinstance(r, dict) else str(r)
            en, zh = REASONS.get(code, ("", ""))
            text = str(r.get("text", "")) if isinstance(r, dict) else ""
            reasons.append({"code": code, "zh": text or zh, "en": text or en})
        party = parties.find_party(session, a.agency_code)
        agencies.append(
            {
                "status": a,
                "reasons": reasons,
                "name_zh": party.name_zh if party is not None else a.agency_code,
                "name_en": (party.name_en or party.name_zh) if party is not None else "",
            }
        )
    document = out.document or {}
    is_owner = declaration.declarant_code == user.principal.party_code
    return {
        "d": out,
        "events": events,
        "agencies": agencies,
        "release_no": release_no if out.status in ("released", "cleared") else "",
        "final": Aggregate(out.status) in FINAL_AGGREGATES
        or out.status in (Aggregate.released, Aggregate.cleared),
        "can_withdraw": is_owner and Aggregate(out.status) in WITHDRAWABLE,
        "is_owner": is_owner,
        "lines": len(document.get("lines") or []),
        "doc_title": (
            get_document_type(out.doc_type).title_zh,
            get_document_type(out.doc_type).title_en,
        ),
        "head": document.get("head") or {},
    }


@router.get("/trader/declarations/{declaration_id}")
def status_page(
    request: Request, session: DbSession, user: TraderUser, declaration_id: str
) -> Response:
    values = _status_values(request, session, user, declaration_id)
    if values["is_owner"]:
        values["files"] = attachments.list_for(session, user.principal, declaration_id)
    else:
        values["files"] = None
    values["notice"] = request.query_params.get("notice", "")
    values["submitted"] = bool(request.query_params.get("submitted"))
    values["max_kib"] = attachments.MAX_ATTACHMENT_BYTES // 1024
    return render(request, "form/status.html", values, user=user)


@router.get("/trader/declarations/{declaration_id}/status")
def status_part(
    request: Request, session: DbSession, user: TraderUser, declaration_id: str
) -> Response:
    """htmx: the status part alone (it polls itself until the declaration is final)."""
    values = _status_values(request, session, user, declaration_id)
    return render_partial(request, "form/status_part.html", values, user=user)


@router.post("/trader/declarations/{declaration_id}/withdraw")
def withdraw(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: TraderUser,
    form: Posted,
    declaration_id: str,
) -> Response:
    reason = str(form.get("reason") or "")[:255]
    service.withdraw(
        session, user.principal, declaration_id, node_code=settings.node_code, reason=reason
    )
    return _redirect(request, f"{BASE}/{declaration_id}?notice=withdrawn")


# --- attachments ---


@router.post("/trader/declarations/{declaration_id}/attachments")
def upload(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: TraderUser,
    form: Posted,
    declaration_id: str,
) -> Response:
    file = form.get("file")
    data, name, media = b"", "", ""
    if isinstance(file, StarletteUpload):
        data = file.file.read(attachments.MAX_ATTACHMENT_BYTES + 1)
        name, media = file.filename or "", file.content_type or ""
    attachments.add(
        session, user.principal, declaration_id, name=name, media_type=media, data=data,
        data_dir=settings.data_dir, uploaded_by=user.username,
    )  # fmt: skip
    back = str(form.get("back") or "")
    target = (
        f"{BASE}/{declaration_id}/edit"
        if back == "edit"
        else f"{BASE}/{declaration_id}?notice=uploaded"
    )
    return _redirect(request, target)


@router.get("/trader/declarations/{declaration_id}/attachments/{attachment_id}")
def download(
    session: DbSession,
    settings: AppSettings,
    user: TraderUser,
    declaration_id: str,
    attachment_id: str,
) -> Response:
    row, path = attachments.get(
        session, user.principal, declaration_id, attachment_id, data_dir=settings.data_dir
    )
    if not path.is_file():
        raise NotFound("The file is missing from the store", "附件文件缺失", code="file_missing")
    return FileResponse(
        path,
        media_type=row.media_type,
        filename=row.name,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
        content_disposition_type="attachment",
    )
