"""API shapes for agency decisions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from singlewindow.declarations.rules import Decision


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=8, description="reason code, e.g. R01")
    text: str = Field(default="", max_length=500)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declaration_id: str = Field(min_length=1, max_length=36)
    decision: Decision
    reasons: list[Reason] = Field(default_factory=list, max_length=20)
    entry_no: str | None = Field(
        default=None, min_length=18, max_length=18, description="海关编号, when customs accepts"
    )
    note: str = Field(default="", max_length=1000)


class DecisionOut(BaseModel):
    declaration_id: str
    status: str
    agency_status: str
    entry_no: str | None


class ReasonOut(BaseModel):
    code: str
    text_en: str
    text_zh: str
