"""API shapes of the audit log (independent of the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from singlewindow.kit.pagination import Page


class AuditEntryOut(BaseModel):
    id: str
    seq: int | None = Field(description="position in the chain; null until sealed")
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str | None
    outcome: str
    org: str | None
    ip: str | None
    detail: dict[str, Any]
    prev_hash: str | None
    entry_hash: str | None
    sealed_at: datetime | None


AuditEntryPage = Page[AuditEntryOut]


class ProblemOut(BaseModel):
    code: str = Field(
        description="changed | inserted | missing | broken_link | head_mismatch | head_missing "
        "| checkpoint_unrecorded | anchor_mismatch"
    )
    seq: int | None
    entry_id: str | None
    message: str
    message_zh: str


class VerifyOut(BaseModel):
    ok: bool
    entries: int = Field(description="sealed entries checked")
    first_seq: int = Field(description="first sequence number checked (after the checkpoint)")
    head_seq: int
    head_hash: str
    unsealed: int = Field(description="entries recorded but not yet chained")
    checkpoint_seq: int | None
    anchor: str | None
    anchor_status: str | None = Field(description="matched | mismatch | purged")
    truncated: bool = Field(description="more problems than listed")
    problems: list[ProblemOut]


class HeadOut(BaseModel):
    seq: int
    entry_hash: str
    anchor: str = Field(description="`seq:entry_hash`: record it outside the node")
    updated_at: datetime | None
    unsealed: int
    checkpoint_seq: int | None
