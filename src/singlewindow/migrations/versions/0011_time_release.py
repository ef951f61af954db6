"""Time Release Study segments

Revision ID: 0011_time_release
Revises: 0010_subscriptions
Create Date: 2026-11-29 21:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0011_time_release"
down_revision: str | None = "0010_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "time_release",
        sa.Column("declaration_id", sa.String(length=36), nullable=False),
        sa.Column("declarant_code", sa.String(length=40), nullable=False),
        sa.Column("trade_co_scc", sa.String(length=18), nullable=True),
        sa.Column("agent_code_scc", sa.String(length=18), nullable=True),
        sa.Column("ie_flag", sa.String(length=1), nullable=False),
        sa.Column("port", sa.String(length=4), nullable=True),
        sa.Column("customs_district", sa.String(length=4), nullable=True),
        sa.Column("trade_mode", sa.String(length=4), nullable=True),
        sa.Column("transport_mode", sa.String(length=2), nullable=True),
        sa.Column("bill_no", sa.String(length=32), nullable=True),
        sa.Column("voyage", sa.String(length=40), nullable=True),
        sa.Column("call_id", sa.String(length=36), nullable=True),
        sa.Column("arrival_source", sa.String(length=16), nullable=True),
        sa.Column("exit_source", sa.String(length=16), nullable=True),
        _ts("arrived_at"),
        _ts("submitted_at"),
        _ts("accepted_at"),
        _ts("inspection_started_at"),
        _ts("inspection_finished_at"),
        _ts("released_at"),
        _ts("exited_at"),
        sa.Column("inspected", sa.Boolean(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_time_release_declaration_id_declaration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_release")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_time_release_declaration_id")),
    )
    with op.batch_alter_table("time_release", schema=None) as batch_op:
        for column in ("submitted_at", "port", "call_id", "bill_no", "voyage", "declarant_code"):
            batch_op.create_index(f"ix_time_release_{column}", [column], unique=False)

    op.create_table(
        "time_release_agency",
        sa.Column("declaration_id", sa.String(length=36), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        _ts("routed_at"),
        _ts("received_at"),
        _ts("first_decision_at"),
        _ts("inspection_ordered_at"),
        _ts("inspection_result_at"),
        _ts("released_at"),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_time_release_agency_declaration_id_declaration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_release_agency")),
        sa.UniqueConstraint(
            "declaration_id",
            "agency_code",
            name=op.f("uq_time_release_agency_declaration_id_agency_code"),
        ),
    )
    with op.batch_alter_table("time_release_agency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_time_release_agency_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_time_release_agency_agency_code"), ["agency_code"], unique=False
        )

    op.create_table(
        "time_release_cursor",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("position", sa.String(length=64), nullable=False),
        sa.Column("updated_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_time_release_cursor")),
    )


def downgrade() -> None:
    op.drop_table("time_release_cursor")
    with op.batch_alter_table("time_release_agency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_release_agency_agency_code"))
        batch_op.drop_index(batch_op.f("ix_time_release_agency_declaration_id"))
    op.drop_table("time_release_agency")
    with op.batch_alter_table("time_release", schema=None) as batch_op:
        for column in ("declarant_code", "voyage", "bill_no", "call_id", "port", "submitted_at"):
            batch_op.drop_index(f"ix_time_release_{column}")
    op.drop_table("time_release")
