"""Declaration search keys: vessel and voyage, indexed for the clearance query

Revision ID: 0012_declaration_voyage
Revises: 0011_time_release
Create Date: 2026-11-29 21:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from singlewindow.declarations.keys import document_keys

revision: str = "0012_declaration_voyage"
down_revision: str | None = "0011_time_release"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vessel_key", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("voyage_no", sa.String(length=32), nullable=True))
    _backfill()
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index(
            "ix_declaration_voyage", ["voyage_no", "vessel_key", "submitted_at"], unique=False
        )


def _backfill() -> None:
    """Keys of the declarations already stored, in batches by id (documents stay unchanged)."""
    table = sa.table(
        "declaration",
        sa.column("id", sa.String),
        sa.column("document", sa.JSON),
        sa.column("vessel_key", sa.String),
        sa.column("voyage_no", sa.String),
    )
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.document)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates = []
        for row in rows:
            keys = document_keys(row.document if isinstance(row.document, dict) else {})
            if keys["vessel_key"] is not None or keys["voyage_no"] is not None:
                updates.append({"b_id": row.id, **keys})
        if updates:
            bind.execute(
                table.update()
                .where(table.c.id == sa.bindparam("b_id"))
                .values(vessel_key=sa.bindparam("vessel_key"), voyage_no=sa.bindparam("voyage_no")),
                updates,
            )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index("ix_declaration_voyage")
        batch_op.drop_column("voyage_no")
        batch_op.drop_column("vessel_key")
