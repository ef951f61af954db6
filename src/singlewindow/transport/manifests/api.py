"""Manifest routes (``/api/v1/manifests``): file MT messages (JSON, XML or EDIFACT CUSCAR),
read messages and consignments with their history, discrepancies and loading permits."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from singlewindow.kit.db import Database
from singlewindow.kit.errors import BadRequest, Finding, UnsupportedMediaType, ValidationFailed
from singlewindow.kit.http import AppDatabase, AppSettings, DbSession
from singlewindow.kit.pagination import Page, decode_cursor, page_of
from singlewindow.kit.settings import Settings
from singlewindow.parties.access import AGENCIES, DECLARANTS, PORT, READERS, Allow
from singlewindow.parties.auth import Principal
from singlewindow.signing import platform
from singlewindow.transport.manifests import reconcile, repository, service
from singlewindow.transport.manifests.rules import DIFFERENCE_TEXT, difference_code
from singlewindow.transport.manifests.schemas import (
    ConsignmentOut,
    ConsignmentSummary,
    ContainerOut,
    DiscrepancyOut,
    HistoryOut,
    LoadingPermitOut,
    ManifestReceipt,
    MessageOut,
    ResolveIn,
)
from singlewindow.transport.models import Discrepancy

router = APIRouter(prefix="/api/v1/manifests", tags=["manifests"])

Filer = Annotated[Principal, Allow(*DECLARANTS, *PORT, tenant="own", detached=True)]
ManifestReader = Annotated[Principal, Allow(*READERS, tenant="own")]
Customs = Annotated[Principal, Allow(*AGENCIES, tenant="routed")]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "canonical manifest; its JSON Schema is at "
                    "/api/v1/standards/document-types/manifest/schema",
                }
            },
            "application/xml": {
                "schema": {"type": "string", "description": "China customs manifest XML (MTxxxx)"}
            },
            "application/edifact": {
                "schema": {"type": "string", "description": "UN/EDIFACT CUSCAR"}
            },
        },
    }
}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal)
    except RecursionError as exc:
        raise BadRequest(
            "Malformed JSON: nested too deeply",
            "JSON 格式错误：嵌套层级过深",
            code="malformed_json",
            findings=[Finding("", "malformed_json", "nested too deeply", "嵌套层级过深")],
        ) from exc
    except ValueError as exc:
        raise BadRequest(
            f"Malformed JSON: {exc}",
            "JSON 格式错误",
            code="malformed_json",
            findings=[Finding("", "malformed_json", str(exc), "JSON 格式错误")],
        ) from exc


def _converter(module: str, name: str, media: str) -> Any:
    """A format converter another part of the platform provides (415 until it exists)."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ModuleNotFoundError, AttributeError) as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name != module:
            raise
        raise UnsupportedMediaType(
            f"{media} manifests are not supported on this node yet; send application/json",
            f"本节点暂不支持 {media} 格式的舱单，请使用 application/json",
        ) from exc


def _from_xml(raw: bytes) -> Any:
    try:
        detect = _converter("singlewindow.standards.xml.transport", "detect", "application/xml")
    except UnsupportedMediaType:
        return _converter("singlewindow.standards.xml.manifest", "from_xml", "application/xml")(raw)
    doc_type, document = detect(raw)
    if doc_type != "manifest":
        raise ValidationFailed(
            f"This XML is a {doc_type}, not a manifest; send it to its own route",
            f"该 XML 报文为 {doc_type}，不是舱单",
            code="wrong_document_type",
            findings=[Finding("", "wrong_document_type", f"got {doc_type}", "单证类型不符")],
        )
    return document


def _from_edifact(raw: bytes) -> Any:
    """One CUSCAR message (a manifest per request, as for JSON and XML)."""
    read = _converter(
        "singlewindow.standards.edifact.detect", "read_documents", "application/edifact"
    )
    results = read(raw)
    if len(results) != 1:
        en = f"Send one CUSCAR message per request (this interchange has {len(results)})"
        zh = f"每次请求只能发送一个 CUSCAR 报文（本交换含 {len(results)} 个）"
        raise ValidationFailed(
            en, zh, code="one_message", findings=[Finding("", "one_message", en, zh)]
        )
    (result,) = results
    error = getattr(result, "error", None)
    if callable(error):  # a Rejection: the message breaks its layout
        raise error()
    if result.doc_type != "manifest":
        raise ValidationFailed(
            f"This EDIFACT message is a {result.doc_type}, not a manifest (CUSCAR)",
            f"该 EDIFACT 报文为 {result.doc_type}，不是舱单（CUSCAR）",
            code="wrong_document_type",
            findings=[
                Finding("/messages/0", "wrong_document_type", "not CUSCAR", "不是 CUSCAR 报文")
            ],
        )
    return result.document


def parse_manifest_body(raw: bytes, content_type: str) -> Any:
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/json", "") or media.endswith("+json"):
        return _json(raw)
    if media in ("application/xml", "text/xml"):
        return _from_xml(raw)
    if media in ("application/edifact", "application/edi-edifact"):
        return _from_edifact(raw)
    raise UnsupportedMediaType(
        f"Content-Type {media!r} is not supported; use application/json, application/xml "
        "or application/edifact",
        f"不支持的内容类型 {media!r}；"
        "请使用 application/json、application/xml 或 application/edifact",
    )


def _submit_once(
    db: Database, settings: Settings, principal: Principal, document: Any
) -> ManifestReceipt:
    # Two concurrent submissions of one client reference race on the unique key: the loser
    # is retried once and then answers the winner's receipt.
    for attempt in range(2):
        try:
            with db.unit_of_work() as session:
                receipt = service.submit_manifest(session, principal, document, settings=settings)
        except IntegrityError:
            if attempt:
                raise
            continue
        payload = receipt.model_dump(mode="json", exclude={"platform_signature"})
        signed = platform.sign_receipt(payload, settings=settings)
        return receipt.model_copy(update={"platform_signature": signed["platform_signature"]})
    raise AssertionError("unreachable")


@router.post(
    "",
    response_model=ManifestReceipt,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_BODY_DOC,
    summary="File a manifest-family message (MT1101 … MT5202)",
)
async def submit(
    request: Request, db: AppDatabase, settings: AppSettings, principal: Filer
) -> ManifestReceipt:
    raw = await request.body()
    document = parse_manifest_body(raw, request.headers.get("content-type", ""))
    return await run_in_threadpool(_submit_once, db, settings, principal, document)


@router.get("/messages/{manifest_id}", response_model=MessageOut, summary="One message as filed")
def get_message(session: DbSession, principal: ManifestReader, manifest_id: str) -> MessageOut:
    message = service.visible_message(session, principal, manifest_id)
    return MessageOut.model_validate(message, from_attributes=True)


@router.get(
    "/consignments", response_model=Page[ConsignmentSummary], summary="Find consignments (B/Ls)"
)
def find_consignments(
    session: DbSession,
    principal: ManifestReader,
    means_id: Annotated[str | None, Query(max_length=40)] = None,
    journey_id: Annotated[str | None, Query(max_length=40)] = None,
    bill_no: Annotated[str | None, Query(max_length=35)] = None,
    container_no: Annotated[str | None, Query(max_length=11)] = None,
    manifest_type: Annotated[str | None, Query(max_length=8)] = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(active|deleted)$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ConsignmentSummary]:
    rows = repository.search_consignments(
        session,
        service.scope_of(session, principal),
        means_id=means_id,
        journey_id=journey_id,
        bill_no=bill_no,
        container_no=container_no,
        manifest_type=manifest_type,
        status=status_,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(
        rows, limit, lambda c: ConsignmentSummary.model_validate(c, from_attributes=True)
    )


@router.get(
    "/consignments/{consignment_id}",
    response_model=ConsignmentOut,
    summary="One consignment: current version, containers and history",
)
def get_consignment(
    session: DbSession, principal: ManifestReader, consignment_id: str
) -> ConsignmentOut:
    row = service.visible_consignment(session, principal, consignment_id)
    summary = ConsignmentSummary.model_validate(row, from_attributes=True)
    return ConsignmentOut(
        **summary.model_dump(),
        document=row.document,
        containers=[
            ContainerOut.model_validate(c, from_attributes=True)
            for c in repository.containers(session, row.id)
        ],
        history=[
            HistoryOut.model_validate(h, from_attributes=True)
            for h in repository.history(session, row.id)
        ],
    )


def discrepancy_out(row: Discrepancy) -> DiscrepancyOut:
    code = difference_code(row.field, row.expected, row.found)
    en, zh = DIFFERENCE_TEXT[code]
    return DiscrepancyOut(
        id=row.id,
        kind=row.kind,
        code=code,
        message=en,
        message_zh=zh,
        mode=row.mode,
        means_id=row.means_id,
        journey_id=row.journey_id,
        bill_no=row.bill_no,
        container_no=row.container_no,
        field=row.field,
        expected=row.expected,
        found=row.found,
        carrier_code=row.carrier_code,
        customs_code=row.customs_code,
        message_id=row.message_id,
        status=row.status,
        resolution=row.resolution,
        resolution_note=row.resolution_note,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        created_at=row.created_at,
    )


@router.get(
    "/discrepancies", response_model=Page[DiscrepancyOut], summary="Reconciliation differences"
)
def find_discrepancies(
    session: DbSession,
    principal: ManifestReader,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|resolved)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(loading_vs_preload|tally_vs_manifest)$")] = None,
    means_id: Annotated[str | None, Query(max_length=40)] = None,
    journey_id: Annotated[str | None, Query(max_length=40)] = None,
    bill_no: Annotated[str | None, Query(max_length=35)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DiscrepancyOut]:
    rows = repository.search_discrepancies(
        session,
        service.scope_of(session, principal),
        status=status_,
        kind=kind,
        means_id=means_id,
        journey_id=journey_id,
        bill_no=bill_no,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, discrepancy_out)


@router.post(
    "/discrepancies/{discrepancy_id}/resolve",
    response_model=DiscrepancyOut,
    summary="Customs accepts a difference and closes it",
)
def resolve_discrepancy(
    session: DbSession,
    settings: AppSettings,
    principal: Customs,
    discrepancy_id: str,
    body: ResolveIn,
) -> DiscrepancyOut:
    row = reconcile.resolve(
        session,
        principal,
        service.scope_of(session, principal),
        discrepancy_id,
        note=body.note,
        node_code=settings.node_code,
    )
    return discrepancy_out(row)


@router.get(
    "/loading-permits",
    response_model=Page[LoadingPermitOut],
    summary="Export loading permits (release + arrival report)",
)
def find_loading_permits(
    session: DbSession,
    principal: ManifestReader,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(waiting_arrival|permitted)$")
    ] = None,
    bill_no: Annotated[str | None, Query(max_length=35)] = None,
    declaration_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[LoadingPermitOut]:
    rows = repository.search_permits(
        session,
        service.scope_of(session, principal),
        status=status_,
        bill_no=bill_no,
        declaration_id=declaration_id,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, lambda p: LoadingPermitOut.model_validate(p, from_attributes=True))
