"""ORM models of the OpenID Connect provider: clients, signing keys, grants, codes, tokens.

Secrets are never stored: client secrets, authorization codes and refresh tokens are kept as
SHA-256 digests (they are 256-bit random values, so a fast hash is enough), and signing keys'
private halves are sealed with a key derived from the node secret (``sealing.py``).
Scopes of grants, codes and tokens are space-separated strings, as on the wire (RFC 6749 §3.3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class OAuthClient(IdMixin, CreatedMixin, Base):
    """A registered application: a city platform, an agency's department-end system, or a
    system client acting for a party. Public clients have no secret and use PKCE only."""

    __tablename__ = "oidc_client"

    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    client_type: Mapped[str] = mapped_column(String(20))  # confidential | public
    secret_sha256: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[Any]] = mapped_column(default=list)
    grant_types: Mapped[list[Any]] = mapped_column(default=list)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    audiences: Mapped[list[Any]] = mapped_column(default=list)
    party_id: Mapped[str | None] = mapped_column(ForeignKey("party.id"), index=True)


class SigningKey(IdMixin, CreatedMixin, Base):
    """An ES256 key pair. ``next`` keys are published but do not sign yet; the one ``active``
    key signs; ``retired`` keys stay published (and verifying) until ``retire_after``."""

    __tablename__ = "oidc_signing_key"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(10), index=True)  # next | active | retired
    public_jwk: Mapped[dict[str, Any]] = mapped_column()
    # Sealed PKCS#8 private key; erased once the key is retired (it never signs again).
    private_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    activate_after: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    retire_after: Mapped[datetime | None]


class OAuthGrant(IdMixin, CreatedMixin, Base):
    """What one authorization code granted: the refresh-token family and the access tokens
    issued from it (their ``gid`` claim). Revoking the grant revokes all of them."""

    __tablename__ = "oidc_grant"

    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_user.id"), index=True)
    scope: Mapped[str] = mapped_column(String(1000))
    auth_time: Mapped[datetime]
    amr: Mapped[list[Any]] = mapped_column(default=list)
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(40))


class AuthorizationCode(IdMixin, CreatedMixin, Base):
    """A one-time code from ``/oauth/authorize``; valid for about a minute."""

    __tablename__ = "oidc_authorization_code"

    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_user.id"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(1000))
    nonce: Mapped[str | None] = mapped_column(String(500))
    auth_time: Mapped[datetime]
    amr: Mapped[list[Any]] = mapped_column(default=list)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("oidc_grant.id"))


class RefreshToken(IdMixin, CreatedMixin, Base):
    """One refresh token of a family (= a grant). Each use rotates it: the old row gets
    ``rotated_at``/``replaced_by``; presenting a rotated token again revokes the family."""

    __tablename__ = "oidc_refresh_token"

    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("oidc_grant.id"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oidc_client.client_id"), index=True)
    subject: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    replaced_by: Mapped[str | None] = mapped_column(String(36))
    revoked_at: Mapped[datetime | None]
