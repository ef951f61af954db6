"""API shapes for transport calls (the reports themselves are the standards' canonical JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from singlewindow.agencies.schemas import Reason
from singlewindow.transport.calls.rules import Decision, Phase


class ClearanceOut(BaseModel):
    agency_code: str
    role: str
    phase: str
    status: str = Field(description="pending | cleared | refused | hold")
    reasons: list[Any]
    note: str | None
    updated_at: datetime


class Receipt(BaseModel):
    """The answer to a report: given only after it is committed."""

    report_id: str
    call_id: str | None = Field(description="the call the report belongs to (none for CSM001)")
    doc_type: str
    message_type: str
    client_ref: str
    mode: str | None = None
    means_id: str | None = None
    journey_id: str | None = None
    stage: str | None = Field(default=None, description="the call's lifecycle stage")
    arrival_clearance: str | None = Field(
        default=None, description="none | pending | cleared | refused | hold"
    )
    departure_clearance: str | None = None
    clearances: list[ClearanceOut] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)
    duplicate: bool = Field(default=False, description="true when this repeats a submission")
    content_digest: str
    accepted_at: datetime
    platform_signature: dict[str, str] | None = Field(
        default=None, description="the platform's detached signature over this receipt"
    )


class ClearanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Phase
    decision: Decision
    reasons: list[Reason] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=500)


class CallSummary(BaseModel):
    id: str
    mode: str
    means_id: str
    journey_id: str
    journey_out: str | None
    means_name: str | None
    port: str | None
    customs_office: str | None
    carrier_code: str
    stage: str
    arrival_clearance: str
    departure_clearance: str
    eta: datetime | None
    etd: datetime | None
    ata: datetime | None
    atd: datetime | None
    created_at: datetime
    updated_at: datetime


class ReportSummary(BaseModel):
    id: str
    doc_type: str
    message_type: str
    client_ref: str
    declarant_code: str
    submitted_at: datetime
    recipients: list[str]


class EventOut(BaseModel):
    at: datetime
    actor: str
    event: str
    detail: dict[str, Any]


class CallOut(CallSummary):
    clearances: list[ClearanceOut]
    reports: list[ReportSummary]
    timeline: list[EventOut]
    document: dict[str, Any] | None = Field(
        default=None,
        description="the call's merged current data (the carrier and operators only; "
        "agencies read their projection of each report)",
    )


class ReportOut(BaseModel):
    id: str
    call_id: str | None
    doc_type: str
    message_type: str
    client_ref: str
    declarant_code: str
    submitted_at: datetime
    content_digest: str
    recipients: list[str]
    view: str = Field(description="full | projection")
    rule: str | None = Field(default=None, description="the routing rule of the projection")
    document: dict[str, Any]


class ClearanceResult(BaseModel):
    call_id: str
    phase: str
    agency_code: str
    status: str
    stage: str
    arrival_clearance: str
    departure_clearance: str
    clearances: list[ClearanceOut]


class VesselOut(BaseModel):
    imo: str
    ship_no: str | None
    name_en: str | None
    name_cn: str | None
    call_sign: str | None
    flag: str | None
    particulars: dict[str, Any]
    recorded_by: str
    updated_at: datetime
