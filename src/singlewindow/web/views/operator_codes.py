"""Code tables: the published list, a table's entries with search, the version that applies
on a date, and loading a new version from a file (the loader ``singlewindow codes load``
uses: a refused file stores nothing and its findings show, with a 422)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.kit import clock
from singlewindow.kit.errors import BadRequest, Finding, SingleWindowError, ValidationFailed
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.standards.codes import service
from singlewindow.standards.codes.models import CodeTableVersion
from singlewindow.web.auth import OperatorUser, PortalUser
from singlewindow.web.render import render
from singlewindow.web.views.operator_common import (
    attempt,
    field_errors,
    is_province_operator,
    require_province,
    see_other,
    text,
)

router = APIRouter(prefix="/portal/operator/code-tables", include_in_schema=False)

LOAD_FIELDS = ("table", "version", "valid_from", "valid_to", "source", "format")
CODE_TABLE = "code_table"  # audit target type


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            "Invalid date",
            "日期格式错误",
            findings=[
                Finding(
                    f"/{name}", "date_parsing", "expected YYYY-MM-DD", "日期格式应为 YYYY-MM-DD"
                )
            ],
        ) from None


def _applies(session: Session, table: str, on: str) -> tuple[CodeTableVersion | None, Any]:
    """The version of ``table`` applying on ``on`` (or the error saying there is none)."""
    if not table or not on:
        return None, None
    try:
        day = _date(on, "on")
        assert day is not None
        return service.applicable_version(session, table, day), None
    except SingleWindowError as exc:
        return None, exc


def list_page(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    form: dict[str, str] | None = None,
    error: SingleWindowError | None = None,
    notice: str = "",
) -> Response:
    q = request.query_params
    table, on = q.get("table", "").strip(), q.get("on", "").strip()
    applies, applies_error = _applies(session, table, on)
    values = {
        "tables": service.list_tables(session),
        "today": clock.today_china().isoformat(),
        "applies_table": table,
        "applies_on": on,
        "applies": applies,
        "applies_error": applies_error,
        "can_load": is_province_operator(user),
        "form": form or {"format": "csv"},
        "error": error,
        "errors": field_errors(error),
        "notice": notice,
    }
    status = error.status if error else 200
    return render(request, "operator/code_tables.html", values, user=user, status_code=status)


@router.get("")
def code_tables(request: Request, session: DbSession, user: OperatorUser) -> Response:
    loaded = request.query_params.get("loaded", "")
    return list_page(request, session, user, notice="operator.table_loaded" if loaded else "")


async def _spool(upload: UploadFile, folder: Path) -> Path:
    """The upload as a file the streaming loader can read twice (chunks: memory stays flat)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".csv", delete=False) as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
        return Path(out.name)


@router.post("/load")
async def load(
    request: Request, session: DbSession, settings: AppSettings, user: OperatorUser
) -> Response:
    require_province(user)
    form = await request.form()
    values = {k: text(form, k) for k in LOAD_FIELDS}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        missing = ValidationFailed(
            "Choose a file to load",
            "请选择要导入的文件",
            findings=[Finding("/file", "required", "a file is required", "必须选择文件")],
        )
        return list_page(request, session, user, form=values, error=missing)
    path = await _spool(upload, settings.data_dir / "uploads")
    try:
        row, error = attempt(session, lambda: _load(session, user, path, values, upload))
    finally:
        path.unlink(missing_ok=True)
    if row is None:
        return list_page(request, session, user, form=values, error=error)
    query = urlencode({"loaded": row.version})
    return see_other(f"/portal/operator/code-tables/{row.name}?{query}")


def _load(
    session: Session,
    user: PortalUser,
    path: Path,
    values: dict[str, str],
    upload: UploadFile,
) -> CodeTableVersion:
    try:
        file_format = service.FileFormat(values.get("format") or "csv")
    except ValueError:
        raise BadRequest("Unknown file format", "未知的文件格式", code="invalid_format") from None
    stem = Path(upload.filename or "").stem.lower()
    default = "unlocode" if file_format is service.FileFormat.UNECE else stem
    name = values.get("table") or default
    row = service.load_table(
        session,
        path,
        table=name,
        version=optional_value(values, "version"),
        valid_from=_date(values.get("valid_from", ""), "valid_from"),
        valid_to=_date(values.get("valid_to", ""), "valid_to"),
        source=optional_value(values, "source") or f"file {upload.filename} (portal)",
        file_format=file_format,
    )
    audit.record_principal(
        session,
        user.principal,
        action=actions.CODE_TABLE_LOADED,
        target_type=CODE_TABLE,
        target_id=f"{row.name}@{row.version}",
        detail={"entries": row.entry_count, "file": upload.filename},
    )
    return row


def optional_value(values: dict[str, str], key: str) -> str | None:
    return values.get(key) or None


@router.get("/{name}")
def code_table(request: Request, session: DbSession, user: OperatorUser, name: str) -> Response:
    q = request.query_params
    search, on, cursor = q.get("q", "").strip(), q.get("on", "").strip(), q.get("cursor")
    tables = [t for t in service.list_tables(session) if t.name == name]
    if not tables:
        service.applicable_version(session, name, clock.today_china())  # raises the 404
    page, error = None, None
    try:
        page = service.entries_page(
            session, name, on=_date(on, "on"), q=search[:100] or None, cursor=cursor, limit=100
        )
    except SingleWindowError as exc:
        error = exc
    next_url = None
    if page is not None and page.next_cursor:
        params = {k: v for k, v in (("q", search), ("on", on)) if v}
        next_url = f"/portal/operator/code-tables/{name}?" + urlencode(
            {**params, "cursor": page.next_cursor}
        )
    values = {
        "table": tables[0],
        "page": page,
        "error": error,
        "q": search,
        "on": on,
        "next_url": next_url,
        "loaded": q.get("loaded", ""),
    }
    return render(request, "operator/code_table.html", values, user=user)
