"""API shapes of the signing context."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from singlewindow.signing.models import CertificateRevocation, SigningCertificate


class CertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pem: str = Field(min_length=1, max_length=16 * 1024, description="one X.509 certificate, PEM")
    party_code: str | None = Field(
        default=None,
        max_length=40,
        description="owner; operators only (default: the caller's own party)",
    )


class CertificateOut(BaseModel):
    fingerprint: str = Field(description="SHA-256 of the DER, lower-case hex")
    party_code: str
    algorithm: Literal["ecdsa-p256", "sm2"]
    subject: str
    issuer: str
    serial: str = Field(description="lower-case hex")
    not_before: datetime
    not_after: datetime
    registered_at: datetime
    registered_by: str
    revoked_at: datetime | None
    revocation_reason: str | None
    status: Literal["valid", "revoked", "expired", "not_yet_valid"]
    pem: str

    @classmethod
    def of(cls, row: SigningCertificate, now: datetime) -> CertificateOut:
        if row.revoked_at is not None:
            status: Literal["valid", "revoked", "expired", "not_yet_valid"] = "revoked"
        elif now > row.not_after:
            status = "expired"
        elif now < row.not_before:
            status = "not_yet_valid"
        else:
            status = "valid"
        return cls(
            fingerprint=row.fingerprint,
            party_code=row.party_code,
            algorithm=row.algorithm,
            subject=row.subject,
            issuer=row.issuer,
            serial=row.serial,
            not_before=row.not_before,
            not_after=row.not_after,
            registered_at=row.registered_at,
            registered_by=row.registered_by,
            revoked_at=row.revoked_at,
            revocation_reason=row.revocation_reason,
            status=status,
            pem=row.pem,
        )


class RevocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fingerprint: str | None = Field(default=None, max_length=100, description="SHA-256, hex")
    issuer: str | None = Field(
        default=None, max_length=2000, description="issuer DN as listed (RFC 4514)"
    )
    serial: str | None = Field(default=None, max_length=100, description="serial number, hex")
    reason: str = Field(min_length=1, max_length=200)


class RevocationOut(BaseModel):
    id: str
    fingerprint: str | None
    issuer: str | None
    serial: str | None
    reason: str
    revoked_at: datetime
    revoked_by: str
    certificates: list[str] = Field(
        default_factory=list, description="registered certificates this entry revoked"
    )

    @classmethod
    def of(cls, row: CertificateRevocation, certificates: list[str] | None = None) -> RevocationOut:
        return cls(
            id=row.id,
            fingerprint=row.fingerprint,
            issuer=row.issuer,
            serial=row.serial,
            reason=row.reason,
            revoked_at=row.revoked_at,
            revoked_by=row.revoked_by,
            certificates=certificates or [],
        )


class PlatformCertificateOut(BaseModel):
    fingerprint: str
    algorithm: Literal["ES256"] = "ES256"
    subject: str
    not_before: datetime
    not_after: datetime
    pem: str


class ReceiptCheckOut(BaseModel):
    valid: Literal[True] = True
    certificate: str = Field(description="fingerprint of the platform certificate that signed")
    signed_at: datetime
