"""The clearance chain: what ``/api/v1/query/clearance`` answers for one declaration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from singlewindow.declarations.schemas import AgencyStatusOut, EventOut


class DeclarationPart(BaseModel):
    id: str
    doc_type: str
    unified_no: str | None
    entry_no: str | None
    client_ref: str
    bill_no: str | None
    ie_flag: str
    customs_master: str | None
    declarant_code: str
    status: str
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ClearanceOut(BaseModel):
    agency_code: str
    role: str
    phase: str
    status: str
    reasons: list[Any]
    updated_at: datetime


class ShipCallPart(BaseModel):
    id: str
    mode: str
    means_id: str
    means_name: str | None
    journey_id: str
    journey_out: str | None
    port: str | None
    customs_office: str | None
    stage: str
    arrival_clearance: str
    departure_clearance: str
    eta: datetime | None
    etd: datetime | None
    ata: datetime | None
    atd: datetime | None
    created_at: datetime
    updated_at: datetime
    clearances: list[ClearanceOut] = Field(default_factory=list)


class ContainerPart(BaseModel):
    container_no: str
    size_type: str | None
    fullness: str | None
    seals: str | None


class ConsignmentPart(BaseModel):
    id: str
    manifest_type: str
    direction: str
    mode: str
    means_id: str
    journey_id: str
    call_id: str | None = Field(description="the ship call (``ship_calls``) it travels on")
    bill_no: str
    customs_office: str | None
    status: str
    version: int
    packages: int | None
    gross_weight_kg: str | None
    updated_at: datetime
    containers: list[ContainerPart] = Field(default_factory=list)


class ArrivalPart(BaseModel):
    bill_no: str | None
    container_no: str | None
    terminal_code: str | None
    arrived_at: datetime | None


class LoadingPermitPart(BaseModel):
    status: str
    containers: list[Any]
    port_operator: str | None
    created_at: datetime
    permitted_at: datetime | None


class NoticeOut(BaseModel):
    recipient: str
    sent_at: datetime = Field(description="when the notice was queued (the release)")
    delivered_at: datetime | None
    acked_at: datetime | None


class ReleasePart(BaseModel):
    released_at: datetime
    notices: list[NoticeOut] = Field(default_factory=list)


class ClearanceChain(BaseModel):
    """One declaration's whole chain, each part with its timestamps: ``inspections`` are the
    joint inspection cases it is in (``inspection/reads.py``), ``gate_out`` the terminal's
    gate-out (null until one is recorded)."""

    declaration: DeclarationPart
    agencies: list[AgencyStatusOut]
    timeline: list[EventOut]
    ship_calls: list[ShipCallPart]
    consignments: list[ConsignmentPart]
    arrivals: list[ArrivalPart]
    loading_permit: LoadingPermitPart | None
    release: ReleasePart | None
    inspections: list[dict[str, Any]] = Field(
        default_factory=list, description="joint inspections: case, booking, each agency's result"
    )
    gate_out: dict[str, Any] | None = Field(
        default=None, description="the terminal's gate-out: last and first time, each container"
    )
