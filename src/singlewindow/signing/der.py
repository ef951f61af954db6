"""A minimal, strict DER reader: just enough to take an SM2 public key out of a certificate.

``cryptography`` parses the structure of an SM2 certificate (subject, issuer, serial,
validity) but refuses to build its public key, because OpenSSL's EC layer in ``cryptography``
does not expose the SM2 curve. The key is read here from the certificate's
``SubjectPublicKeyInfo`` instead, and from PKCS#8 / SEC 1 private keys for the signing helper.
Only definite-length DER is accepted; anything else is ``DerError``.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQUENCE = 0x30
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
OID = 0x06
CONTEXT_0 = 0xA0
CONTEXT_1 = 0xA1


class DerError(ValueError):
    """The bytes are not the DER structure that was expected."""


@dataclass(frozen=True, slots=True)
class Tlv:
    tag: int
    value: bytes


def read_one(data: bytes) -> Tlv:
    """The single TLV that ``data`` must consist of (no trailing bytes)."""
    tlv, end = _read(data, 0)
    if end != len(data):
        raise DerError("trailing bytes after DER value")
    return tlv


def children(value: bytes) -> list[Tlv]:
    """The TLVs inside a constructed value, in order."""
    items = []
    offset = 0
    while offset < len(value):
        tlv, offset = _read(value, offset)
        items.append(tlv)
    return items


def expect(tlv: Tlv, tag: int) -> bytes:
    if tlv.tag != tag:
        raise DerError(f"expected tag 0x{tag:02x}, found 0x{tlv.tag:02x}")
    return tlv.value


def oid_text(value: bytes) -> str:
    """Dotted text of an OBJECT IDENTIFIER's contents."""
    if not value or value[-1] & 0x80:
        raise DerError("truncated object identifier")
    arcs: list[int] = []
    current = 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


def unsigned(value: bytes) -> int:
    """A non-negative INTEGER's contents."""
    if not value or value[0] & 0x80:
        raise DerError("expected a non-negative integer")
    return int.from_bytes(value, "big")


def _read(data: bytes, offset: int) -> tuple[Tlv, int]:
    if offset + 2 > len(data):
        raise DerError("truncated DER header")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used here")
    first = data[offset + 1]
    offset += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise DerError("indefinite or oversized length")
        if offset + count > len(data):
            raise DerError("truncated DER length")
        length = int.from_bytes(data[offset : offset + count], "big")
        if length < 0x80 or data[offset] == 0:
            raise DerError("non-minimal DER length")
        offset += count
    end = offset + length
    if end > len(data):
        raise DerError("DER value runs past the end of the input")
    return Tlv(tag, data[offset:end]), end
