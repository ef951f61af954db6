"""Reading X.509 signing certificates: key type, identity, validity, and any USCC they carry.

ECDSA P-256 certificates are read entirely by ``cryptography``. SM2 certificates are read by
``cryptography`` too, except the public key (its EC layer has no SM2 curve), which is taken
from the ``SubjectPublicKeyInfo`` with the small DER reader and checked to lie on the curve.
The issuer's signature on a certificate is not verified (there is no trust-anchor list yet):
a certificate is trusted because an authenticated party registered it, see docs/signing.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID
from stdnum.cn import uscc as stdnum_uscc

from singlewindow.kit.errors import SingleWindowError
from singlewindow.signing import der, sm2
from singlewindow.signing import errors as err
from singlewindow.signing.algorithms import KeyType

EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"
SM2_CURVE_OID = "1.2.156.10197.1.301"
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
MAX_CERTIFICATE_BYTES = 16 * 1024

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_USCC_CANDIDATE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


@dataclass(frozen=True, slots=True)
class ParsedCertificate:
    pem: str
    fingerprint: str  # SHA-256 of the DER, lower-case hex
    key_type: KeyType
    public_key: bytes  # uncompressed point 04 || x || y
    subject: str  # RFC 4514
    issuer: str  # RFC 4514
    serial: str  # lower-case hex, no leading zeros
    not_before: datetime
    not_after: datetime
    usccs: frozenset[str]  # valid USCCs found in the subject or subjectAltName


def normalise_fingerprint(text: str) -> str | None:
    """Lower-case hex SHA-256 fingerprint from ``ab:cd:...`` or plain hex; None if not one."""
    value = text.strip().replace(":", "").replace(" ", "").lower()
    return value if _FINGERPRINT.fullmatch(value) else None


def normalise_serial(text: str) -> str | None:
    """Lower-case hex serial without leading zeros from ``0x..``, ``ab:cd`` or plain hex."""
    value = text.strip().lower().replace(":", "").replace(" ", "")
    value = value.removeprefix("0x")
    if not value or len(value) > 64 or not re.fullmatch(r"[0-9a-f]+", value):
        return None
    return value.lstrip("0") or "0"


def load_certificate(data: str | bytes, path: str = "/pem") -> ParsedCertificate:
    """Parse one certificate (PEM text or DER bytes). Raises 400 ``certificate_malformed`` or
    422 ``certificate_algorithm_unsupported``."""
    cert = _load(data, path)
    try:
        key_type, public_key = _public_key(cert, path)
        serial = cert.serial_number
        if serial < 0:
            raise err.certificate_malformed(path, "negative serial number")
        return ParsedCertificate(
            pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
            key_type=key_type,
            public_key=public_key,
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            serial=f"{serial:x}",
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            usccs=frozenset(_usccs(cert)),
        )
    except SingleWindowError:
        raise
    except (ValueError, TypeError) as exc:  # lazily parsed fields, e.g. a broken extension
        raise err.certificate_malformed(path, str(exc)[:200]) from None


def _load(data: str | bytes, path: str) -> x509.Certificate:
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise err.certificate_malformed(path, f"larger than {MAX_CERTIFICATE_BYTES} bytes")
    try:
        if isinstance(data, str):
            if data.count(PEM_CERTIFICATE) != 1:
                raise err.certificate_malformed(path, "expected exactly one PEM CERTIFICATE block")
            return x509.load_pem_x509_certificate(data.encode("ascii"))
        if data.lstrip().startswith(PEM_CERTIFICATE.encode()):
            return _load(data.decode("ascii"), path)
        return x509.load_der_x509_certificate(data)
    except SingleWindowError:
        raise
    except (ValueError, TypeError, UnicodeError) as exc:
        raise err.certificate_malformed(path, str(exc)[:200]) from None


def _public_key(cert: x509.Certificate, path: str) -> tuple[KeyType, bytes]:
    try:
        key = cert.public_key()
    except UnsupportedAlgorithm:
        return KeyType.SM2, _sm2_public_key(cert, path)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise err.unsupported_key(path, f"this certificate has a {type(key).__name__} key")
    if not isinstance(key.curve, ec.SECP256R1):
        raise err.unsupported_key(path, f"this certificate's curve is {key.curve.name}")
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return KeyType.ECDSA_P256, point


def _sm2_public_key(cert: x509.Certificate, path: str) -> bytes:
    """The SM2 point from the TBSCertificate's SubjectPublicKeyInfo (RFC 5280 §4.1)."""
    try:
        fields = der.children(der.expect(der.read_one(cert.tbs_certificate_bytes), der.SEQUENCE))
        if fields and fields[0].tag == der.CONTEXT_0:
            fields = fields[1:]  # explicit version
        spki = der.children(der.expect(fields[5], der.SEQUENCE))
        algorithm = der.children(der.expect(spki[0], der.SEQUENCE))
        key_oid = der.oid_text(der.expect(algorithm[0], der.OID))
        curve_oid = der.oid_text(der.expect(algorithm[1], der.OID)) if len(algorithm) > 1 else ""
        bits = der.expect(spki[1], der.BIT_STRING)
    except (der.DerError, IndexError) as exc:
        raise err.certificate_malformed(path, f"subjectPublicKeyInfo: {exc}") from None
    if key_oid != EC_PUBLIC_KEY_OID or curve_oid != SM2_CURVE_OID:
        raise err.unsupported_key(path, f"key {key_oid} on curve {curve_oid or 'none'}")
    if len(bits) != 66 or bits[0] != 0 or bits[1] != 4:
        raise err.unsupported_key(path, "SM2 keys must be uncompressed points (04 || x || y)")
    try:
        sm2.split_point(bits[1:])
    except ValueError as exc:
        raise err.certificate_malformed(path, str(exc)) from None
    return bits[1:]


def _usccs(cert: x509.Certificate) -> set[str]:
    """USCCs in any subject attribute (serialNumber, O, OU, CN, organizationIdentifier...)
    or subjectAltName entry (directory names, other names)."""
    texts = [a.value for a in cert.subject if isinstance(a.value, str)]
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        san = None
    if isinstance(san, x509.SubjectAlternativeName):
        for name in san.get_values_for_type(x509.DirectoryName):
            texts += [a.value for a in name if isinstance(a.value, str)]
        for other in san.get_values_for_type(x509.OtherName):
            texts.append(other.value.decode("latin-1"))
        texts += san.get_values_for_type(x509.UniformResourceIdentifier)
    found = set()
    for text in texts:
        for candidate in _USCC_CANDIDATE.findall(text.upper()):
            if stdnum_uscc.is_valid(candidate):
                found.add(candidate)
    return found
