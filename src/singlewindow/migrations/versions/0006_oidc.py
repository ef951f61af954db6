"""OIDC clients, signing keys, codes, refresh tokens

Revision ID: 0006_oidc
Revises: 0005_mandates
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import singlewindow.kit.db

revision: str = "0006_oidc"
down_revision: str | None = "0005_mandates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = singlewindow.kit.db.UTCDateTime(timezone=True)


def _id_and_created() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "oidc_client",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_type", sa.String(length=20), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=True),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("grant_types", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("audiences", sa.JSON(), nullable=False),
        sa.Column("party_id", sa.String(length=36), nullable=True),
        *_id_and_created(),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_oidc_client_party_id_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oidc_client_client_id")),
    )
    op.create_index(op.f("ix_oidc_client_party_id"), "oidc_client", ["party_id"], unique=False)

    op.create_table(
        "oidc_signing_key",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("private_key_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("activate_after", UTC_DATETIME, nullable=True),
        sa.Column("activated_at", UTC_DATETIME, nullable=True),
        sa.Column("retired_at", UTC_DATETIME, nullable=True),
        sa.Column("retire_after", UTC_DATETIME, nullable=True),
        *_id_and_created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_signing_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_oidc_signing_key_kid")),
    )
    op.create_index(op.f("ix_oidc_signing_key_state"), "oidc_signing_key", ["state"], unique=False)

    op.create_table(
        "oidc_grant",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("auth_time", UTC_DATETIME, nullable=False),
        sa.Column("amr", sa.JSON(), nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.Column("revoke_reason", sa.String(length=40), nullable=True),
        *_id_and_created(),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oidc_client.client_id"],
            name=op.f("fk_oidc_grant_client_id_oidc_client"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_oidc_grant_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_grant")),
    )
    op.create_index(op.f("ix_oidc_grant_client_id"), "oidc_grant", ["client_id"], unique=False)
    op.create_index(op.f("ix_oidc_grant_user_id"), "oidc_grant", ["user_id"], unique=False)

    op.create_table(
        "oidc_authorization_code",
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("nonce", sa.String(length=500), nullable=True),
        sa.Column("auth_time", UTC_DATETIME, nullable=False),
        sa.Column("amr", sa.JSON(), nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        sa.Column("grant_id", sa.String(length=36), nullable=True),
        *_id_and_created(),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oidc_client.client_id"],
            name=op.f("fk_oidc_authorization_code_client_id_oidc_client"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["oidc_grant.id"],
            name=op.f("fk_oidc_authorization_code_grant_id_oidc_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_oidc_authorization_code_user_id_identity_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_authorization_code")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_oidc_authorization_code_code_sha256")),
    )
    op.create_index(
        op.f("ix_oidc_authorization_code_client_id"),
        "oidc_authorization_code",
        ["client_id"],
        unique=False,
    )

    op.create_table(
        "oidc_refresh_token",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("rotated_at", UTC_DATETIME, nullable=True),
        sa.Column("replaced_by", sa.String(length=36), nullable=True),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        *_id_and_created(),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oidc_client.client_id"],
            name=op.f("fk_oidc_refresh_token_client_id_oidc_client"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["oidc_grant.id"],
            name=op.f("fk_oidc_refresh_token_family_id_oidc_grant"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_refresh_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_oidc_refresh_token_token_sha256")),
    )
    op.create_index(
        op.f("ix_oidc_refresh_token_client_id"), "oidc_refresh_token", ["client_id"], unique=False
    )
    op.create_index(
        op.f("ix_oidc_refresh_token_family_id"), "oidc_refresh_token", ["family_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_refresh_token_family_id"), table_name="oidc_refresh_token")
    op.drop_index(op.f("ix_oidc_refresh_token_client_id"), table_name="oidc_refresh_token")
    op.drop_table("oidc_refresh_token")
    op.drop_index(
        op.f("ix_oidc_authorization_code_client_id"), table_name="oidc_authorization_code"
    )
    op.drop_table("oidc_authorization_code")
    op.drop_index(op.f("ix_oidc_grant_user_id"), table_name="oidc_grant")
    op.drop_index(op.f("ix_oidc_grant_client_id"), table_name="oidc_grant")
    op.drop_table("oidc_grant")
    op.drop_index(op.f("ix_oidc_signing_key_state"), table_name="oidc_signing_key")
    op.drop_table("oidc_signing_key")
    op.drop_index(op.f("ix_oidc_client_party_id"), table_name="oidc_client")
    op.drop_table("oidc_client")
