"""Trader-side signing: what ``singlewindow cert sign`` does, usable from code and tests.

It produces exactly what ``verify`` checks: a JSON envelope over a declaration document, or a
DecMessage with its ``DecSign`` filled in. Private keys are PEM: ECDSA P-256 through
``cryptography`` (PKCS#8 or SEC 1), SM2 through the DER reader (unencrypted PKCS#8 or SEC 1).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from singlewindow.kit import clock
from singlewindow.signing import decsign, der, sm2
from singlewindow.signing.algorithms import ALGORITHM_FOR_KEY, Algorithm, sign_es256
from singlewindow.signing.canonical import exclusive_c14n, signing_input
from singlewindow.signing.certificates import SM2_CURVE_OID, ParsedCertificate, load_certificate
from singlewindow.signing.platform import rfc3339

_PEM_KEY = re.compile(
    r"-----BEGIN (EC |SM2 |)PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1PRIVATE KEY-----"
)


@dataclass(frozen=True, slots=True)
class SigningKey:
    algorithm: Algorithm
    public_key: bytes  # 04 || x || y
    ecdsa: ec.EllipticCurvePrivateKey | None = None
    sm2_private: int | None = None

    def sign(self, data: bytes) -> bytes:
        if self.ecdsa is not None:
            return sign_es256(self.ecdsa, data)
        assert self.sm2_private is not None
        return sm2.sign(self.sm2_private, data)


def ecdsa_key(key: ec.EllipticCurvePrivateKey) -> SigningKey:
    if not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"ES256 needs a P-256 key, not {key.curve.name}")
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return SigningKey(Algorithm.ES256, point, ecdsa=key)


def sm2_key(private: int) -> SigningKey:
    return SigningKey(Algorithm.SM2_SM3, b"\x04" + sm2.public_key_of(private), sm2_private=private)


def load_private_key(pem: bytes) -> SigningKey:
    """A P-256 or SM2 private key from unencrypted PEM; ``ValueError`` otherwise."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except UnsupportedAlgorithm:
        return sm2_key(_sm2_private(pem))
    except (ValueError, TypeError) as exc:
        try:
            return sm2_key(_sm2_private(pem))
        except ValueError:
            raise ValueError(f"not a readable unencrypted private key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"only ECDSA P-256 and SM2 keys can sign, not {type(key).__name__}")
    return ecdsa_key(key)


def _sm2_private(pem: bytes) -> int:
    match = _PEM_KEY.search(pem.decode("ascii", errors="replace"))
    if match is None:
        raise ValueError("no PRIVATE KEY, EC PRIVATE KEY or SM2 PRIVATE KEY PEM block")
    try:
        data = base64.b64decode("".join(match.group(2).split()), validate=True)
        outer = der.children(der.expect(der.read_one(data), der.SEQUENCE))
        if match.group(1):  # SEC 1 ECPrivateKey ("EC"/"SM2" label), the curve in [0]
            ec_key, curve = outer, _curve_of(outer)
        else:  # PKCS#8 PrivateKeyInfo
            algorithm = der.children(der.expect(outer[1], der.SEQUENCE))
            curve = der.oid_text(der.expect(algorithm[1], der.OID))
            inner = der.expect(outer[2], der.OCTET_STRING)
            ec_key = der.children(der.expect(der.read_one(inner), der.SEQUENCE))
        private = int.from_bytes(der.expect(ec_key[1], der.OCTET_STRING), "big")
    except (der.DerError, IndexError, ValueError) as exc:
        raise ValueError(f"not an SM2 private key: {exc}") from None
    if curve != SM2_CURVE_OID:
        raise ValueError(f"the key's curve {curve} is neither P-256 nor SM2")
    return private


def _curve_of(ec_key: list[der.Tlv]) -> str:
    for item in ec_key[2:]:
        if item.tag == der.CONTEXT_0:
            return der.oid_text(der.expect(der.read_one(item.value), der.OID))
    return ""


def _checked(key: SigningKey, certificate_pem: str) -> ParsedCertificate:
    cert = load_certificate(certificate_pem, "/certificate")
    if cert.public_key != key.public_key:
        raise ValueError("the private key does not belong to the certificate")
    if ALGORITHM_FOR_KEY[cert.key_type] is not key.algorithm:
        raise ValueError("the key type does not match the certificate")
    return cert


def sign_document(
    document: Any,
    *,
    key: SigningKey,
    certificate_pem: str,
    signed_at: datetime | None = None,
    nonce: str | None = None,
    embed_certificate: bool = False,
) -> dict[str, str]:
    """The detached signature envelope for a JSON declaration ``document``."""
    cert = _checked(key, certificate_pem)
    meta = {
        "algorithm": key.algorithm.value,
        "certificate": cert.fingerprint,
        "signed_at": rfc3339(signed_at or clock.now()),
        "nonce": nonce or secrets.token_urlsafe(24),
    }
    value = key.sign(signing_input("document", document, meta))
    envelope = {**meta, "value": base64.b64encode(value).decode("ascii")}
    if embed_certificate:
        envelope["certificate"] = cert.pem
    return envelope


def sign_decmessage(
    xml_bytes: bytes,
    *,
    key: SigningKey,
    certificate_pem: str,
    signed_at: datetime | None = None,
) -> bytes:
    """The DecMessage with ``DecSign/Certificate``, ``SignDate`` and ``Sign`` filled in."""
    cert = _checked(key, certificate_pem)
    root = decsign.load_root(xml_bytes)
    block = decsign.sign_block(root)
    if block is None:
        raise ValueError("the DecMessage has no DecSign block (it holds ClientSeqNo)")
    if decsign.text_of(block, "ClientSeqNo") is None:
        raise ValueError("DecSign/ClientSeqNo is required to sign")
    decsign.place(block, "Certificate").text = cert.fingerprint
    decsign.place(block, "SignDate").text = decsign.format_sign_date(signed_at or clock.now())
    sign = decsign.place(block, "Sign")
    sign.text = ""
    value = key.sign(exclusive_c14n(root))
    sign.text = base64.b64encode(value).decode("ascii")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
