"""Code tables: immutable versions, each with its entries.

A version is never edited after it is loaded: a change is a new version with its own validity
dates. The version applying on a date D is the latest one (by ``valid_from``) with
``valid_from <= D < valid_to``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, IdMixin

CODE_MAX = 40
NAME_MAX = 500


class CodeTableVersion(IdMixin, Base):
    """One loaded version of a named code table (``country``, ``trade_mode``…)."""

    __tablename__ = "code_table_version"
    __table_args__ = (UniqueConstraint("name", "version"),)

    name: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(40))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[str] = mapped_column(Text, default="")
    provisional: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(default=clock.now)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)

    def applies_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


class CodeEntry(IdMixin, Base):
    """One code of one version. ``attrs`` holds the table's extra columns (alpha-2, old codes…)."""

    __tablename__ = "code_entry"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    version_id: Mapped[str] = mapped_column(
        ForeignKey("code_table_version.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(CODE_MAX))
    name_zh: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    name_en: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
