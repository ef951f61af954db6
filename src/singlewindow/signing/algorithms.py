"""Signature algorithms: ES256 (ECDSA P-256 + SHA-256) and SM2-SM3. Pure functions over bytes.

A signature value is always the 64-byte ``r || s`` (each big-endian, 32 bytes), the encoding
of JWS ES256 (RFC 7518 §3.4) and of GM/T 0009 when ASN.1 is not used; on the wire it is
standard base64. One fixed length means a malformed value is caught before any arithmetic.
"""

from __future__ import annotations

from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from singlewindow.signing import sm2

SIGNATURE_BYTES = 64


class Algorithm(StrEnum):
    """Signature algorithm names used on the wire."""

    ES256 = "ES256"
    SM2_SM3 = "SM2-SM3"


class KeyType(StrEnum):
    """Certificate key types the platform accepts."""

    ECDSA_P256 = "ecdsa-p256"
    SM2 = "sm2"


ALGORITHM_FOR_KEY = {KeyType.ECDSA_P256: Algorithm.ES256, KeyType.SM2: Algorithm.SM2_SM3}


def verify_bytes(algorithm: Algorithm, public_key: bytes, data: bytes, signature: bytes) -> bool:
    """True only when ``signature`` (``r || s``) is valid for ``data`` under ``public_key``
    (the uncompressed point ``04 || x || y``)."""
    if len(signature) != SIGNATURE_BYTES:
        return False
    if algorithm is Algorithm.SM2_SM3:
        return sm2.verify(public_key, data, signature)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return False
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_es256(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """``r || s`` of an ECDSA P-256 / SHA-256 signature."""
    if not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError("ES256 needs a P-256 key")
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
