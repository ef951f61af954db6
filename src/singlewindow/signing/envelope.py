"""The detached-signature envelope of JSON submissions and receipts: strict parsing.

``{"certificate", "algorithm", "signed_at", "nonce", "value"}``; see docs/signing.md. Every
problem is a bilingual 400/422 naming the field (``/signature/<field>``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from singlewindow.signing import errors as err
from singlewindow.signing.algorithms import SIGNATURE_BYTES, Algorithm
from singlewindow.signing.certificates import (
    PEM_CERTIFICATE,
    load_certificate,
    normalise_fingerprint,
)

ENVELOPE_FIELDS = ("certificate", "algorithm", "signed_at", "nonce", "value")
RECEIPT_FIELDS = ("certificate", "algorithm", "signed_at", "value")
MAX_HEADER_CHARS = 32 * 1024

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}", re.ASCII)


@dataclass(frozen=True, slots=True)
class Envelope:
    fingerprint: str
    algorithm: Algorithm
    signed_at_text: str
    signed_at: datetime
    nonce: str | None
    value: bytes

    def metadata(self) -> dict[str, str]:
        """What is signed next to the content (all but ``value``)."""
        meta = {
            "algorithm": self.algorithm.value,
            "certificate": self.fingerprint,
            "signed_at": self.signed_at_text,
        }
        if self.nonce is not None:
            meta["nonce"] = self.nonce
        return meta


def parse_envelope(raw: Any, path: str = "/signature", *, receipt: bool = False) -> Envelope:
    """A checked envelope; 400 ``signature_malformed`` / 422 ``signature_algorithm_unsupported``."""
    fields = RECEIPT_FIELDS if receipt else ENVELOPE_FIELDS
    if not isinstance(raw, dict):
        raise err.malformed(path, "the signature must be a JSON object", "签名必须是 JSON 对象")
    for key in raw:
        if key not in fields:
            shown = str(key)[:40]
            raise err.malformed(f"{path}/{shown}", "unknown signature field", "未定义的签名字段")
    for key in fields:
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise err.malformed(
                f"{path}/{key}", "required, as a non-empty string", "必填，且须为非空字符串"
            )
    algorithm = _algorithm(raw["algorithm"], f"{path}/algorithm")
    signed_at_text, signed_at = raw["signed_at"], parse_rfc3339(raw["signed_at"])
    if signed_at is None:
        raise err.malformed(
            f"{path}/signed_at",
            "must be an RFC 3339 date-time with a UTC offset, e.g. 2026-05-01T08:00:00Z",
            "须为带时区偏移的 RFC 3339 日期时间，如 2026-05-01T08:00:00Z",
        )
    nonce = None if receipt else raw["nonce"]
    if nonce is not None and not _NONCE.fullmatch(nonce):
        raise err.malformed(
            f"{path}/nonce",
            "must be 16 to 128 characters of A-Z, a-z, 0-9, '-' and '_'",
            "须为 16 至 128 个字符，仅限 A-Z、a-z、0-9、'-' 和 '_'",
        )
    return Envelope(
        fingerprint=certificate_reference(raw["certificate"], f"{path}/certificate"),
        algorithm=algorithm,
        signed_at_text=signed_at_text,
        signed_at=signed_at,
        nonce=nonce,
        value=decode_value(raw["value"], f"{path}/value"),
    )


def _algorithm(value: str, path: str) -> Algorithm:
    try:
        return Algorithm(value)
    except ValueError:
        raise err.unsupported_algorithm(path, value) from None


def parse_rfc3339(text: str) -> datetime | None:
    if not _RFC3339.fullmatch(text):
        return None
    try:
        # Python 3.11 reads "Z" and up to 6 fractional digits; longer fractions are cut.
        head, dot, rest = text.partition(".")
        if dot:
            digits = re.match(r"\d+", rest)
            assert digits is not None
            text = f"{head}.{digits.group()[:6]}{rest[digits.end() :]}"
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def certificate_reference(value: str, path: str) -> str:
    """The fingerprint named by a ``certificate`` field: hex SHA-256 or a PEM certificate."""
    if value.lstrip().startswith(PEM_CERTIFICATE):
        return load_certificate(value, path).fingerprint
    fingerprint = normalise_fingerprint(value)
    if fingerprint is None:
        raise err.malformed(
            path,
            "must be the certificate's SHA-256 fingerprint (64 hex digits) or its PEM",
            "须为证书的 SHA-256 指纹(64 位十六进制)或 PEM 格式证书",
        )
    return fingerprint


def decode_value(text: str, path: str) -> bytes:
    """The 64-byte ``r || s`` from standard base64 (whitespace, as in wrapped XML, ignored)."""
    try:
        value = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise err.malformed(
            path, "not valid base64 (RFC 4648 §4)", "不是有效的 base64 编码(RFC 4648 §4)"
        ) from None
    if len(value) != SIGNATURE_BYTES:
        raise err.malformed(
            path,
            f"a signature value is {SIGNATURE_BYTES} bytes (r || s), not {len(value)}",
            f"签名值应为 {SIGNATURE_BYTES} 字节(r || s)，实际为 {len(value)} 字节",
        )
    return value


def envelope_from_header(value: str, path: str = "header:SW-Signature") -> dict[str, Any]:
    """The envelope carried in an HTTP header as base64url(JSON), padding optional."""
    if len(value) > MAX_HEADER_CHARS:
        raise err.malformed(path, "the header is too long", "签名头过长")
    try:
        text = value.strip()
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        envelope = json.loads(raw)
    except (binascii.Error, ValueError):
        raise err.malformed(
            path,
            "must be base64url of the JSON signature object",
            "须为签名 JSON 对象的 base64url 编码",
        ) from None
    if not isinstance(envelope, dict):
        raise err.malformed(path, "must encode a JSON object", "须编码为 JSON 对象")
    return envelope


def encode_header(envelope: dict[str, Any]) -> str:
    """base64url (no padding) of the compact JSON envelope: the ``SW-Signature`` header value."""
    raw = json.dumps(envelope, separators=(",", ":"), ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
