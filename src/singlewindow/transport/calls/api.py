"""Transport call routes (``/api/v1/transport``): file reports, follow calls, clear them."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from singlewindow.kit.db import Database
from singlewindow.kit.errors import (
    BadRequest,
    Finding,
    UnsupportedMediaType,
    ValidationFailed,
)
from singlewindow.kit.http import AppDatabase, AppSettings, DbSession
from singlewindow.kit.pagination import Page, decode_cursor, page_of
from singlewindow.kit.settings import Settings
from singlewindow.parties.access import AGENCIES, DECLARANTS, READERS, Allow
from singlewindow.parties.auth import Principal
from singlewindow.signing import platform
from singlewindow.transport.calls import clearance, reads, repository, service
from singlewindow.transport.calls.rules import REPORT_TYPES
from singlewindow.transport.calls.schemas import (
    CallOut,
    CallSummary,
    ClearanceIn,
    ClearanceResult,
    Receipt,
    ReportOut,
    VesselOut,
)

router = APIRouter(prefix="/api/v1/transport", tags=["transport"])

Filer = Annotated[Principal, Allow(*DECLARANTS, tenant="own", detached=True)]
Reader = Annotated[Principal, Allow(*READERS, tenant="own")]
Agency = Annotated[Principal, Allow(*AGENCIES, tenant="routed")]
AnyReader = Annotated[Principal, Allow(*READERS, tenant="all")]

_XML_MODULE = "singlewindow.standards.xml.transport"
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "canonical report of the path's type; its JSON Schema is at "
                    "/api/v1/standards/document-types/{doc_type}/schema",
                }
            },
            "application/xml": {"schema": {"type": "string", "description": "report as XML"}},
        },
    }
}


def _malformed(detail: str) -> BadRequest:
    return BadRequest(
        f"Malformed JSON: {detail}",
        "JSON 格式错误",
        code="malformed_json",
        findings=[Finding("", "malformed_json", detail, "JSON 格式错误")],
    )


def _parse(raw: bytes, content_type: str, doc_type: str) -> Any:
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/json", "") or media.endswith("+json"):
        try:
            return json.loads(raw, parse_float=Decimal)
        except RecursionError as exc:
            raise _malformed("nested too deeply") from exc
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, over-long integers
            raise _malformed(str(exc)) from exc
    if media in ("application/xml", "text/xml"):
        return _parse_xml(raw, doc_type)
    raise UnsupportedMediaType(
        f"Content-Type {media!r} is not supported; use application/json or application/xml",
        f"不支持的内容类型 {media!r}；请使用 application/json 或 application/xml",
    )


def _parse_xml(raw: bytes, doc_type: str) -> Any:
    try:
        module = importlib.import_module(_XML_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != _XML_MODULE:
            raise
        raise UnsupportedMediaType(
            "Transport reports are accepted as JSON only on this node",
            "本节点仅接受 JSON 格式的运输工具申报",
        ) from exc
    detected, document = module.detect(raw)
    if detected != doc_type:
        raise ValidationFailed(
            f"The XML is a {detected}, not a {doc_type}",
            f"XML 报文类型为 {detected}，不是 {doc_type}",
            code="doc_type_mismatch",
            findings=[
                Finding(
                    "path:doc_type",
                    "doc_type_mismatch",
                    f"the XML is a {detected}",
                    f"XML 报文类型为 {detected}",
                )
            ],
        )
    return document


def _submit_once(
    db: Database, settings: Settings, principal: Principal, doc_type: str, document: Any
) -> Receipt:
    # Two concurrent reports racing on a unique key (the same client reference, or the first
    # report of a call) roll one back; it is retried once and then finds the winner's rows.
    for attempt in range(2):
        try:
            with db.unit_of_work() as session:
                receipt = service.submit_report(
                    session, principal, doc_type, document, settings=settings
                )
        except IntegrityError:
            if attempt:
                raise
            continue
        payload = receipt.model_dump(mode="json", exclude={"platform_signature"})
        signed = platform.sign_receipt(payload, settings=settings)
        return receipt.model_copy(update={"platform_signature": signed["platform_signature"]})
    raise AssertionError("unreachable")


@router.post(
    "/reports/{doc_type}",
    response_model=Receipt,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_BODY_DOC,
    summary="File a ship, aircraft, vehicle or train report, a person list or a DG declaration",
    description="doc_type: " + ", ".join(REPORT_TYPES),
)
async def submit_report(
    request: Request,
    db: AppDatabase,
    settings: AppSettings,
    principal: Filer,
    doc_type: Annotated[str, Path(max_length=40)],
) -> Receipt:
    service.check_report_type(doc_type)
    raw = await request.body()
    document = _parse(raw, request.headers.get("content-type", ""), doc_type)
    return await run_in_threadpool(_submit_once, db, settings, principal, doc_type, document)


@router.get("/calls", response_model=Page[CallSummary], summary="Find transport calls")
def find_calls(
    session: DbSession,
    principal: Reader,
    mode: Annotated[Literal["sea", "air", "road", "rail"] | None, Query()] = None,
    means_id: Annotated[str | None, Query(max_length=40)] = None,
    journey_id: Annotated[str | None, Query(max_length=40)] = None,
    port: Annotated[str | None, Query(max_length=5)] = None,
    stage: Annotated[str | None, Query(max_length=24)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[CallSummary]:
    rows = repository.search(
        session,
        principal,
        filters={
            "mode": mode,
            "means_id": means_id,
            "journey_id": journey_id,
            "port": port,
            "stage": stage,
        },
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, lambda c: CallSummary.model_validate(c, from_attributes=True))


@router.get(
    "/calls/{call_id}",
    response_model=CallOut,
    summary="A call: clearances, reports and timeline",
)
def get_call(
    session: DbSession, principal: Reader, call_id: Annotated[str, Path(max_length=36)]
) -> CallOut:
    call = reads.visible_call(session, principal, call_id)
    return reads.call_out(session, principal, call)


@router.get(
    "/reports/{report_id}",
    response_model=ReportOut,
    summary="A report (the filer: whole; an agency: its projection)",
)
def get_report(
    session: DbSession, principal: Reader, report_id: Annotated[str, Path(max_length=36)]
) -> ReportOut:
    return reads.report_out(session, principal, report_id)


@router.post(
    "/calls/{call_id}/clearances",
    response_model=ClearanceResult,
    summary="An agency's arrival or departure clearance (cleared, refused, hold)",
)
def post_clearance(
    session: DbSession,
    settings: AppSettings,
    principal: Agency,
    call_id: Annotated[str, Path(max_length=36)],
    body: ClearanceIn,
) -> ClearanceResult:
    return clearance.record_clearance(
        session,
        principal,
        call_id,
        phase=body.phase,
        decision=body.decision,
        reasons=[reason.model_dump() for reason in body.reasons],
        note=body.note,
        node_code=settings.node_code,
    )


@router.get("/vessels/{imo}", response_model=VesselOut, summary="A vessel's recorded particulars")
def get_vessel(
    session: DbSession,
    _principal: AnyReader,
    imo: Annotated[str, Path(pattern=r"^[0-9]{7}$", description="IMO number (7 digits)")],
) -> VesselOut:
    return reads.vessel_out(session, imo)
