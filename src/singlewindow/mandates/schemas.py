"""Request and response shapes of the mandate API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class MandateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_uscc: str = Field(
        min_length=18, max_length=18, description="broker's unified social credit code"
    )
    doc_types: list[str] = Field(
        min_length=1, max_length=20, description="document types the broker may file"
    )
    customs_districts: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="head-office codes (e.g. 5300); empty = every district",
    )
    valid_from: date
    valid_to: date
    note: str = Field(default="", max_length=500)


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class MandateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    grantor_uscc: str
    grantor_code: str
    agent_uscc: str
    doc_types: list[str]
    customs_districts: list[str]
    valid_from: date
    valid_to: date
    created_at: datetime
    created_by: str
    note: str
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    state: str = Field(description="active | scheduled | expired | revoked (today, China time)")
