"""Declaration attachments (the portal's declaration form: files kept by the node)

Revision ID: 0014_declaration_attachments
Revises: 0013_worklist_claims
Create Date: 2026-11-30 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0014_declaration_attachments"
down_revision: str | None = "0013_worklist_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the declaration form work (issue 6)


def downgrade() -> None:
    pass
