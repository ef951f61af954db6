"""OIDC clients, signing keys, codes, refresh tokens

Revision ID: 0006_oidc
Revises: 0005_mandates
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006_oidc"
down_revision: str | None = "0005_mandates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
