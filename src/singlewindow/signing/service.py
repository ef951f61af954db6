"""Named actions on signing certificates, the revocation list and nonces. Flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.errors import (
    Conflict,
    Finding,
    Forbidden,
    NotFound,
    SingleWindowError,
    ValidationFailed,
)
from singlewindow.kit.ids import new_id
from singlewindow.parties import service as parties
from singlewindow.parties.models import Party
from singlewindow.signing import errors as err
from singlewindow.signing.certificates import (
    ParsedCertificate,
    load_certificate,
    normalise_fingerprint,
    normalise_serial,
)
from singlewindow.signing.models import CertificateRevocation, SigningCertificate, UsedNonce

# Brokers (报关企业) and carriers sign like enterprises; agencies and operators do not file.
OWNER_KINDS = frozenset(k.value for k in parties.DECLARANT_KINDS)


def register_certificate(
    session: Session, *, party_code: str, pem: str, registered_by: str
) -> SigningCertificate:
    """Register ``pem`` for ``party_code``. The certificate must be readable (400), ECDSA P-256
    or SM2 (422), valid now (422), not revoked (403), carry no USCC other than the party's (403)
    and not be registered yet (409)."""
    party = parties.get_party(session, party_code)
    if party.kind not in OWNER_KINDS or not party.active:
        raise Forbidden(
            f"Party {party.code} ({party.kind}) cannot own signing certificates",
            f"主体 {party.code}({party.kind})不能登记签名证书",
            code="wrong_party_kind",
            findings=[Finding("/party_code", "wrong_party_kind", "not a declarant", "非申报主体")],
        )
    cert = load_certificate(pem, "/pem")
    now = clock.now()
    if not cert.not_before <= now <= cert.not_after:
        raise err.not_valid_at(
            "/pem", cert.fingerprint, expired=now > cert.not_after, cls=ValidationFailed
        )
    _check_uscc(cert, party)
    entry = revocation_entry(session, cert.fingerprint, cert.issuer, cert.serial)
    if entry is not None:
        raise err.revoked("/pem", cert.fingerprint, entry.reason)
    existing = session.scalar(
        select(SigningCertificate).where(SigningCertificate.fingerprint == cert.fingerprint)
    )
    if existing is not None:
        raise _registered(cert.fingerprint)
    row = SigningCertificate(
        party_id=party.id,
        party_code=party.code,
        fingerprint=cert.fingerprint,
        algorithm=cert.key_type.value,
        subject=cert.subject,
        issuer=cert.issuer,
        serial=cert.serial,
        not_before=cert.not_before,
        not_after=cert.not_after,
        public_key=cert.public_key.hex(),
        pem=cert.pem,
        registered_at=now,
        registered_by=registered_by,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration of the same certificate won
        raise _registered(cert.fingerprint) from None
    return row


def _registered(fingerprint: str) -> SingleWindowError:
    return Conflict(
        f"Certificate {fingerprint} is already registered",
        f"证书 {fingerprint} 已登记",
        code="certificate_registered",
        findings=[Finding("/pem", "certificate_registered", "already registered", "已登记")],
    )


def _check_uscc(cert: ParsedCertificate, party: Party) -> None:
    if not cert.usccs or party.uscc in cert.usccs:
        return
    found = ", ".join(sorted(cert.usccs))
    raise Forbidden(
        f"The certificate names USCC {found}, not the party's {party.uscc or '(none)'}",
        f"证书中的统一社会信用代码 {found} 与主体的 {party.uscc or '(无)'} 不符",
        code="certificate_uscc_mismatch",
        findings=[
            Finding(
                "/pem",
                "certificate_uscc_mismatch",
                f"certificate subject carries USCC {found}",
                f"证书主题含统一社会信用代码 {found}",
            )
        ],
    )


def get_certificate(session: Session, fingerprint: str) -> SigningCertificate | None:
    return session.scalar(
        select(SigningCertificate).where(SigningCertificate.fingerprint == fingerprint)
    )


def find_certificate(session: Session, fingerprint_text: str) -> SigningCertificate:
    fingerprint = normalise_fingerprint(fingerprint_text)
    row = get_certificate(session, fingerprint) if fingerprint else None
    if row is None:
        raise NotFound(
            f"Certificate {fingerprint_text[:80]} not found",
            f"未找到证书 {fingerprint_text[:80]}",
            code="certificate_not_found",
        )
    return row


def list_certificates(
    session: Session, *, party_code: str | None = None, limit: int = 200
) -> Sequence[SigningCertificate]:
    query = select(SigningCertificate).order_by(SigningCertificate.registered_at.desc())
    if party_code is not None:
        query = query.where(SigningCertificate.party_code == party_code)
    return session.scalars(query.limit(limit)).all()


@dataclass(frozen=True, slots=True)
class Revoked:
    entry: CertificateRevocation
    certificates: list[SigningCertificate]


def revoke(
    session: Session,
    *,
    reason: str,
    revoked_by: str,
    fingerprint: str | None = None,
    issuer: str | None = None,
    serial: str | None = None,
) -> Revoked:
    """Add a revocation-list entry (by fingerprint, or by issuer + serial) and mark every
    registered certificate it covers. 422 for a malformed target, 409 if already listed."""
    reason = reason.strip()
    if not reason:
        raise _invalid("/reason", "a reason is required", "必须填写吊销原因")
    if fingerprint is not None:
        if issuer is not None or serial is not None:
            raise _invalid(
                "/fingerprint",
                "give either a fingerprint or issuer + serial, not both",
                "指纹与签发者+序列号只能二选一",
            )
        fp = normalise_fingerprint(fingerprint)
        if fp is None:
            raise _invalid("/fingerprint", "64 hex digits expected", "应为 64 位十六进制")
        if session.scalar(
            select(CertificateRevocation.id).where(CertificateRevocation.fingerprint == fp)
        ):
            raise _already()
        entry = CertificateRevocation(fingerprint=fp, reason=reason, revoked_by=revoked_by)
        covered = select(SigningCertificate).where(SigningCertificate.fingerprint == fp)
    else:
        has_issuer = bool(issuer and issuer.strip())
        if not has_issuer or serial is None:
            if not has_issuer and serial is None:
                missing = "/fingerprint"
            else:
                missing = "/serial" if has_issuer else "/issuer"
            raise _invalid(
                missing,
                "give a fingerprint, or both issuer and serial",
                "请提供指纹，或同时提供签发者与序列号",
            )
        sn = normalise_serial(serial)
        if sn is None:
            raise _invalid("/serial", "hexadecimal serial number expected", "序列号应为十六进制")
        assert issuer is not None
        issuer = issuer.strip()
        if session.scalar(
            select(CertificateRevocation.id).where(
                CertificateRevocation.issuer == issuer, CertificateRevocation.serial == sn
            )
        ):
            raise _already()
        entry = CertificateRevocation(
            issuer=issuer, serial=sn, reason=reason, revoked_by=revoked_by
        )
        covered = select(SigningCertificate).where(
            SigningCertificate.issuer == issuer, SigningCertificate.serial == sn
        )
    now = clock.now()
    entry.revoked_at = now
    certificates = list(session.scalars(covered).all())
    session.add(entry)  # after the query: an autoflush must not raise outside the try below
    for cert in certificates:
        if cert.revoked_at is None:
            cert.revoked_at = now
            cert.revocation_reason = reason[:200]
    try:
        session.flush()
    except IntegrityError:  # the same fingerprint listed concurrently
        raise _already() from None
    return Revoked(entry, certificates)


def _invalid(path: str, en: str, zh: str) -> SingleWindowError:
    return ValidationFailed(
        f"{path}: {en}", f"{path}：{zh}", code="revocation_invalid",
        findings=[Finding(path, "revocation_invalid", en, zh)],
    )  # fmt: skip


def _already() -> SingleWindowError:
    return Conflict(
        "This certificate is already on the revocation list",
        "该证书已在吊销列表中",
        code="already_revoked",
    )


def list_revocations(session: Session, *, limit: int = 1000) -> Sequence[CertificateRevocation]:
    return session.scalars(
        select(CertificateRevocation).order_by(CertificateRevocation.revoked_at.desc()).limit(limit)
    ).all()


def revocation_entry(
    session: Session, fingerprint: str, issuer: str, serial: str
) -> CertificateRevocation | None:
    """The revocation-list entry covering this certificate, if any."""
    return session.scalars(
        select(CertificateRevocation)
        .where(
            or_(
                CertificateRevocation.fingerprint == fingerprint,
                (CertificateRevocation.issuer == issuer) & (CertificateRevocation.serial == serial),
            )
        )
        .limit(1)
    ).first()


def consume_nonce(
    session: Session,
    *,
    party_id: str,
    nonce: str,
    fingerprint: str,
    signed_at: datetime,
    window_seconds: int,
) -> bool:
    """Record ``nonce`` as used by ``party_id``; False if it was used before. Atomic: the
    unique (party, nonce) pair decides between concurrent replays, and a conflict does not
    abort the surrounding transaction (ON CONFLICT DO NOTHING, no exception)."""
    values = {
        "id": new_id(),
        "party_id": party_id,
        "nonce": nonce,
        "fingerprint": fingerprint,
        "signed_at": signed_at,
        "expires_at": signed_at + timedelta(seconds=window_seconds),
        "used_at": clock.now(),
    }
    dialect = session.get_bind().dialect.name
    table = cast(Table, UsedNonce.__table__)  # the Core table: a plain INSERT .. RETURNING
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = (
        insert.values(**values)
        .on_conflict_do_nothing(index_elements=["party_id", "nonce"])
        .returning(table.c.id)
    )
    return session.execute(statement).first() is not None


def purge_nonces(session: Session, *, now: datetime | None = None) -> int:
    """Forget nonces whose signing time left the window (a replay of them fails on time)."""
    result = session.execute(delete(UsedNonce).where(UsedNonce.expires_at < (now or clock.now())))
    return int(getattr(result, "rowcount", 0) or 0)
