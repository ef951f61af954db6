"""Port operator event routes (``/api/v1/port``): gate-in, gate-out, positioning."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from singlewindow.inspection import port, reads
from singlewindow.inspection.schemas import PortEventBatchIn, PortEventIn, PortEventOut
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.pagination import Page, decode_cursor, encode_cursor
from singlewindow.parties.access import AGENCIES, DECLARANTS, OPERATORS, PORT, Allow
from singlewindow.parties.auth import Principal, require_kind
from singlewindow.parties.schemas import PartyKind

router = APIRouter(prefix="/api/v1/port", tags=["port"])

Terminal = Annotated[Principal, Allow(*PORT, tenant="routed")]
EventReader = Annotated[Principal, Allow(*PORT, *DECLARANTS, *AGENCIES, *OPERATORS, tenant="own")]


@router.post(
    "/events",
    response_model=list[PortEventOut],
    status_code=status.HTTP_201_CREATED,
    summary="Report container events (one, or a batch: all or nothing)",
)
def post_events(
    session: DbSession,
    settings: AppSettings,
    principal: Terminal,
    body: PortEventIn | PortEventBatchIn,
) -> list[PortEventOut]:
    """``gate_in``, ``gate_out``, ``positioned``, ``discharged``, ``loaded``. A gate-out of a
    container that is not released answers 409 ``not_released`` and stores nothing; a
    ``positioned`` event of a container in a booked inspection case confirms its move."""
    require_kind(principal, PartyKind.port_operator)
    batch = isinstance(body, PortEventBatchIn)
    items = body.events if isinstance(body, PortEventBatchIn) else [body]
    rows = port.record(
        session,
        principal.party_code,
        [port.EventIn(i.event, i.container_no, i.bill_no, i.declaration_id, i.at) for i in items],
        node_code=settings.node_code,
        batch=batch,
    )
    return [PortEventOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/events", response_model=Page[PortEventOut], summary="Container events")
def list_events(
    session: DbSession,
    principal: EventReader,
    container_no: Annotated[str | None, Query(max_length=16)] = None,
    bill_no: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[PortEventOut]:
    """Visible to the terminal that sent them, the declarant of the goods, the agencies the
    declaration was routed to, and operators."""
    rows = reads.port_events(
        session,
        principal,
        container_no=container_no,
        bill_no=bill_no,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[PortEventOut](
        items=[PortEventOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor(rows[-1].id) if more and rows else None,
    )
