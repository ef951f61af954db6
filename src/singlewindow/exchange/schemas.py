"""API shapes of the exchange (independent of the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[A-Za-z0-9_.:-]+$"


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=NAME_PATTERN)
    kind: str = Field(min_length=1, max_length=60, pattern=NAME_PATTERN)
    priority: int = Field(default=100, ge=0, le=100_000)
    condition: dict[str, Any] | None = Field(
        default=None, examples=[{"op": "nonempty", "path": "/licences"}]
    )
    recipient: dict[str, Any] = Field(
        examples=[{"resolver": "customs_district", "path": "/head/custom_master"}]
    )
    projection: list[str] = Field(default_factory=list, max_length=500)
    description: str = Field(default="", max_length=500)
    active: bool = True


class RuleOut(RuleIn):
    id: str
    version: int
    created_at: datetime
    updated_at: datetime


class RoutingRuleChangeOut(BaseModel):
    id: str
    rule_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor: str
    changed_at: datetime


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["pull", "webhook", "nats"]
    url: str | None = Field(default=None, max_length=2000)
    secret: str | None = Field(default=None, max_length=200)


class ChannelOut(BaseModel):
    recipient: str
    kind: str
    url: str | None
    has_secret: bool
    subject: str | None = Field(default=None, description="for kind=nats: the subject to consume")


class InboxMessage(BaseModel):
    id: str
    kind: str
    sender: str
    recipient: str
    correlation_id: str
    payload: dict[str, Any]
    context: dict[str, Any] | None = Field(
        default=None, description="platform references, e.g. the unified number (统一编号)"
    )
    digest: str
    created_at: datetime
    cursor: int
    delivered_at: datetime
    lease_until: datetime | None
    deliveries: int


class InboxPage(BaseModel):
    items: list[InboxMessage]


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=1000)


class AckOut(BaseModel):
    acked: list[str]


class MessageOut(BaseModel):
    id: str
    direction: str
    kind: str
    sender: str
    recipient: str
    correlation_id: str
    digest: str
    state: str
    attempts: int
    created_at: datetime
    published_at: datetime | None
    delivered_at: datetime | None
    acked_at: datetime | None
    dead_at: datetime | None
    last_error: str | None


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None = None


class BacklogRow(BaseModel):
    recipient: str
    pending: int
    published: int
    delivered: int
    acked: int
    dead: int
    oldest_pending_age_s: float | None


class RedriveOut(BaseModel):
    redriven: list[str]
