"""Agency worklist claims (the portal: an officer claims a routed declaration)

Revision ID: 0013_worklist_claims
Revises: 0012_declaration_voyage
Create Date: 2026-11-30 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0013_worklist_claims"
down_revision: str | None = "0012_declaration_voyage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the agency worklist work (issue 6)


def downgrade() -> None:
    pass
