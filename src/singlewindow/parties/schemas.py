"""API shapes for parties and keys."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class PartyKind(StrEnum):
    """Organisation kinds. Brokers (报关企业) and carriers/agents declare like enterprises."""

    enterprise = "enterprise"
    broker = "broker"
    carrier = "carrier"
    agency = "agency"
    port_operator = "port_operator"
    platform = "platform"
    peer = "peer"


class AgencyType(StrEnum):
    customs = "customs"
    maritime = "maritime"
    border = "border"
    licensing = "licensing"
    commerce = "commerce"
    other = "other"


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PartyKind
    code: str | None = Field(
        default=None,
        min_length=2,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="exchange address; defaults to the USCC for enterprises",
    )
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    uscc: str | None = Field(default=None, min_length=18, max_length=18)
    customs_code: str | None = Field(default=None, min_length=10, max_length=10)
    agency_type: AgencyType | None = None
    attrs: dict[str, Any] = Field(default_factory=dict)


class PartyOut(BaseModel):
    id: str
    code: str
    kind: PartyKind
    name_zh: str
    name_en: str
    uscc: str | None
    customs_code: str | None
    agency_type: AgencyType | None
    attrs: dict[str, Any]
    active: bool
    created_at: datetime


# API areas an API key may be limited to: the first path segment after /api/v1/ (a test
# keeps the list in step with the routes). A key without scopes acts in every area its
# party's role allows.
KEY_SCOPES = (
    "agency",
    "analytics",
    "audit",
    "declarations",
    "exchange",
    "inspections",
    "mandates",
    "manifests",
    "parties",
    "port",
    "prefill",
    "query",
    "signing",
    "status",
    "subscriptions",
    "transport",
    "users",
)
KeyScope = Literal[
    "agency",
    "analytics",
    "audit",
    "declarations",
    "exchange",
    "inspections",
    "mandates",
    "manifests",
    "parties",
    "port",
    "prefill",
    "query",
    "signing",
    "status",
    "subscriptions",
    "transport",
    "users",
]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100)
    expires_at: AwareDatetime | None = None
    scopes: list[KeyScope] = Field(
        default_factory=list,
        max_length=len(KEY_SCOPES),
        description="API areas the key may use (empty: all its party's roles allow)",
    )

    @field_validator("expires_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("expires_at is out of range once converted to UTC") from None


class ApiKeyOut(BaseModel):
    id: str
    party_code: str
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    scopes: list[str] = Field(default_factory=list)
    token: str | None = Field(default=None, description="shown once, at creation")
