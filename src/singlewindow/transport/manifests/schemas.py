"""API shapes for manifests, discrepancies, loading permits and prefill (the manifest
itself is the standard's canonical JSON, docs/transport.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ChangeOut(BaseModel):
    """One consignment changed by a message."""

    bill_no: str
    action: str = Field(description="add | amend | delete")
    version: int
    consignment_id: str


class ManifestReceipt(BaseModel):
    """The answer to a manifest message: given only after the data is committed."""

    id: str = Field(description="the manifest message id")
    client_ref: str
    message_type: str
    function: str
    mode: str
    means_id: str
    journey_id: str
    status: str = "accepted"
    recipients: list[str] = Field(default_factory=list)
    changes: list[ChangeOut] = Field(default_factory=list)
    arrivals: int = Field(default=0, description="containers/B/Ls recorded as arrived")
    tallies: int = Field(default=0, description="B/Ls recorded as tallied")
    discrepancies_opened: int = 0
    discrepancies_resolved: int = 0
    duplicate: bool = Field(default=False, description="true when this repeats a submission")
    content_digest: str
    accepted_at: datetime
    platform_signature: dict[str, str] | None = Field(
        default=None, description="the platform's detached signature over this receipt"
    )


class MessageOut(BaseModel):
    id: str
    message_type: str
    function: str
    mode: str
    means_id: str
    journey_id: str
    customs_office: str | None
    declarant_code: str
    client_ref: str
    content_digest: str
    recipients: list[str]
    submitted_at: datetime
    document: dict[str, Any]


class ContainerOut(BaseModel):
    container_no: str
    size_type: str | None
    fullness: str | None
    seals: str | None


class HistoryOut(BaseModel):
    action: str
    version: int
    message_id: str
    actor: str
    at: datetime
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ConsignmentSummary(BaseModel):
    id: str
    manifest_type: str
    direction: str
    mode: str
    means_id: str
    means_name: str | None
    journey_id: str
    bill_no: str
    customs_office: str | None
    carrier_code: str
    packages: int | None
    gross_weight_kg: str | None
    status: str
    version: int
    call_id: str | None
    message_id: str
    updated_at: datetime


class ConsignmentOut(ConsignmentSummary):
    document: dict[str, Any]
    containers: list[ContainerOut] = Field(default_factory=list)
    history: list[HistoryOut] = Field(default_factory=list)


class DiscrepancyOut(BaseModel):
    id: str
    kind: str = Field(description="loading_vs_preload | tally_vs_manifest")
    code: str = Field(
        description="bill_missing | bill_extra | container_missing | container_extra | "
        "packages_differ | weight_differ"
    )
    message: str
    message_zh: str
    mode: str
    means_id: str
    journey_id: str
    bill_no: str | None
    container_no: str | None
    field: str | None
    expected: str | None
    found: str | None
    carrier_code: str | None
    customs_code: str | None
    message_id: str | None
    status: str = Field(description="open | resolved")
    resolution: str | None = Field(
        default=None, description="corrected (by a later filing) | accepted (by customs)"
    )
    resolution_note: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    created_at: datetime


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500, description="why customs accepts the difference")


class LoadingPermitOut(BaseModel):
    id: str
    declaration_id: str
    declarant_code: str | None
    entry_no: str | None
    bill_no: str | None
    journey_id: str | None
    customs_office: str | None
    containers: list[Any]
    status: str = Field(description="waiting_arrival | permitted")
    permitted_at: datetime | None
    port_operator: str | None
    created_at: datetime


class PrefillSource(BaseModel):
    pointer: str = Field(description="JSON pointer of the pre-filled field in the declaration")
    source: str = Field(description="manifest | ship_report")
    id: str = Field(description="id of the source record (manifest message or ship report)")
    field: str = Field(description="JSON pointer of the value in the source document")


class PrefillOut(BaseModel):
    """A partial goods declaration in canonical JSON, and where each value came from."""

    head: dict[str, Any]
    free_text: dict[str, Any] = Field(default_factory=dict)
    containers: list[dict[str, Any]] = Field(default_factory=list)
    sources: list[PrefillSource]
