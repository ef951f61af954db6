"""Time Release Study segments

Revision ID: 0011_time_release
Revises: 0010_subscriptions
Create Date: 2026-11-29 21:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import singlewindow.kit.db  # noqa: F401

revision: str = "0011_time_release"
down_revision: str | None = "0010_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
