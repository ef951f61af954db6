"""Per-recipient channel configuration (no row means the pull inbox)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.exchange.models import Channel
from singlewindow.kit import clock
from singlewindow.kit.errors import Finding, NotFound, ValidationFailed
from singlewindow.parties.service import find_party

KINDS = ("pull", "webhook", "nats")
MIN_SECRET = 16


@dataclass(frozen=True)
class ChannelConfig:
    recipient: str
    kind: str
    url: str | None = None
    secret: str | None = None


def channel_for(session: Session, recipient: str) -> ChannelConfig:
    row = session.get(Channel, recipient)
    if row is None:
        return ChannelConfig(recipient, "pull")
    return ChannelConfig(recipient, row.kind, row.url, row.secret)


def channels_for(session: Session, recipients: list[str]) -> dict[str, ChannelConfig]:
    rows = session.scalars(select(Channel).where(Channel.recipient.in_(recipients)))
    found = {r.recipient: ChannelConfig(r.recipient, r.kind, r.url, r.secret) for r in rows}
    return {code: found.get(code, ChannelConfig(code, "pull")) for code in recipients}


def _is_http_url(url: str | None) -> bool:
    try:
        parts = urlsplit(url or "")
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:  # e.g. "http://[::1" or "http://host:99999"
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _findings(kind: str, url: str | None, secret: str | None, exchange: str) -> list[Finding]:
    out = []
    if kind not in KINDS:
        out.append(
            Finding(
                "/kind", "invalid_kind", f"kind must be one of {', '.join(KINDS)}", "渠道类型无效"
            )
        )
    if kind == "webhook":
        if not _is_http_url(url):
            out.append(
                Finding(
                    "/url",
                    "invalid_url",
                    "webhook url must be http(s)://host/…",
                    "Webhook 地址必须为 http 或 https",
                )
            )
        if not secret or len(secret) < MIN_SECRET:
            out.append(
                Finding(
                    "/secret",
                    "weak_secret",
                    f"webhook secret needs at least {MIN_SECRET} characters",
                    f"Webhook 密钥至少需要 {MIN_SECRET} 个字符",
                )
            )
    if kind == "nats" and exchange != "nats":
        out.append(
            Finding(
                "/kind",
                "nats_unavailable",
                "this node runs the embedded exchange, not NATS",
                "本节点未使用 NATS 交换",
            )
        )
    return out


def set_channel(
    session: Session,
    recipient: str,
    *,
    kind: str,
    url: str | None,
    secret: str | None,
    actor: str,
    exchange: str,
) -> Channel:
    if find_party(session, recipient) is None:
        raise NotFound(
            f"Party {recipient} not found", f"未找到主体 {recipient}", code="party_not_found"
        )
    findings = _findings(kind, url, secret, exchange)
    if findings:
        raise ValidationFailed("Invalid channel", "交换渠道配置无效", findings=findings)
    row = session.get(Channel, recipient)
    if row is None:
        row = Channel(recipient=recipient)
        session.add(row)
    row.kind = kind
    row.url = url if kind == "webhook" else None
    row.secret = secret if kind == "webhook" else None
    row.updated_at = clock.now()
    row.updated_by = actor
    session.flush()
    return row
