"""Operations tables: planned maintenance windows of agency channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class MaintenanceWindow(IdMixin, CreatedMixin, Base):
    """A planned outage of one agency's or port operator's system, or of the whole node.

    ``agency_code`` NULL means node-wide. While a window is open the agency is in continuity
    mode: submissions are accepted and queued, and the status page shows the notice.
    """

    __tablename__ = "ops_maintenance"
    __table_args__ = (Index("ix_ops_maintenance_agency_ends", "agency_code", "ends_at"),)

    agency_code: Mapped[str | None] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    notice_en: Mapped[str] = mapped_column(String(500))
    notice_zh: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(40))
