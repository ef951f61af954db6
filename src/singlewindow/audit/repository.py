"""Queries over the audit log (reads only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.audit.models import AuditEntry


def find_entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: str | None = None,
    limit: int = 100,
) -> Sequence[AuditEntry]:
    """Entries matching every given filter, oldest first (by time-ordered id), sealed or not."""
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    if outcome is not None:
        query = query.where(AuditEntry.outcome == outcome)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if after_id is not None:
        query = query.where(AuditEntry.id > after_id)
    return session.scalars(query.order_by(AuditEntry.id).limit(limit)).all()
