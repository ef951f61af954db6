"""Agency worklist claims (the portal: an officer claims a routed declaration)

Revision ID: 0013_worklist_claims
Revises: 0012_declaration_voyage
Create Date: 2026-11-30 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0013_worklist_claims"
down_revision: str | None = "0012_declaration_voyage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_worklist_claim",
        sa.Column("declaration_id", sa.String(length=36), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_agency_worklist_claim_declaration_id_declaration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_worklist_claim")),
        sa.UniqueConstraint(
            "declaration_id",
            "agency_code",
            name=op.f("uq_agency_worklist_claim_declaration_id_agency_code"),
        ),
    )
    with op.batch_alter_table("agency_worklist_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_worklist_claim_agency_code"), ["agency_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agency_worklist_claim_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("agency_worklist_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_worklist_claim_user_id"))
        batch_op.drop_index(batch_op.f("ix_agency_worklist_claim_agency_code"))
    op.drop_table("agency_worklist_claim")
