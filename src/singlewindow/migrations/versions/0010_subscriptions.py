"""Subscriptions and CloudEvents

Revision ID: 0010_subscriptions
Revises: 0009_inspection
Create Date: 2026-11-29 21:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0010_subscriptions"
down_revision: str | None = "0009_inspection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription",
        sa.Column("party", sa.String(length=40), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=True),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "last_delivered_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("dead_seq", sa.BigInteger(), nullable=True),
        sa.Column("suspended_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("updated_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subscription_delivery_status", ["delivery", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscription_party"), ["party"], unique=False)

    op.create_table(
        "subscription_event",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("envelope_id", sa.String(length=36), nullable=False),
        sa.Column("party", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("time", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("projected_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_subscription_event")),
        sa.UniqueConstraint("envelope_id", name=op.f("uq_subscription_event_envelope_id")),
    )
    with op.batch_alter_table("subscription_event", schema=None) as batch_op:
        batch_op.create_index("ix_subscription_event_party_seq", ["party", "seq"], unique=False)

    op.create_table(
        "subscription_projector",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("log_seq", sa.BigInteger(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_projector")),
    )


def downgrade() -> None:
    op.drop_table("subscription_projector")
    with op.batch_alter_table("subscription_event", schema=None) as batch_op:
        batch_op.drop_index("ix_subscription_event_party_seq")
    op.drop_table("subscription_event")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_party"))
        batch_op.drop_index("ix_subscription_delivery_status")
    op.drop_table("subscription")
