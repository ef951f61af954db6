"""Signed webhooks: ``X-SW-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

import httpx

SIGNATURE = "X-SW-Signature"
TIMESTAMP = "X-SW-Timestamp"
MESSAGE_ID = "X-SW-Message-Id"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(
    secret: str, message_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        MESSAGE_ID: message_id,
        TIMESTAMP: timestamp,
        SIGNATURE: sign(secret, timestamp, body),
    }


def verify_webhook_signature(
    secret: str, headers: Mapping[str, str], body: bytes, tolerance_s: float = 300.0
) -> bool:
    """For receivers: is this request from the platform, and recent (replay protection)?"""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get(TIMESTAMP.lower(), "")
    given = lower.get(SIGNATURE.lower(), "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    return any(
        hmac.compare_digest(expected, part.strip()) for part in given.split(",") if part.strip()
    )


async def post(
    client: httpx.AsyncClient, url: str, secret: str, message_id: str, body: bytes
) -> str | None:
    """POSTs one envelope; ``None`` on a 2xx answer, else the reason it failed."""
    try:
        response = await client.post(
            url, content=body, headers=signed_headers(secret, message_id, body)
        )
    except httpx.TimeoutException:
        return "timeout"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"
