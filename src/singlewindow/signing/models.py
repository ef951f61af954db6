"""Signing certificates, the operator's revocation list, and used signature nonces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, IdMixin


class SigningCertificate(IdMixin, Base):
    """An X.509 certificate a party registered to sign its submissions (一卡多证: one
    certificate is accepted for every document type and every agency)."""

    __tablename__ = "signing_certificate"

    party_id: Mapped[str] = mapped_column(ForeignKey("party.id"), index=True)
    party_code: Mapped[str] = mapped_column(String(40), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER
    algorithm: Mapped[str] = mapped_column(String(16))  # KeyType: ecdsa-p256 | sm2
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(String(64), index=True)  # lower-case hex
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    public_key: Mapped[str] = mapped_column(String(130))  # hex of 04 || x || y
    pem: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(default=clock.now)
    registered_by: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(200))


class CertificateRevocation(IdMixin, Base):
    """One entry of the operator-maintained revocation list: by fingerprint, or by issuer and
    serial number (which also covers a certificate registered later)."""

    __tablename__ = "certificate_revocation"
    __table_args__ = (
        CheckConstraint(
            "fingerprint IS NOT NULL OR (issuer IS NOT NULL AND serial IS NOT NULL)",
            name="target",
        ),
    )

    fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True)
    issuer: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_by: Mapped[str] = mapped_column(String(40))


class UsedNonce(IdMixin, Base):
    """A signature nonce already accepted. The unique (party, nonce) pair makes a replay fail
    atomically (INSERT .. ON CONFLICT DO NOTHING) on SQLite and PostgreSQL alike."""

    __tablename__ = "signing_nonce"
    __table_args__ = (UniqueConstraint("party_id", "nonce"),)

    party_id: Mapped[str] = mapped_column(ForeignKey("party.id"))
    nonce: Mapped[str] = mapped_column(String(160))
    fingerprint: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime] = mapped_column(default=clock.now)
