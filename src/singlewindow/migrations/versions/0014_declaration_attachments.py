"""Declaration attachments (the portal's declaration form: files kept by the node)

Revision ID: 0014_declaration_attachments
Revises: 0013_worklist_claims
Create Date: 2026-11-30 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0014_declaration_attachments"
down_revision: str | None = "0013_worklist_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "declaration_attachment",
        sa.Column("declaration_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("party_code", sa.String(length=40), nullable=False),
        sa.Column("created_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_attachment_declaration_id_declaration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_attachment")),
    )
    with op.batch_alter_table("declaration_attachment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_declaration_attachment_declaration_id", ["declaration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("declaration_attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_declaration_attachment_declaration_id")
    op.drop_table("declaration_attachment")
