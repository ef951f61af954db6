"""API shapes for declarations (the document itself is the standard's canonical JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from singlewindow.ops.schemas import ContinuityNotice  # service status (issue 5)


class WarningOut(BaseModel):
    """A finding that did not stop the submission (same fields as an error finding)."""

    path: str
    code: str
    message: str
    message_zh: str
    severity: str = "warning"


class Receipt(BaseModel):
    """The answer to a submission: given only after the data is committed."""

    id: str
    unified_no: str | None
    client_ref: str
    status: str
    recipients: list[str] = Field(default_factory=list)
    duplicate: bool = Field(default=False, description="true when this repeats a submission")
    content_digest: str | None = Field(
        default=None, description="SHA-256 of the canonical declaration as accepted"
    )
    accepted_at: datetime | None = Field(default=None, description="when it was accepted")
    warnings: list[WarningOut] = Field(
        default_factory=list,
        description="findings that did not stop the submission, e.g. a B/L not on the "
        "manifest of its journey (SW_MANIFEST_CHECK=warn)",
    )
    # --- service status (issue 5): agencies in continuity mode ---
    notices: list[ContinuityNotice] = Field(
        default_factory=list,
        description="agencies this was routed to that are down or in maintenance: the "
        "submission is accepted and queued, and delivered when they are back",
    )
    platform_signature: dict[str, str] | None = Field(
        default=None,
        description="the platform's detached signature over this receipt (ES256, RFC 8785); "
        "check it with POST /api/v1/signing/verify-receipt or the published certificate",
    )


class AgencyStatusOut(BaseModel):
    agency_code: str
    role: str
    status: str
    reasons: list[Any]
    updated_at: datetime


class EventOut(BaseModel):
    at: datetime
    actor: str
    event: str
    status_before: str | None
    status_after: str | None
    detail: dict[str, Any]


class DeclarationOut(BaseModel):
    id: str
    doc_type: str
    client_ref: str
    unified_no: str | None
    entry_no: str | None
    ie_flag: str
    customs_master: str | None
    bill_no: str | None
    declarant_code: str
    mandate_id: str | None = Field(
        default=None, description="the mandate a customs broker filed under (代理报关委托)"
    )
    status: str
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    agencies: list[AgencyStatusOut] = Field(default_factory=list)
    timeline: list[EventOut] = Field(default_factory=list)
    document: dict[str, Any] | None = None


class DeclarationSummary(BaseModel):
    id: str
    client_ref: str
    unified_no: str | None
    entry_no: str | None
    ie_flag: str
    bill_no: str | None
    status: str
    updated_at: datetime


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declarations: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class BatchItem(BaseModel):
    index: int
    status_code: int
    receipt: Receipt | None = None
    error: dict[str, Any] | None = None


class BatchOut(BaseModel):
    accepted: int
    rejected: int
    items: list[BatchItem]
