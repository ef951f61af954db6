"""mandates (代理报关委托) and the mandate a declaration was filed under

Revision ID: 0005_mandates
Revises: 0004_signing
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0005_mandates"
down_revision: str | None = "0004_signing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mandate",
        sa.Column("grantor_uscc", sa.String(length=18), nullable=False),
        sa.Column("grantor_code", sa.String(length=40), nullable=False),
        sa.Column("agent_uscc", sa.String(length=18), nullable=False),
        sa.Column("doc_types", sa.JSON(), nullable=False),
        sa.Column("customs_districts", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("revoked_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=40), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate")),
    )
    with op.batch_alter_table("mandate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mandate_agent_uscc"), ["agent_uscc"], unique=False)
        batch_op.create_index("ix_mandate_pair", ["grantor_uscc", "agent_uscc"], unique=False)
    op.add_column("declaration", sa.Column("mandate_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_column("mandate_id")
    with op.batch_alter_table("mandate", schema=None) as batch_op:
        batch_op.drop_index("ix_mandate_pair")
        batch_op.drop_index(batch_op.f("ix_mandate_agent_uscc"))
    op.drop_table("mandate")
