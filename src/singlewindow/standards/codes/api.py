"""Published code tables: ``/api/v1/standards/code-tables``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from singlewindow.kit.http import DbSession
from singlewindow.standards.codes import service
from singlewindow.standards.codes.schemas import CodeEntryPage, CodeTableOut

router = APIRouter(prefix="/api/v1/standards", tags=["standards"])


@router.get("/code-tables", response_model=list[CodeTableOut])
def list_code_tables(session: DbSession) -> list[CodeTableOut]:
    """Every code table with its loaded versions (newest first) and the one applying today."""
    return service.list_tables(session)


@router.get(
    "/code-tables/{name}",
    response_model=CodeEntryPage,
    responses={404: {"description": "unknown table, or no version applies on the date"}},
)
def get_code_table(
    session: DbSession,
    name: str,
    q: Annotated[
        str | None,
        Query(max_length=100, description="code prefix, or part of the Chinese or English name"),
    ] = None,
    on: Annotated[
        date | None, Query(description="the date whose version applies (default: today, China)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CodeEntryPage:
    """Entries of the version of ``name`` applying on ``on``, in code order."""
    return service.entries_page(session, name, on=on, q=q, cursor=cursor, limit=limit)
