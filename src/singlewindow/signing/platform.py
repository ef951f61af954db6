"""The platform's own signing key: signed receipts a trader can check later.

The key is ECDSA P-256. It is read from ``settings.signing_key_file`` when that setting exists
and is set; otherwise it lives in ``<data_dir>/signing/platform-key.pem`` and is created there on
first use (mode 0600, created atomically so that several API processes starting together end
up with one key). The certificate is self-signed, kept beside the key (or read from
``settings.signing_cert_file``), renewed 30 days before it expires, and every certificate the
platform ever used is kept in ``<data_dir>/signing/platform-certs/`` so that old receipts stay
verifiable.

A signed receipt is the receipt object plus a ``platform_signature`` member: the envelope of
docs/signing.md without a nonce, over the RFC 8785 bytes of ``{"receipt": <receipt without
platform_signature>, "algorithm", "certificate", "signed_at"}``.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from singlewindow.kit import clock
from singlewindow.kit.errors import BadRequest, Finding, SingleWindowError, ValidationFailed
from singlewindow.kit.settings import Settings
from singlewindow.signing import errors as err
from singlewindow.signing.algorithms import Algorithm, sign_es256, verify_bytes
from singlewindow.signing.canonical import signing_input
from singlewindow.signing.certificates import ParsedCertificate, load_certificate
from singlewindow.signing.envelope import parse_envelope

SIGNATURE_KEY = "platform_signature"
CERTIFICATE_DAYS = 5 * 365
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    fingerprint: str
    signed_at: datetime


def rfc3339(moment: datetime) -> str:
    """``2026-05-01T08:00:00.123Z``: UTC, milliseconds."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PlatformSigner:
    """The platform key and its certificates (current and past)."""

    def __init__(self, settings: Settings) -> None:
        folder = settings.data_dir / "signing"
        configured_key: Path | None = getattr(settings, "signing_key_file", None)
        configured_cert: Path | None = getattr(settings, "signing_cert_file", None)
        self.key_file = configured_key or folder / "platform-key.pem"
        self.cert_file = configured_cert or folder / "platform-cert.pem"
        self.archive = folder / "platform-certs"
        self.node_name = settings.node_name
        self.node_code = settings.node_code
        self._lock = threading.Lock()
        self._known: dict[str, ParsedCertificate] = {}
        self.key = self._load_key(create=configured_key is None)
        self.certificate = self._load_certificate()

    # --- signing -------------------------------------------------------------------------

    def sign_receipt(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` (JSON values only) plus its ``platform_signature``."""
        if SIGNATURE_KEY in payload:
            raise ValueError(f"the payload already has a {SIGNATURE_KEY!r} member")
        now = clock.now()
        if now > self.certificate.not_after - RENEW_BEFORE:
            with self._lock:
                self.certificate = self._load_certificate()
        meta = {
            "algorithm": Algorithm.ES256.value,
            "certificate": self.certificate.fingerprint,
            "signed_at": rfc3339(now),
        }
        try:
            data = signing_input("receipt", payload, meta)
        except SingleWindowError as exc:  # a caller's bug, not the trader's input
            raise ValueError(exc.message) from exc
        value = base64.b64encode(sign_es256(self.key, data)).decode("ascii")
        return {**payload, SIGNATURE_KEY: {**meta, "value": value}}

    def verify_receipt(self, receipt: Any) -> ReceiptCheck:
        """Check a signed receipt. 400 malformed; 422 ``signature_missing``,
        ``certificate_unknown`` (not a platform certificate), ``signature_invalid``."""
        base = f"/{SIGNATURE_KEY}"
        if not isinstance(receipt, dict):
            en, zh = "A receipt must be a JSON object", "回执必须是 JSON 对象"
            raise BadRequest(
                en, zh, code="receipt_malformed", findings=[Finding("/", "type", en, zh)]
            )
        if SIGNATURE_KEY not in receipt:
            raise err.missing(base)
        envelope = parse_envelope(receipt[SIGNATURE_KEY], base, receipt=True)
        if envelope.algorithm is not Algorithm.ES256:
            raise err.algorithm_mismatch(
                f"{base}/algorithm", envelope.algorithm.value, "ecdsa-p256"
            )
        cert = self.known_certificate(envelope.fingerprint)
        if cert is None:
            raise err.certificate_unknown(f"{base}/certificate", envelope.fingerprint)
        if not cert.not_before <= envelope.signed_at <= cert.not_after:
            raise err.not_valid_at(
                f"{base}/signed_at",
                cert.fingerprint,
                expired=envelope.signed_at > cert.not_after,
                cls=ValidationFailed,
            )
        content = {k: v for k, v in receipt.items() if k != SIGNATURE_KEY}
        data = signing_input("receipt", content, envelope.metadata())
        if not verify_bytes(Algorithm.ES256, cert.public_key, data, envelope.value):
            raise err.signature_invalid(f"{base}/value")
        return ReceiptCheck(envelope.fingerprint, envelope.signed_at)

    def known_certificate(self, fingerprint: str) -> ParsedCertificate | None:
        if fingerprint not in self._known:
            path = self.archive / f"{fingerprint}.pem"
            if path.is_file():
                cert = load_certificate(path.read_text("ascii"), "/platform")
                if cert.fingerprint == fingerprint:
                    self._known[fingerprint] = cert
        return self._known.get(fingerprint)

    # --- key and certificate files ------------------------------------------------------

    def _load_key(self, *, create: bool) -> ec.EllipticCurvePrivateKey:
        if not self.key_file.exists():
            if not create:
                raise RuntimeError(f"platform signing key {self.key_file} does not exist")
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _create_exclusive(self.key_file, pem, 0o600)  # loses to a concurrent creator
        loaded = serialization.load_pem_private_key(self.key_file.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey) or not isinstance(
            loaded.curve, ec.SECP256R1
        ):
            raise RuntimeError(f"platform signing key {self.key_file} is not an ECDSA P-256 key")
        return loaded

    def _load_certificate(self) -> ParsedCertificate:
        own_point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        now = clock.now()
        for _attempt in range(3):
            if self.cert_file.exists():
                cert = load_certificate(self.cert_file.read_text("ascii"), "/platform")
                usable = cert.public_key == own_point and cert.not_before <= now
                if usable and now <= cert.not_after - RENEW_BEFORE:
                    self._remember(cert)
                    return cert
                fresh = self._new_certificate(now)
                self._remember(fresh)  # archived before first use: its receipts stay verifiable
                _replace(self.cert_file, fresh.pem.encode(), 0o644)
                return fresh
            fresh = self._new_certificate(now)
            if _create_exclusive(self.cert_file, fresh.pem.encode(), 0o644):
                self._remember(fresh)
                return fresh
            # Another process created the first certificate meanwhile: use theirs.
        raise RuntimeError(f"could not settle the platform certificate {self.cert_file}")

    def _remember(self, cert: ParsedCertificate) -> None:
        path = self.archive / f"{cert.fingerprint}.pem"
        if not path.exists():
            _create_exclusive(path, cert.pem.encode(), 0o644)
        self._known[cert.fingerprint] = cert

    def _new_certificate(self, now: datetime) -> ParsedCertificate:
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"Single Window receipts {self.node_code}"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.node_name[:64]),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=CERTIFICATE_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        cert = builder.sign(self.key, hashes.SHA256())
        return load_certificate(cert.public_bytes(serialization.Encoding.PEM).decode(), "/platform")


def _create_exclusive(path: Path, data: bytes, mode: int) -> bool:
    """Write ``path`` only if it does not exist, atomically (complete file or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    _write_new(temporary, data, mode)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _replace(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    _write_new(temporary, data, mode)
    os.replace(temporary, path)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_signers: dict[tuple[str, str, str], PlatformSigner] = {}
_signers_lock = threading.Lock()


def platform_signer(settings: Settings) -> PlatformSigner:
    """The process's signer for these settings (loaded or created once)."""
    key = (
        str(settings.data_dir.resolve()),
        str(getattr(settings, "signing_key_file", None)),
        str(getattr(settings, "signing_cert_file", None)),
    )
    with _signers_lock:
        if key not in _signers:
            _signers[key] = PlatformSigner(settings)
        return _signers[key]


def sign_receipt(payload: dict[str, Any], *, settings: Settings) -> dict[str, Any]:
    """``payload`` with the platform's detached signature under ``platform_signature``.
    ``payload`` must hold JSON values only (e.g. ``model.model_dump(mode="json")``)."""
    return platform_signer(settings).sign_receipt(payload)


def verify_receipt(receipt: Any, *, settings: Settings) -> ReceiptCheck:
    return platform_signer(settings).verify_receipt(receipt)
