"""API shapes of joint inspection and port events (not the ORM: these are the contract)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from singlewindow.inspection.rules import InstructionKind, PortEventKind, Result

CONTAINER = Field(min_length=4, max_length=16, description="ISO 6346 container number")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None


class InstructionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: InstructionKind = Field(description="physical · machine · sampling · document")
    notes: str = Field(default="", max_length=2000)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declaration_id: str = Field(min_length=1, max_length=36)
    containers: list[str] | None = Field(
        default=None, max_length=200, description="a subset of the goods' containers (all)"
    )
    instructions: InstructionsIn
    due_hours: int | None = Field(default=None, ge=1, le=720, description="time limit")


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime = Field(description="first hour (a whole hour)")
    ends_at: AwareDatetime = Field(description="end of the last hour (a whole hour)")
    bays: int = Field(ge=1, le=500, description="inspection bays in each hour")

    _in_utc = field_validator("starts_at", "ends_at")(_utc)


class CapacityOut(BaseModel):
    id: str
    terminal: str
    starts_at: datetime
    ends_at: datetime
    bays: int
    booked: int = 0


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capacity_id: str | None = Field(default=None, max_length=36)
    starts_at: AwareDatetime | None = Field(default=None, description="or the slot's start")

    _in_utc = field_validator("starts_at")(_utc)


class ContainersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    containers: list[str] | None = Field(
        default=None, max_length=200, description="some containers (default: all)"
    )


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field(
        min_length=3, max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$", description="MIME type"
    )
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the file")
    size: int = Field(ge=0, le=10**10, description="bytes")


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: Result = Field(description="pass · fail · sample_taken · hold")
    notes: str = Field(default="", max_length=2000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class OrderOut(BaseModel):
    agency_code: str
    containers: list[str]
    instructions: dict[str, Any]
    ordered_at: datetime
    due_by: datetime | None
    status: str
    result: str | None
    notes: str
    attachments: list[dict[str, Any]]
    result_at: datetime | None
    released_containers: list[str]
    released_at: datetime | None
    escalated_at: datetime | None


class BookingOut(BaseModel):
    capacity_id: str
    starts_at: datetime
    status: str
    booked_by: str
    positioned_at: datetime | None
    positioned_containers: list[str]
    created_at: datetime


class CaseEventOut(BaseModel):
    at: datetime
    actor: str
    step: str
    detail: dict[str, Any]


class CaseSummary(BaseModel):
    case_no: str
    declaration_id: str
    declarant_code: str
    bill_no: str | None
    containers: list[str]
    terminal: str | None
    customs_office: str | None
    status: str
    waiting_reason: str | None = Field(
        description="why an open case has no appointment: no_terminal · no_capacity · no_show"
    )
    released_containers: list[str]
    gated_out: list[str]
    release_no: str | None
    released_at: datetime | None
    gate_out_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CaseOut(CaseSummary):
    instructions: list[dict[str, Any]] = Field(
        default_factory=list, description="every agency's instructions, merged"
    )
    orders: list[OrderOut] = Field(default_factory=list)
    booking: BookingOut | None = None
    bookings: list[BookingOut] = Field(default_factory=list)
    timeline: list[CaseEventOut] = Field(default_factory=list)


class PortEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: PortEventKind
    container_no: str = CONTAINER
    bill_no: str | None = Field(default=None, max_length=32)
    declaration_id: str | None = Field(default=None, max_length=36)
    at: AwareDatetime | None = None

    _in_utc = field_validator("at")(_utc)


class PortEventBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[PortEventIn] = Field(min_length=1, max_length=500)


class PortEventOut(BaseModel):
    id: str
    terminal: str
    event: str
    container_no: str
    bill_no: str | None
    declaration_id: str | None
    at: datetime
    created_at: datetime
