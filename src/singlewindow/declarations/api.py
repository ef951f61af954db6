"""Declaration routes: submit (JSON or DecMessage XML), drafts, withdraw, status, lookups."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.declarations import repository, service
from singlewindow.declarations.models import Declaration
from singlewindow.declarations.schemas import (
    AgencyStatusOut,
    BatchIn,
    BatchItem,
    BatchOut,
    DeclarationOut,
    DeclarationSummary,
    EventOut,
    Receipt,
    WarningOut,
)
from singlewindow.kit.db import Database
from singlewindow.kit.errors import BadRequest, Finding, SingleWindowError, UnsupportedMediaType
from singlewindow.kit.http import AppDatabase, AppSettings, DbSession
from singlewindow.kit.pagination import Page, decode_cursor, page_of
from singlewindow.kit.settings import Settings
from singlewindow.ops.continuity import notices_for  # service status (issue 5)
from singlewindow.parties.access import Declarant, DetachedDeclarant, Reader
from singlewindow.parties.auth import Principal
from singlewindow.signing import platform
from singlewindow.signing.envelope import envelope_from_header
from singlewindow.standards.xml import parse_decmessage, render_decmessage

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"])

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "canonical goods declaration; its JSON Schema is at "
                    "/api/v1/standards/document-types/goods_declaration/schema",
                }
            },
            "application/xml": {
                "schema": {"type": "string", "description": "China customs DecMessage XML"}
            },
        },
    }
}


def parse_body(raw: bytes, content_type: str) -> Any:
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/json", "") or media.endswith("+json"):
        try:
            return json.loads(raw, parse_float=Decimal)
        except RecursionError as exc:
            raise BadRequest(
                "Malformed JSON: nested too deeply",
                "JSON 格式错误：嵌套层级过深",
                code="malformed_json",
                findings=[Finding("", "malformed_json", "nested too deeply", "嵌套层级过深")],
            ) from exc
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, over-long integers
            raise BadRequest(
                f"Malformed JSON: {exc}",
                "JSON 格式错误",
                code="malformed_json",
                findings=[Finding("", "malformed_json", str(exc), "JSON 格式错误")],
            ) from exc
    if media in ("application/xml", "text/xml"):
        return parse_decmessage(raw)
    raise UnsupportedMediaType(
        f"Content-Type {media!r} is not supported; use application/json or application/xml",
        f"不支持的内容类型 {media!r}；请使用 application/json 或 application/xml",
    )


def _signed(raw: bytes, content_type: str, document: Any, header: str | None) -> service.Signed:
    """A JSON submission's signature travels in the ``SW-Signature`` header (base64url JSON
    envelope, docs/signing.md); a DecMessage carries its own ``DecSign`` block."""
    if content_type.split(";")[0].strip().lower() in ("application/xml", "text/xml"):
        return service.Signed(xml=raw)
    envelope = envelope_from_header(header) if header else None
    return service.Signed(document=document, envelope=envelope)


def _submit_once(
    db: Database,
    settings: Settings,
    principal: Principal,
    document: Any,
    draft: bool,
    signed: service.Signed | None = None,
) -> Receipt:
    # Two concurrent submissions of the same client reference race on the unique key; the
    # loser's transaction fails and is retried once, then finds and returns the winner's row.
    for attempt in range(2):
        try:
            with db.unit_of_work() as session:
                result = service.submit(
                    session,
                    principal,
                    document,
                    node_code=settings.node_code,
                    max_lines=settings.max_lines,
                    draft=draft,
                    signed=signed,
                    settings=settings,
                )
                receipt = _receipt(
                    result.declaration, result.recipients, result.duplicate, result.warnings
                )
                # service status (issue 5): name the recipients in continuity mode
                receipt.notices = notices_for(session, settings, receipt.recipients)
        except IntegrityError:
            if attempt:
                raise
            continue
        return sign_receipt(receipt, settings)
    raise AssertionError("unreachable")


def sign_receipt(receipt: Receipt, settings: Settings) -> Receipt:
    """The receipt with the platform's signature (given only after the commit)."""
    payload = receipt.model_dump(mode="json", exclude={"platform_signature"})
    signed = platform.sign_receipt(payload, settings=settings)
    return receipt.model_copy(update={"platform_signature": signed["platform_signature"]})


def _receipt(
    declaration: Declaration,
    recipients: list[str],
    duplicate: bool,
    warnings: list[dict[str, str]] | None = None,
) -> Receipt:
    return Receipt(
        id=declaration.id,
        unified_no=declaration.unified_no,
        client_ref=declaration.client_ref,
        status=declaration.status,
        recipients=recipients,
        duplicate=duplicate,
        content_digest=declaration.content_digest,
        accepted_at=declaration.submitted_at,
        warnings=[WarningOut.model_validate(w) for w in warnings or ()],
    )


@router.post(
    "",
    response_model=Receipt,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_BODY_DOC,
    summary="Submit a goods declaration (JSON or DecMessage XML)",
)
async def submit(
    request: Request,
    db: AppDatabase,
    settings: AppSettings,
    principal: DetachedDeclarant,
    response: Response,
    draft: Annotated[bool, Query(description="store as a draft without routing")] = False,
) -> Receipt:
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    document = parse_body(raw, content_type)
    signed = _signed(raw, content_type, document, request.headers.get("SW-Signature"))
    receipt = await run_in_threadpool(
        _submit_once, db, settings, principal, document, draft, signed
    )
    if draft and not receipt.duplicate:
        response.status_code = status.HTTP_201_CREATED
    return receipt


@router.post("/batch", response_model=BatchOut, summary="Submit up to 1,000 declarations")
def submit_batch(
    db: AppDatabase, settings: AppSettings, principal: Declarant, body: BatchIn
) -> BatchOut:
    """Each item is validated on its own; the valid ones are stored in one transaction."""
    items: list[BatchItem] = []
    with db.unit_of_work() as session:
        for index, document in enumerate(body.declarations):
            try:
                with session.begin_nested():
                    result = service.submit(
                        session,
                        principal,
                        document,
                        node_code=settings.node_code,
                        max_lines=settings.max_lines,
                        settings=settings,
                    )
                receipt = _receipt(
                    result.declaration, result.recipients, result.duplicate, result.warnings
                )
                # service status (issue 5): name the recipients in continuity mode
                receipt.notices = notices_for(session, settings, receipt.recipients)
                items.append(BatchItem(index=index, status_code=202, receipt=receipt))
            except SingleWindowError as exc:
                items.append(BatchItem(index=index, status_code=exc.status, error=exc.as_body()))
    for item in items:
        if item.receipt is not None:  # signed after the commit, like single receipts
            item.receipt = sign_receipt(item.receipt, settings)
    accepted = sum(1 for i in items if i.status_code == 202)
    return BatchOut(accepted=accepted, rejected=len(items) - accepted, items=items)


def declaration_out(
    session: DbSession, declaration: Declaration, *, with_document: bool
) -> DeclarationOut:
    return DeclarationOut(
        id=declaration.id,
        doc_type=declaration.doc_type,
        client_ref=declaration.client_ref,
        unified_no=declaration.unified_no,
        entry_no=declaration.entry_no,
        ie_flag=declaration.ie_flag,
        customs_master=declaration.customs_master,
        bill_no=declaration.bill_no,
        declarant_code=declaration.declarant_code,
        mandate_id=declaration.mandate_id,
        status=declaration.status,
        submitted_at=declaration.submitted_at,
        created_at=declaration.created_at,
        updated_at=declaration.updated_at,
        agencies=[
            AgencyStatusOut.model_validate(s, from_attributes=True)
            for s in repository.agency_statuses(session, declaration.id)
        ],
        timeline=[
            EventOut.model_validate(e, from_attributes=True)
            for e in repository.timeline(session, declaration.id)
        ],
        document=declaration.document if with_document else None,
    )


@router.get("", response_model=Page[DeclarationSummary], summary="Find declarations")
def find(
    session: DbSession,
    principal: Reader,
    unified_no: Annotated[str | None, Query(max_length=18)] = None,
    entry_no: Annotated[str | None, Query(max_length=18)] = None,
    client_ref: Annotated[str | None, Query(max_length=64)] = None,
    bill_no: Annotated[str | None, Query(max_length=32)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[DeclarationSummary]:
    rows = repository.search(
        session,
        principal,
        unified_no=unified_no,
        entry_no=entry_no,
        client_ref=client_ref,
        bill_no=bill_no,
        status=status_,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(
        rows, limit, lambda r: DeclarationSummary.model_validate(r, from_attributes=True)
    )


@router.get("/{declaration_id}", response_model=DeclarationOut, summary="Status and timeline")
def get_one(session: DbSession, principal: Reader, declaration_id: str) -> DeclarationOut:
    declaration = service.visible(session, principal, declaration_id)
    if principal.is_agency:
        audit.record_principal(
            session,
            principal,
            action=actions.DECLARATION_READ,
            target_type=actions.DECLARATION,
            target_id=declaration.id,
            detail={"via": "api"},
        )
    # Agencies get their projection through the exchange; here only the declarant side and
    # operators see the full document.
    return declaration_out(session, declaration, with_document=not principal.is_agency)


@router.get(
    "/{declaration_id}/xml",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
    summary="Export as DecMessage XML",
)
def export_xml(session: DbSession, principal: Reader, declaration_id: str) -> Response:
    declaration = service.visible(session, principal, declaration_id)
    if principal.is_agency:
        raise BadRequest(
            "Agencies receive their projection through the exchange",
            "管理部门通过数据交换获取分送数据",
            code="use_exchange",
        )
    return Response(render_decmessage(declaration.document), media_type="application/xml")


@router.put(
    "/{declaration_id}",
    response_model=DeclarationSummary,
    summary="Replace a draft's content (canonical JSON; the client reference stays)",
)
async def update_draft(
    request: Request, session: DbSession, principal: Declarant, declaration_id: str
) -> DeclarationSummary:
    raw = await request.body()
    document = parse_body(raw, request.headers.get("content-type", ""))
    declaration = service.update_draft(session, principal, declaration_id, document)
    return DeclarationSummary.model_validate(declaration, from_attributes=True)


@router.post("/{declaration_id}/submit", response_model=Receipt, status_code=202)
def submit_draft(
    session: DbSession, settings: AppSettings, principal: Declarant, declaration_id: str
) -> Receipt:
    result = service.submit_draft(
        session,
        principal,
        declaration_id,
        node_code=settings.node_code,
        max_lines=settings.max_lines,
        settings=settings,
    )
    # DbSession commits before the response is sent: a failed commit never shows a receipt.
    receipt = _receipt(result.declaration, result.recipients, result.duplicate, result.warnings)
    # service status (issue 5): name the recipients in continuity mode
    receipt.notices = notices_for(session, settings, receipt.recipients)
    return sign_receipt(receipt, settings)


@router.post("/{declaration_id}/withdraw", response_model=DeclarationSummary)
def withdraw(
    session: DbSession,
    settings: AppSettings,
    principal: Declarant,
    declaration_id: str,
    reason: Annotated[str, Query(max_length=255)] = "",
) -> DeclarationSummary:
    declaration = service.withdraw(
        session, principal, declaration_id, node_code=settings.node_code, reason=reason
    )
    return DeclarationSummary.model_validate(declaration, from_attributes=True)
