"""Party and API key tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class Party(IdMixin, CreatedMixin, Base):
    """Anyone the platform exchanges data with. ``code`` is the party's exchange address."""

    __tablename__ = "party"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    customs_code: Mapped[str | None] = mapped_column(String(10), index=True)
    agency_type: Mapped[str | None] = mapped_column(String(20))
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)


class ApiKey(IdMixin, CreatedMixin, Base):
    """A bearer credential of one party. Only a SHA-256 of the secret is stored."""

    __tablename__ = "api_key"

    party_id: Mapped[str] = mapped_column(ForeignKey("party.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
