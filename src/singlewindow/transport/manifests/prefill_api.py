"""Goods-declaration prefill routes (``/api/v1/prefill``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from singlewindow.kit.http import DbSession
from singlewindow.parties.access import DECLARANTS, Allow
from singlewindow.parties.auth import Principal
from singlewindow.transport.manifests.prefill import prefill_goods_declaration
from singlewindow.transport.manifests.schemas import PrefillOut

router = APIRouter(prefix="/api/v1/prefill", tags=["prefill"])

Prefiller = Annotated[Principal, Allow(*DECLARANTS, tenant="own")]


@router.get(
    "/goods-declaration",
    response_model=PrefillOut,
    summary="A partial goods declaration from the manifest (and ship report) of a B/L",
)
def goods_declaration(
    session: DbSession,
    principal: Prefiller,
    bill_no: Annotated[str, Query(min_length=1, max_length=35)],
    journey_id: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    ie_flag: Annotated[str | None, Query(pattern="^[IE]$")] = None,
) -> PrefillOut:
    """Pre-fills transport mode, vessel name, voyage, B/L, packages, weight, ports and
    containers; ``sources`` names the filing and field each value came from."""
    return prefill_goods_declaration(
        session, principal, bill_no=bill_no, journey_id=journey_id, ie_flag=ie_flag
    )
