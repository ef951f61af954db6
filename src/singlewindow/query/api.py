"""Clearance query routes (``/api/v1/query``): the whole chain of a declaration by any key.

``GET /clearance`` answers a cursor-paginated list of chains (``query.schemas.ClearanceChain``);
``GET /clearance.csv`` the same selection as CSV, one row per declaration. Keys: exactly one
of ``unified_no``, ``entry_no``, ``client_ref``, ``bill_no``, ``container_no``, or ``vessel``
(IMO or name) with ``voyage``; without a key, every declaration the caller may see (filtered).
A chain's ``inspections`` are its joint inspection cases and ``gate_out`` the terminal's
gate-out (null until one is recorded).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from stdnum import iso6346

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.declarations.models import Declaration
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.db import Database
from singlewindow.kit.errors import BadRequest, Finding, ValidationFailed
from singlewindow.kit.http import AppDatabase
from singlewindow.kit.pagination import Page, decode_cursor, encode_cursor
from singlewindow.parties.access import READERS, Allow
from singlewindow.parties.auth import Principal
from singlewindow.query import repository, service
from singlewindow.query.schemas import ClearanceChain

router = APIRouter(prefix="/api/v1/query", tags=["query"])

# Traders (own filings), agencies and port operators (what was routed to them), operators
# (their city or all) and auditors: each sees its own slice, enforced by repository.visible.
# Authenticated in its own short read: the page itself is read in a short read too (no
# transaction block on PostgreSQL), or in a transaction when an agency's reads are audited.
QueryReader = Annotated[Principal, Allow(*READERS, tenant="routed", detached=True)]

MAX_LIMIT = 200
DEFAULT_LIMIT = 20  # chains per page (each carries its whole history)
CSV_CHUNK = 200
_KEYS = ("unified_no", "entry_no", "client_ref", "bill_no", "container_no", "vessel")


def _invalid(param: str, code: str, en: str, zh: str) -> ValidationFailed:
    return ValidationFailed(
        f"{param}: {en}", f"{param}：{zh}", findings=[Finding(f"query:{param}", code, en, zh)]
    )


def _key(
    unified_no: str | None,
    entry_no: str | None,
    client_ref: str | None,
    bill_no: str | None,
    container_no: str | None,
    vessel: str | None,
    voyage: str | None,
) -> repository.Key | None:
    given = {
        name: value
        for name, value in zip(
            _KEYS, (unified_no, entry_no, client_ref, bill_no, container_no, vessel), strict=True
        )
        if value is not None
    }
    for name, value in given.items():
        if not value.strip():
            raise _invalid(name, "empty", "must not be empty", "不能为空")
    if len(given) > 1:
        second = list(given)[1]
        raise _invalid(
            second,
            "one_key_only",
            f"give exactly one key ({', '.join(given)} were given)",
            f"只能给出一个查询键（给出了 {', '.join(given)}）",
        )
    if voyage is not None and vessel is None:
        raise _invalid("vessel", "required", "vessel (IMO or name) is required with voyage",
                       "按航次查询时必须给出船舶（IMO 编号或船名）")  # fmt: skip
    if vessel is not None and not (voyage or "").strip():
        raise _invalid("voyage", "required", "voyage is required with vessel",
                       "按船舶查询时必须给出航次")  # fmt: skip
    if container_no is not None and not iso6346.is_valid(container_no):
        raise _invalid("container_no", "invalid_container_no",
                       "not an ISO 6346 container number (check digit)",
                       "不是有效的 ISO 6346 集装箱号（校验位）")  # fmt: skip
    if vessel is not None and vessel.isdigit() and len(vessel) != 7:
        raise _invalid("vessel", "invalid_imo", "an IMO number has 7 digits",
                       "IMO 编号为 7 位数字")  # fmt: skip
    if not given:
        return None
    return repository.Key(
        unified_no=unified_no,
        entry_no=entry_no,
        client_ref=client_ref,
        bill_no=bill_no,
        container_no=container_no.upper() if container_no else None,
        vessel=vessel.strip() if vessel else None,
        voyage=voyage.strip() if voyage else None,
    )


def _cursor(value: str | None, descending: bool) -> tuple[datetime, str] | None:
    raw = decode_cursor(value)
    if raw is None:
        return None
    direction, _, rest = raw.partition("|")
    at, _, last_id = rest.partition("|")
    try:
        parsed = datetime.fromisoformat(at)
    except ValueError:
        parsed = None
    if direction != ("d" if descending else "a") or parsed is None or not last_id:
        raise BadRequest(
            "Invalid cursor (or one from another sort order)",
            "分页游标无效（或来自另一种排序）",
            code="invalid_cursor",
            findings=[Finding("query:cursor", "invalid_cursor", "Invalid cursor", "分页游标无效")],
        )
    return parsed, last_id


def _filters(
    status: str | None,
    ie_flag: str | None,
    since: date | None,
    until: date | None,
    sort: str,
    cursor: str | None,
) -> repository.Filters:
    if since is not None and until is not None and since > until:
        raise _invalid("from", "from_after_to", "from is after to", "起始日期晚于截止日期")
    descending = sort == "-submitted_at"
    return repository.Filters(
        status=status,
        ie_flag=ie_flag,
        # Business dates are China dates; ``to`` includes its whole day.
        since=datetime.combine(since, time(), CHINA_TZ) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), CHINA_TZ) if until else None,
        descending=descending,
        after=_cursor(cursor, descending),
    )


# The parameters, shared by both routes.
UnifiedNo = Annotated[str | None, Query(max_length=18, description="unified number (统一编号)")]
EntryNo = Annotated[str | None, Query(max_length=18, description="customs number (海关编号)")]
ClientRef = Annotated[str | None, Query(max_length=64, description="client reference")]
BillNo = Annotated[str | None, Query(max_length=35, description="B/L number (提运单号)")]
ContainerNo = Annotated[
    str | None, Query(min_length=11, max_length=11, description="ISO 6346 container number")
]
VesselP = Annotated[str | None, Query(max_length=100, description="IMO number or vessel name")]
Voyage = Annotated[str | None, Query(max_length=40, description="voyage (with vessel)")]
Status = Annotated[str | None, Query(max_length=20, description="declaration status")]
IeFlag = Annotated[Literal["I", "E"] | None, Query(description="I import, E export")]
Since = Annotated[
    date | None, Query(alias="from", description="submitted on or after (China date)")
]
Until = Annotated[date | None, Query(alias="to", description="submitted on or before (China date)")]
Sort = Annotated[
    Literal["submitted_at", "-submitted_at"],
    Query(description="submitted_at ascending, or -submitted_at descending (default)"),
]
Cursor = Annotated[str | None, Query(max_length=400)]


def _audit_agency_reads(session: Session, principal: Principal, rows: list[Declaration]) -> None:
    """An agency reading declarations is audited, as on ``/api/v1/declarations/{id}``."""
    if not principal.is_agency:
        return
    for row in rows:
        audit.record_principal(
            session,
            principal,
            action=actions.DECLARATION_READ,
            target_type=actions.DECLARATION,
            target_id=row.id,
            detail={"via": "query"},
        )


def page_session(db: Database, principal: Principal) -> AbstractContextManager[Session]:
    """Where one page is read: a transaction when the caller's reads are audited (an
    agency), else a short read."""
    return db.unit_of_work() if principal.is_agency else db.short_read()


def _page_cursor(rows: list[Declaration], descending: bool) -> str:
    last = rows[-1]
    assert last.submitted_at is not None
    return encode_cursor(f"{'d' if descending else 'a'}|{last.submitted_at.isoformat()}|{last.id}")


@router.get(
    "/clearance",
    response_model=Page[ClearanceChain],
    summary="Clearance information query (通关信息查询)",
)
def clearance(
    db: AppDatabase,
    principal: QueryReader,
    unified_no: UnifiedNo = None,
    entry_no: EntryNo = None,
    client_ref: ClientRef = None,
    bill_no: BillNo = None,
    container_no: ContainerNo = None,
    vessel: VesselP = None,
    voyage: Voyage = None,
    status: Status = None,
    ie_flag: IeFlag = None,
    since: Since = None,
    until: Until = None,
    sort: Sort = "-submitted_at",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ClearanceChain]:
    """The whole chain of every matching declaration the caller may see: declaration,
    every agency's decision, timeline, ship call with clearances, manifest consignments and
    containers, arrival reports, loading permit and release notices, joint inspections
    (booking, each agency's order and result) and the terminal's gate-out, each with
    timestamps."""
    key = _key(unified_no, entry_no, client_ref, bill_no, container_no, vessel, voyage)
    filters = _filters(status, ie_flag, since, until, sort, cursor)
    with page_session(db, principal) as session:
        rows = repository.find(session, principal, key, filters, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        _audit_agency_reads(session, principal, rows)
        return Page[ClearanceChain](
            items=service.chains(session, principal, rows),
            next_cursor=_page_cursor(rows, filters.descending) if more and rows else None,
        )


CSV_COLUMNS = (
    ("unified_no", "Unified No. / 统一编号"),
    ("entry_no", "Customs No. / 海关编号"),
    ("client_ref", "Client reference / 客户参考号"),
    ("bill_no", "B/L No. / 提运单号"),
    ("ie_flag", "Import/Export / 进出口"),
    ("status", "Status / 状态"),
    ("agencies", "Agency decisions / 各部门审核"),
    ("submitted_at", "Submitted at / 申报时间"),
    ("vessel", "Vessel / 船舶"),
    ("voyage", "Voyage / 航次"),
    ("call_stage", "Ship call stage / 船舶动态"),
    ("ata", "Actual arrival / 实际抵港"),
    ("containers", "Containers / 集装箱"),
    ("loading_permit", "Loading permit / 装载放行"),
    ("released_at", "Released at / 放行时间"),
)


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def csv_row(chain: ClearanceChain) -> list[str]:
    d = chain.declaration
    call = chain.ship_calls[0] if chain.ship_calls else None
    boxes = sorted({c.container_no for s in chain.consignments for c in s.containers})
    permit = chain.loading_permit
    values = {
        "unified_no": d.unified_no or "",
        "entry_no": d.entry_no or "",
        "client_ref": d.client_ref,
        "bill_no": d.bill_no or "",
        "ie_flag": d.ie_flag,
        "status": d.status,
        "agencies": " ".join(f"{a.agency_code}:{a.status}" for a in chain.agencies),
        "submitted_at": _iso(d.submitted_at),
        "vessel": (call.means_name or call.means_id) if call else "",
        "voyage": call.journey_id if call else "",
        "call_stage": call.stage if call else "",
        "ata": _iso(call.ata) if call else "",
        "containers": " ".join(boxes),
        "loading_permit": f"{permit.status} {_iso(permit.permitted_at)}".strip() if permit else "",
        "released_at": _iso(chain.release.released_at) if chain.release else "",
    }
    return [_safe(values[name]) for name, _ in CSV_COLUMNS]


def _safe(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ is read as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_lines(
    db: Database,
    principal: Principal,
    key: repository.Key | None,
    filters: repository.Filters,
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([label for _, label in CSV_COLUMNS])
    yield "\ufeff".encode() + flush()
    # One chunk at a time (keyset pagination), each read as a page is (``page_session``).
    while True:
        with page_session(db, principal) as session:
            rows = repository.find(session, principal, key, filters, CSV_CHUNK)
            for chain in service.chains(session, principal, rows):
                writer.writerow(csv_row(chain))
            _audit_agency_reads(session, principal, rows)
        if rows:
            yield flush()
        if len(rows) < CSV_CHUNK:
            return
        last = rows[-1]
        assert last.submitted_at is not None
        filters = dataclasses.replace(filters, after=(last.submitted_at, last.id))


@router.get(
    "/clearance.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Clearance information query as CSV (UTF-8 with BOM, bilingual header)",
)
def clearance_csv(
    db: AppDatabase,
    principal: QueryReader,
    unified_no: UnifiedNo = None,
    entry_no: EntryNo = None,
    client_ref: ClientRef = None,
    bill_no: BillNo = None,
    container_no: ContainerNo = None,
    vessel: VesselP = None,
    voyage: Voyage = None,
    status: Status = None,
    ie_flag: IeFlag = None,
    since: Since = None,
    until: Until = None,
    sort: Sort = "-submitted_at",
    cursor: Cursor = None,
) -> StreamingResponse:
    """Every matching declaration (all pages), one row each: keys, statuses, main times."""
    key = _key(unified_no, entry_no, client_ref, bill_no, container_no, vessel, voyage)
    filters = _filters(status, ie_flag, since, until, sort, cursor)
    return StreamingResponse(
        _csv_lines(db, principal, key, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="clearance.csv"'},
    )
