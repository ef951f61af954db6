"""SM2 signatures (GB/T 32918.2) with SM3 (GB/T 32905) on the recommended curve (GB/T 32918.5).

The curve arithmetic is gmssl's (pure Python); everything around it is ours, because gmssl's
own signing helpers are not safe to use as they are:

- its random ``k`` comes from ``random.choice`` (not a CSPRNG): ``k`` is drawn with ``secrets``;
- its ``Z_A`` hard-codes the user ID and hashes hex text: ``Z_A`` (GB/T 32918.2 §5.5) is built
  here from bytes;
- its constructor removes a ``04`` prefix with ``str.lstrip`` (which also eats leading ``0``/``4``
  digits of ``x``): the key is assigned directly;
- it neither checks ``r, s ∈ [1, n-1]`` nor that the public key is on the curve: done here;
- a point at infinity inside its arithmetic raises: treated as "signature invalid".

SM3 is OpenSSL's (through ``cryptography``) when the build has it, else gmssl's. Both are
checked against the published vectors in ``tests/signing/test_sm2_vectors.py``. This module is
for *verifying* traders' signatures; pure-Python signing is not constant-time, so ``sign`` is
meant for tests and the trader-side CLI helper, never for a long-lived server key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from gmssl import sm2 as gmssl_sm2
from gmssl import sm3 as gmssl_sm3

DEFAULT_USER_ID = b"1234567812345678"  # GM/T 0009 default signer ID


@dataclass(frozen=True, slots=True)
class Curve:
    """Short Weierstrass curve y² = x³ + ax + b over F_p with base point G of order n."""

    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    def table(self) -> dict[str, str]:
        """The curve in gmssl's format (hex strings)."""
        return {
            "p": f"{self.p:064x}",
            "a": f"{self.a:064x}",
            "b": f"{self.b:064x}",
            "g": f"{self.gx:064x}{self.gy:064x}",
            "n": f"{self.n:064x}",
        }


# GB/T 32918.5-2017 §3 recommended 256-bit curve (sm2p256v1, OID 1.2.156.10197.1.301).
SM2P256V1 = Curve(
    p=0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF,
    a=0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFC,
    b=0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93,
    gx=0x32C4AE2C_1F198119_5F990446_6A39C994_8FE30BBF_F2660BE1_715A4589_334C74C7,
    gy=0xBC3736A2_F4F6779C_59BDCEE3_6B692153_D0A9877C_C62A4740_02DF32E5_2139F0A0,
    n=0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123,
)


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes)."""
    if _openssl_sm3():
        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize()
    return sm3_pure(data)


def sm3_pure(data: bytes) -> bytes:
    """gmssl's pure-Python SM3 (the fallback when OpenSSL lacks SM3)."""
    return bytes.fromhex(gmssl_sm3.sm3_hash(list(data)))


def _openssl_sm3() -> bool:
    from cryptography.hazmat.backends.openssl import backend

    return bool(backend.hash_supported(hashes.SM3()))


def on_curve(x: int, y: int, curve: Curve = SM2P256V1) -> bool:
    if not (0 <= x < curve.p and 0 <= y < curve.p):
        return False
    return (y * y - (x * x * x + curve.a * x + curve.b)) % curve.p == 0


def split_point(public: bytes, curve: Curve = SM2P256V1) -> tuple[int, int]:
    """(x, y) of a 64-byte ``x || y`` or 65-byte ``04 || x || y`` key; ValueError if off-curve."""
    if len(public) == 65 and public[0] == 4:
        public = public[1:]
    if len(public) != 64:
        raise ValueError("an SM2 public key is 64 bytes x||y (uncompressed)")
    x, y = int.from_bytes(public[:32], "big"), int.from_bytes(public[32:], "big")
    if not on_curve(x, y, curve):
        raise ValueError("the point is not on the SM2 curve")
    return x, y


def public_key_of(private: int, curve: Curve = SM2P256V1) -> bytes:
    """``x || y`` (64 bytes) of ``[d]G``."""
    if not 1 <= private <= curve.n - 2:
        raise ValueError("an SM2 private key is in [1, n-2]")
    return base_multiple(private, curve)


def base_multiple(k: int, curve: Curve = SM2P256V1) -> bytes:
    """``x || y`` of ``[k]G`` for ``1 <= k < n``."""
    if not 1 <= k < curve.n:
        raise ValueError("k must be in [1, n-1]")
    point = _engine(curve, public_hex="")._kg(k, curve.table()["g"])
    return bytes.fromhex(point)


def z_a(public: bytes, user_id: bytes = DEFAULT_USER_ID, curve: Curve = SM2P256V1) -> bytes:
    """Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2 §5.5)."""
    x, y = split_point(public, curve)
    bits = len(user_id) * 8
    if bits > 0xFFFF:
        raise ValueError("the SM2 user ID is longer than 8191 bytes")
    parts = [bits.to_bytes(2, "big"), user_id]
    parts += [v.to_bytes(32, "big") for v in (curve.a, curve.b, curve.gx, curve.gy, x, y)]
    return sm3(b"".join(parts))


def message_digest(
    message: bytes, public: bytes, user_id: bytes = DEFAULT_USER_ID, curve: Curve = SM2P256V1
) -> bytes:
    """e = SM3(Z_A || M)."""
    return sm3(z_a(public, user_id, curve) + message)


def sign(
    private: int,
    message: bytes,
    *,
    user_id: bytes = DEFAULT_USER_ID,
    curve: Curve = SM2P256V1,
    k: int | None = None,
) -> bytes:
    """``r || s`` (64 bytes). ``k`` is only for reproducing published vectors."""
    public = public_key_of(private, curve)
    e = message_digest(message, public, user_id, curve)
    engine = _engine(curve, public_hex=public.hex(), private=private)
    for _ in range(64):
        nonce = k if k is not None else secrets.randbelow(curve.n - 1) + 1
        result = engine.sign(e, f"{nonce:064x}")
        if result is not None:
            return bytes.fromhex(result)
        if k is not None:
            raise ValueError("this k gives r = 0 or r + k = n; choose another")
    raise RuntimeError("SM2 signing did not find a usable k")  # pragma: no cover


def verify(
    public: bytes,
    message: bytes,
    signature: bytes,
    *,
    user_id: bytes = DEFAULT_USER_ID,
    curve: Curve = SM2P256V1,
) -> bool:
    """True only for a valid ``r || s`` over ``message`` by ``public``."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < curve.n and 1 <= s < curve.n):
        return False
    try:
        x, y = split_point(public, curve)
    except ValueError:
        return False
    e = message_digest(message, public, user_id, curve)
    engine = _engine(curve, public_hex=f"{x:064x}{y:064x}")
    try:
        return bool(engine.verify(signature.hex(), e))
    except (TypeError, ValueError, IndexError):  # a point at infinity inside gmssl
        return False


def _engine(curve: Curve, *, public_hex: str, private: int | None = None) -> Any:
    engine = gmssl_sm2.CryptSM2(
        private_key=f"{private:064x}" if private is not None else "",
        public_key="",
        ecc_table=curve.table(),
    )
    engine.public_key = public_hex  # bypass gmssl's lstrip("04") on the constructor argument
    return engine
