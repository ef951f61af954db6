"""audit log

Revision ID: 0002_audit
Revises: 6a0aa28dd90d
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0002_audit"
down_revision: str | None = "6a0aa28dd90d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
