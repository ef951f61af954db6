"""API shapes of the service status (independent of the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Health = Literal["ok", "degraded", "down"]


class ContinuityNotice(BaseModel):
    """An agency that is unreachable now: submissions to it are accepted and queued."""

    agency_code: str
    reason: Literal["down", "maintenance"]
    message: str
    message_zh: str
    until: datetime | None = Field(
        default=None, description="end of the maintenance window; none when the agency is down"
    )


class MaintenanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_code: str | None = Field(
        default=None, max_length=40, description="an agency or port operator; none: node-wide"
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    notice_en: str = Field(min_length=1, max_length=500)
    notice_zh: str = Field(min_length=1, max_length=500)


class MaintenanceOut(BaseModel):
    id: str
    agency_code: str | None
    starts_at: datetime
    ends_at: datetime
    notice_en: str
    notice_zh: str
    created_by: str
    created_at: datetime
    active: bool = Field(description="the window is open now")


class ChannelStatus(BaseModel):
    """One agency's or port operator's channel, as the status page shows it (no content)."""

    agency_code: str
    name_zh: str
    name_en: str
    party_kind: str
    channel_kind: str = Field(description="pull | webhook | nats")
    backlog: int = Field(description="messages routed to it and not yet acknowledged")
    oldest_pending_age_s: float | None
    last_delivery_at: datetime | None = Field(description="the last acknowledged message")
    attempts_1h: int = Field(description="delivery attempts in the last hour (approximate)")
    failures_1h: int
    error_rate_1h: float | None = Field(description="failures / attempts; none without attempts")
    dead_letters: int
    health: Health
    maintenance: list[MaintenanceOut] = Field(default_factory=list, description="open now")
    continuity: bool = Field(description="unreachable: submissions are accepted and queued")
    notice: ContinuityNotice | None = None


class StatusOut(BaseModel):
    node_code: str
    generated_at: datetime
    health: Health = Field(description="the worst channel health")
    channels: list[ChannelStatus]
    maintenance: list[MaintenanceOut] = Field(
        description="node-wide and agency windows that are open now or planned"
    )
