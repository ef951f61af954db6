"""identity: users, portal sessions, failed-login records

Revision ID: 0003_identity
Revises: 0002_audit
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0003_identity"
down_revision: str | None = "0002_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_user",
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("city", sa.String(length=6), nullable=True),
        sa.Column("totp_secret", sa.String(length=200), nullable=True),
        sa.Column("totp_pending_secret", sa.String(length=200), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column(
            "password_changed_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_identity_user_party_id_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_user")),
        sa.UniqueConstraint("username", name=op.f("uq_identity_user_username")),
    )
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_user_party_id"), ["party_id"], unique=False)

    op.create_table(
        "identity_session",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mfa_passed", sa.Boolean(), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("revoked_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_identity_session_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_session")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_identity_session_token_sha256")),
    )
    with op.batch_alter_table("identity_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "identity_login_failure",
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.Column("at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_login_failure")),
    )
    with op.batch_alter_table("identity_login_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_login_failure_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_identity_login_failure_client_ip_at", ["client_ip", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_login_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_login_failure_client_ip_at")
        batch_op.drop_index(batch_op.f("ix_identity_login_failure_at"))

    op.drop_table("identity_login_failure")
    with op.batch_alter_table("identity_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_session_user_id"))

    op.drop_table("identity_session")
    with op.batch_alter_table("identity_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_user_party_id"))

    op.drop_table("identity_user")
