"""Test PKI built at run time: a CA, ECDSA/RSA/Ed25519 leaf certificates, SM2 certificates.

No key material is stored in the repository; SM2 certificates are assembled with a small DER
writer (``cryptography`` cannot sign with SM2) and signed with the module under test's SM2.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from stdnum.cn import uscc as stdnum_uscc

from singlewindow.signing import sm2
from singlewindow.signing.signer import SigningKey, ecdsa_key, sm2_key


def valid_uscc(first17: str) -> str:
    return first17 + stdnum_uscc.calc_check_digit(first17)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Ca:
    key: ec.EllipticCurvePrivateKey
    name: x509.Name


def make_ca(cn: str = "Test Signing CA") -> Ca:
    return Ca(ec.generate_private_key(ec.SECP256R1()), x509.Name([_cn(cn)]))


def _cn(value: str) -> x509.NameAttribute:
    return x509.NameAttribute(NameOID.COMMON_NAME, value)


@dataclass
class Issued:
    pem: str
    key: SigningKey | None
    private_pem: bytes
    serial: int


def issue(
    ca: Ca,
    *,
    cn: str = "Trader signing key",
    uscc: str | None = None,
    uscc_in: str = "serialNumber",
    key: Any = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    serial: int | None = None,
) -> Issued:
    """A leaf certificate for ``key`` (default: a fresh P-256 key) issued by ``ca``."""
    key = key if key is not None else ec.generate_private_key(ec.SECP256R1())
    attrs = [_cn(cn)]
    if uscc and uscc_in == "serialNumber":
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc))
    if uscc and uscc_in == "O":
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"示例公司 {uscc}"))
    serial = serial or x509.random_serial_number()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(ca.name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before or now() - timedelta(days=1))
        .not_valid_after(not_after or now() + timedelta(days=365))
    )
    if uscc and uscc_in == "SAN":
        directory = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc)])
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DirectoryName(directory)]), critical=False
        )
    cert = builder.sign(ca.key, hashes.SHA256())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signing = (
        ecdsa_key(key)
        if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
        else None
    )
    return Issued(
        cert.public_bytes(serialization.Encoding.PEM).decode(), signing, private_pem, serial
    )


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


# --- SM2 certificates, assembled in DER -------------------------------------------------

SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM2_CURVE = "1.2.156.10197.1.301"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"


def _tlv(tag: int, body: bytes) -> bytes:
    if len(body) < 0x80:
        return bytes([tag, len(body)]) + body
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, body)


def _int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _time(moment: datetime) -> bytes:
    return _tlv(0x17, moment.astimezone(UTC).strftime("%y%m%d%H%M%SZ").encode())


@dataclass
class Sm2Issued:
    pem: str
    key: SigningKey
    private: int
    private_pem: bytes


def sm2_certificate(
    *,
    private: int | None = None,
    uscc: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    public_override: bytes | None = None,
) -> Sm2Issued:
    """A self-signed SM2 certificate (SM2-with-SM3 signature over the TBSCertificate)."""
    private = private or secrets.randbelow(sm2.SM2P256V1.n - 2) + 1
    public = public_override or b"\x04" + sm2.public_key_of(private)
    attrs = [_cn("SM2 trader key")]
    if uscc:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc))
    name = x509.Name(attrs).public_bytes()
    algorithm = _seq(_oid(SM2_WITH_SM3))
    spki = _seq(_seq(_oid(EC_PUBLIC_KEY), _oid(SM2_CURVE)), _tlv(0x03, b"\x00" + public))
    validity = _seq(
        _time(not_before or now() - timedelta(days=1)),
        _time(not_after or now() + timedelta(days=365)),
    )
    tbs = _seq(
        _tlv(0xA0, _int(2)), _int(x509.random_serial_number()), algorithm, name, validity, name,
        spki,
    )  # fmt: skip
    signature = sm2.sign(private, tbs)
    value = _seq(
        _int(int.from_bytes(signature[:32], "big")), _int(int.from_bytes(signature[32:], "big"))
    )
    der = _seq(tbs, algorithm, _tlv(0x03, b"\x00" + value))
    return Sm2Issued(_pem("CERTIFICATE", der), sm2_key(private), private, sm2_private_pem(private))


def sm2_private_pem(private: int) -> bytes:
    """PKCS#8 PrivateKeyInfo holding an SEC 1 ECPrivateKey on the SM2 curve."""
    public = b"\x04" + sm2.public_key_of(private)
    ec_key = _seq(
        _int(1), _tlv(0x04, private.to_bytes(32, "big")), _tlv(0xA1, _tlv(0x03, b"\x00" + public))
    )
    info = _seq(_int(0), _seq(_oid(EC_PUBLIC_KEY), _oid(SM2_CURVE)), _tlv(0x04, ec_key))
    return _pem("PRIVATE KEY", info).encode()


def _pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"
