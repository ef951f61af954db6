"""Verifying a submission's signature: the functions the declaration submit path calls.

Both entry points run the same checks, in this order, and raise the first failure:

1. the signature's shape (400 malformed, 422 unsupported algorithm);
2. the certificate is registered (422 ``certificate_unknown``) and the algorithm fits its key
   (422 ``signature_algorithm_mismatch``);
3. it belongs to one of ``allowed_owner_codes`` — the declarant and the brokers it mandated
   (403 ``certificate_not_owned``);
4. it is not revoked, neither on the certificate nor on the revocation list (403);
5. it is valid now and at the signing time (403 ``certificate_expired`` / ``_not_yet_valid``);
6. the signing time is within ``settings.signature_window_seconds`` of the clock (422);
7. the signature verifies over the canonical bytes (422 ``signature_invalid``);
8. the nonce was not used before by the certificate's owner (409 ``signature_replayed``).

Only step 8 writes (one ``signing_nonce`` row); it runs in the caller's transaction, so a
submission that fails later and rolls back leaves its nonce unused.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.settings import Settings
from singlewindow.signing import decsign, service
from singlewindow.signing import errors as err
from singlewindow.signing.algorithms import ALGORITHM_FOR_KEY, Algorithm, KeyType, verify_bytes
from singlewindow.signing.canonical import signing_input
from singlewindow.signing.envelope import parse_envelope


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """A verified signature: who signed, with which certificate, when."""

    fingerprint: str
    owner_code: str  # party code of the certificate's owner (declarant or mandated broker)
    certificate_id: str
    algorithm: Algorithm
    signed_at: datetime
    nonce: str

    def as_dict(self) -> dict[str, str]:
        return {
            "fingerprint": self.fingerprint,
            "owner_code": self.owner_code,
            "algorithm": self.algorithm.value,
            "signed_at": self.signed_at.isoformat(),
            "nonce": self.nonce,
        }


@dataclass(frozen=True, slots=True)
class _Paths:
    certificate: str
    algorithm: str
    signed_at: str
    nonce: str
    value: str


@dataclass(frozen=True, slots=True)
class _Claim:
    fingerprint: str
    algorithm: Algorithm | None  # None: the certificate's algorithm (DecSign has no field)
    signed_at: datetime
    nonce: str
    value: bytes
    signed_bytes: bytes
    paths: _Paths


def signature_required(settings: Settings, doc_type: str) -> bool:
    """Whether ``doc_type`` must be signed (``SW_SIGNATURE_REQUIRED``; ``*`` means every type)."""
    required = settings.signature_required
    return "*" in required or doc_type in required


def verify_json_signature(
    session: Session,
    *,
    document: Any,
    signature: Any,
    allowed_owner_codes: Collection[str],
    settings: Settings,
    path: str = "/signature",
) -> SignatureCheck:
    """Verify a detached JSON signature envelope over ``document`` (the declaration exactly as
    the trader sent it, before any normalisation). Raises as listed in the module docstring."""
    envelope = parse_envelope(signature, path)
    assert envelope.nonce is not None
    claim = _Claim(
        fingerprint=envelope.fingerprint,
        algorithm=envelope.algorithm,
        signed_at=envelope.signed_at,
        nonce=envelope.nonce,
        value=envelope.value,
        signed_bytes=signing_input("document", document, envelope.metadata()),
        paths=_Paths(
            *(f"{path}/{f}" for f in ("certificate", "algorithm", "signed_at", "nonce", "value"))
        ),
    )
    return _verify(session, claim, allowed_owner_codes, settings)


def verify_decmessage_signature(
    session: Session,
    *,
    xml_bytes: bytes,
    allowed_owner_codes: Collection[str],
    settings: Settings,
) -> SignatureCheck:
    """Verify the ``DecSign`` signature of DecMessage bytes (as received). Raises as listed in
    the module docstring; 422 ``signature_missing`` when the message has no ``Sign``."""
    read = decsign.read_claim(xml_bytes)
    base = decsign.BASE
    claim = _Claim(
        fingerprint=read.fingerprint,
        algorithm=None,
        signed_at=read.signed_at,
        nonce=read.nonce,
        value=read.value,
        signed_bytes=read.signed_bytes,
        paths=_Paths(
            f"{base}/Certificate", f"{base}/Certificate", f"{base}/SignDate",
            f"{base}/ClientSeqNo", f"{base}/Sign",
        ),
    )  # fmt: skip
    return _verify(session, claim, allowed_owner_codes, settings)


def check_json_submission(
    session: Session,
    *,
    doc_type: str,
    document: Any,
    signature: Any | None,
    allowed_owner_codes: Collection[str],
    settings: Settings,
    path: str = "/signature",
) -> SignatureCheck | None:
    """The submit-path policy for JSON: verify a signature when one is given; without one,
    422 ``signature_required`` if the document type needs it, else None."""
    if signature is None:
        if signature_required(settings, doc_type):
            raise err.required(path, doc_type)
        return None
    return verify_json_signature(
        session,
        document=document,
        signature=signature,
        allowed_owner_codes=allowed_owner_codes,
        settings=settings,
        path=path,
    )


def check_decmessage_submission(
    session: Session,
    *,
    xml_bytes: bytes,
    allowed_owner_codes: Collection[str],
    settings: Settings,
    doc_type: str = "goods_declaration",
) -> SignatureCheck | None:
    """The submit-path policy for DecMessage XML, like ``check_json_submission``."""
    if not decsign.has_signature(xml_bytes):
        if signature_required(settings, doc_type):
            raise err.required(f"{decsign.BASE}/Sign", doc_type)
        return None
    return verify_decmessage_signature(
        session, xml_bytes=xml_bytes, allowed_owner_codes=allowed_owner_codes, settings=settings
    )


def _verify(
    session: Session, claim: _Claim, allowed_owner_codes: Collection[str], settings: Settings
) -> SignatureCheck:
    paths = claim.paths
    cert = service.get_certificate(session, claim.fingerprint)
    if cert is None:
        raise err.certificate_unknown(paths.certificate, claim.fingerprint)
    expected = ALGORITHM_FOR_KEY[KeyType(cert.algorithm)]
    if claim.algorithm is not None and claim.algorithm is not expected:
        raise err.algorithm_mismatch(paths.algorithm, claim.algorithm.value, cert.algorithm)
    if cert.party_code not in allowed_owner_codes:
        raise err.not_owned(paths.certificate, cert.fingerprint)
    if cert.revoked_at is not None:
        raise err.revoked(paths.certificate, cert.fingerprint, cert.revocation_reason or "")
    entry = service.revocation_entry(session, cert.fingerprint, cert.issuer, cert.serial)
    if entry is not None:
        raise err.revoked(paths.certificate, cert.fingerprint, entry.reason)
    now = clock.now()
    for moment in (now, claim.signed_at):
        if not cert.not_before <= moment <= cert.not_after:
            raise err.not_valid_at(
                paths.certificate, cert.fingerprint, expired=moment > cert.not_after
            )
    window = settings.signature_window_seconds
    if abs(now - claim.signed_at) > timedelta(seconds=window):
        raise err.outside_window(paths.signed_at, window)
    if not verify_bytes(expected, bytes.fromhex(cert.public_key), claim.signed_bytes, claim.value):
        raise err.signature_invalid(paths.value)
    fresh = service.consume_nonce(
        session,
        party_id=cert.party_id,
        nonce=claim.nonce,
        fingerprint=cert.fingerprint,
        signed_at=claim.signed_at,
        window_seconds=window,
    )
    if not fresh:
        raise err.replayed(paths.nonce)
    return SignatureCheck(
        fingerprint=cert.fingerprint,
        owner_code=cert.party_code,
        certificate_id=cert.id,
        algorithm=expected,
        signed_at=claim.signed_at,
        nonce=claim.nonce,
    )
