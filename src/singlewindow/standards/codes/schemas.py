"""API shapes for code tables (independent of the ORM classes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CodeTableVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    name: str = Field(examples=["trade_mode"])
    version: str = Field(examples=["sw-2026.1"])
    title_zh: str
    title_en: str
    source: str
    confidence: str = Field(description="how far the data can be trusted (✅ ⚠️ ❓)")
    provisional: bool = Field(description="true until checked against the official table")
    valid_from: date
    valid_to: date | None = Field(description="exclusive; null = open-ended")
    loaded_at: datetime
    count: int = Field(validation_alias="entry_count", description="number of entries")


class CodeTableOut(BaseModel):
    """A table with every loaded version (newest first) and the one applying today."""

    name: str
    title_zh: str
    title_en: str
    current_version: str | None = Field(description="the version applying today, if any")
    versions: list[CodeTableVersionOut]


class CodeEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["0110"])
    name_zh: str = Field(examples=["一般贸易"])
    name_en: str = Field(examples=["General trade"])
    attrs: dict[str, Any] = Field(default_factory=dict)


class CodeEntryPage(BaseModel):
    """Entries of the version applying on the asked date, in code order."""

    table: CodeTableVersionOut
    items: list[CodeEntryOut]
    next_cursor: str | None = Field(default=None, description="pass as ?cursor= for the next page")
