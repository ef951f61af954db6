"""API shapes of the Time Release Study figures."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class SegmentDef(BaseModel):
    key: str
    start: str = Field(description="milestone the segment starts at")
    end: str = Field(description="milestone the segment ends at")
    label: str
    label_zh: str


class SegmentFigures(BaseModel):
    count: int = Field(description="declarations with both milestones")
    missing: int = Field(description="declarations left out: a milestone is not recorded")
    mean: float | None = Field(description="hours")
    median: float | None = Field(description="hours")
    p90: float | None = Field(description="hours, 90th percentile (linear interpolation)")


class Figures(BaseModel):
    count: int
    inspected: int
    inspected_share: float | None
    segments: dict[str, SegmentFigures]


class GroupFigures(BaseModel):
    key: str | None = Field(description="the group's code (null: not recorded)")
    label: str | None
    label_zh: str | None
    count: int
    inspected: int
    inspected_share: float | None
    segments: dict[str, SegmentFigures]


class TimeReleaseReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    group_by: str
    from_: date | None = Field(alias="from")
    to: date | None
    ie_flag: str | None
    unit: str = "hours"
    segments: list[SegmentDef]
    groups: list[GroupFigures]
    overall: Figures
