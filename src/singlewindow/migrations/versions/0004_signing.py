"""signing certificates and nonces

Revision ID: 0004_signing
Revises: 0003_identity
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0004_signing"
down_revision: str | None = "0003_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signing_certificate",
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("party_code", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("not_before", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_after", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("public_key", sa.String(length=130), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("registered_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=40), nullable=False),
        sa.Column("revoked_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_signing_certificate_party_id_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificate")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_signing_certificate_fingerprint")),
    )
    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signing_certificate_party_code"), ["party_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signing_certificate_party_id"), ["party_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_signing_certificate_serial"), ["serial"], unique=False)

    op.create_table(
        "certificate_revocation",
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("serial", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.CheckConstraint(
            "fingerprint IS NOT NULL OR (issuer IS NOT NULL AND serial IS NOT NULL)",
            name=op.f("ck_certificate_revocation_target"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_revocation")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_certificate_revocation_fingerprint")),
    )
    with op.batch_alter_table("certificate_revocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_revocation_serial"), ["serial"], unique=False
        )

    op.create_table(
        "signing_nonce",
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("nonce", sa.String(length=160), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signed_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", singlewindow.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_signing_nonce_party_id_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_nonce")),
        sa.UniqueConstraint("party_id", "nonce", name=op.f("uq_signing_nonce_party_id_nonce")),
    )
    with op.batch_alter_table("signing_nonce", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signing_nonce_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("signing_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_nonce_expires_at"))
    op.drop_table("signing_nonce")

    with op.batch_alter_table("certificate_revocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_revocation_serial"))
    op.drop_table("certificate_revocation")

    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_certificate_serial"))
        batch_op.drop_index(batch_op.f("ix_signing_certificate_party_id"))
        batch_op.drop_index(batch_op.f("ix_signing_certificate_party_code"))
    op.drop_table("signing_certificate")
