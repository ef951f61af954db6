"""HTTP routes: certificates, the revocation list, the platform certificate, receipt checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.kit import clock
from singlewindow.kit.errors import Forbidden, NotFound
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.parties.access import (
    AnyReader,
    DeclarantOperatorAuditor,
    DeclarantOrOperator,
    ProvinceOperator,
)
from singlewindow.signing import service
from singlewindow.signing.platform import platform_signer
from singlewindow.signing.schemas import (
    CertificateIn,
    CertificateOut,
    PlatformCertificateOut,
    ReceiptCheckOut,
    RevocationIn,
    RevocationOut,
)

router = APIRouter(prefix="/api/v1/signing", tags=["signing"])


@router.post(
    "/certificates",
    status_code=status.HTTP_201_CREATED,
    summary="Register a signing certificate (ECDSA P-256 or SM2)",
)
def register(
    session: DbSession, principal: DeclarantOrOperator, body: CertificateIn
) -> CertificateOut:
    """An enterprise registers its own certificate; an operator may name another party.
    The certificate must be valid now, and any USCC it carries must be the party's."""
    owner = body.party_code or principal.party_code
    if owner != principal.party_code and not principal.is_operator:
        raise Forbidden(
            "Only an operator may register a certificate for another party",
            "只有平台运营方可以为其他主体登记证书",
            code="not_own_party",
        )
    row = service.register_certificate(
        session, party_code=owner, pem=body.pem, registered_by=principal.party_code
    )
    audit.record_principal(
        session,
        principal,
        action=actions.CERTIFICATE_CHANGED,
        target_type=actions.CERTIFICATE,
        target_id=row.fingerprint,
        detail={"change": "register", "owner": owner},
    )
    return CertificateOut.of(row, clock.now())


@router.get("/certificates", summary="Certificates: your own (operators: all)")
def list_certificates(
    session: DbSession,
    principal: DeclarantOperatorAuditor,
    party: Annotated[str | None, Query(max_length=40, description="operators only")] = None,
) -> list[CertificateOut]:
    owner = party if principal.is_operator else principal.party_code
    now = clock.now()
    return [CertificateOut.of(r, now) for r in service.list_certificates(session, party_code=owner)]


@router.get("/certificates/{fingerprint}", summary="One certificate")
def get_certificate(
    session: DbSession, principal: DeclarantOperatorAuditor, fingerprint: str
) -> CertificateOut:
    row = service.find_certificate(session, fingerprint)
    if row.party_code != principal.party_code and not principal.is_operator:
        raise NotFound(
            f"Certificate {fingerprint[:80]} not found",
            f"未找到证书 {fingerprint[:80]}",
            code="certificate_not_found",
        )
    return CertificateOut.of(row, clock.now())


@router.post(
    "/revocations",
    status_code=status.HTTP_201_CREATED,
    summary="Revoke a certificate (operators): by fingerprint, or issuer + serial",
)
def revoke(session: DbSession, principal: ProvinceOperator, body: RevocationIn) -> RevocationOut:
    result = service.revoke(
        session,
        reason=body.reason,
        revoked_by=principal.party_code,
        fingerprint=body.fingerprint,
        issuer=body.issuer,
        serial=body.serial,
    )
    audit.record_principal(
        session,
        principal,
        action=actions.CERTIFICATE_CHANGED,
        target_type=actions.CERTIFICATE,
        target_id=body.fingerprint or f"{body.issuer}#{body.serial}",
        detail={"change": "revoke", "reason": body.reason},
    )
    return RevocationOut.of(result.entry, [c.fingerprint for c in result.certificates])


@router.get("/revocations", summary="The revocation list")
def list_revocations(session: DbSession, _principal: AnyReader) -> list[RevocationOut]:
    return [RevocationOut.of(r) for r in service.list_revocations(session)]


@router.get(
    "/platform-certificate",
    summary="The certificate the platform signs its receipts with (public)",
)
def platform_certificate(settings: AppSettings) -> PlatformCertificateOut:
    cert = platform_signer(settings).certificate
    return PlatformCertificateOut(
        fingerprint=cert.fingerprint,
        subject=cert.subject,
        not_before=cert.not_before,
        not_after=cert.not_after,
        pem=cert.pem,
    )


@router.post("/verify-receipt", summary="Check a receipt signed by the platform (public)")
def verify_receipt(
    settings: AppSettings,
    receipt: Annotated[
        dict[str, Any], Body(description="the signed receipt, as received (platform_signature)")
    ],
) -> ReceiptCheckOut:
    check = platform_signer(settings).verify_receipt(receipt)
    return ReceiptCheckOut(certificate=check.fingerprint, signed_at=check.signed_at)
