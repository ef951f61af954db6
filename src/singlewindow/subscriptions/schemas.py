"""API shapes of subscriptions (independent of the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Delivery = Literal["webhook", "sse", "pull"]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    types: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="event types: exact (cn.gd.singlewindow.declaration.status_changed) or a "
        "prefix wildcard (cn.gd.singlewindow.inspection.*); empty or * selects every type",
    )
    subject: str | None = Field(
        default=None, min_length=1, max_length=80, description="only events of this document id"
    )
    delivery: Delivery = Field(
        description="webhook: signed POSTs; sse: GET /stream; pull: GET /events"
    )
    url: str | None = Field(default=None, max_length=2000, description="webhook only")
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="webhook HMAC secret (16+ characters); omitted: one is generated and "
        "returned once",
    )


class SubscriptionOut(BaseModel):
    id: str
    party: str
    types: list[str]
    subject: str | None
    delivery: str
    url: str | None
    status: str
    cursor: int = Field(description="webhook: the last event delivered (sequence)")
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_delivered_at: datetime | None
    dead_seq: int | None = Field(description="suspended: the event that could not be delivered")
    created_at: datetime
    created_by: str
    suspended_at: datetime | None


class SubscriptionCreated(SubscriptionOut):
    secret: str | None = Field(
        default=None, description="the generated webhook secret; shown only in this answer"
    )


class SubscriptionPage(BaseModel):
    items: list[SubscriptionOut]


class EventPage(BaseModel):
    items: list[dict[str, Any]] = Field(description="CloudEvents 1.0 (structured JSON)")
    next_after: int = Field(description="pass as ?after= to read on")
    has_more: bool
