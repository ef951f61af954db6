"""Per-recipient channel configuration (no row means the pull inbox)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.exchange.models import Channel
from singlewindow.kit import clock
from singlewindow.kit.cache import TtlCache, invalidate_when_changed
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


# Channel workers look a recipient's channel up for every batch they deliver. Changes through
# ``set_channel`` (ORM) drop the cache on commit in this process; another process of the node
# (``run --worker-process``, ``singlewindow worker``) sees a changed URL or secret within the
# TTL. The webhook allow-list is not cached: it is checked before every POST.
CHANNELS: TtlCache[ChannelConfig] = TtlCache()
invalidate_when_changed(Channel, CHANNELS)


def _load_channel(session: Session, recipient: str) -> ChannelConfig:
    row = session.get(Channel, recipient)
    if row is None:
        return ChannelConfig(recipient, "pull")
    return ChannelConfig(recipient, row.kind, row.url, row.secret)


def channel_for(session: Session, recipient: str) -> ChannelConfig:
    return CHANNELS.get_or_load(session, recipient, lambda: _load_channel(session, recipient))


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


def host_allowed(url: str, allowed: Sequence[str]) -> bool:
    """Whether a webhook URL's host is on the operator's allow-list (empty list: any host).

    An entry is a host name (``agency.example.cn``), a wildcard for its subdomains
    (``*.example.cn``, which does not match ``example.cn`` itself), an IP address or a CIDR
    network (``10.20.0.0/16``, ``::1``). Only the host *as written in the URL* is matched,
    names against names and IP literals against addresses and networks; names are never
    resolved. Resolving here would not protect anything: DNS can answer with a public address
    when the URL is checked and with an internal one when the worker connects (DNS
    rebinding), so the list must name what may be called, not what a name resolves to today.
    """
    if not allowed:
        return True
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in allowed:
        entry = raw.strip().rstrip(".").lower()
        if not entry:
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue  # a name entry never matches an IP literal
        elif entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def channel_findings(
    kind: str,
    url: str | None,
    secret: str | None,
    exchange: str,
    allowed_hosts: Sequence[str] = (),
) -> list[Finding]:
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
        elif not host_allowed(url or "", allowed_hosts):
            host = urlsplit(url or "").hostname
            out.append(
                Finding(
                    "/url",
                    "host_not_allowed",
                    f"webhook host {host} is not on this node's allow-list "
                    "(SW_WEBHOOK_ALLOWED_HOSTS); ask the platform operator",
                    f"Webhook 主机 {host} 不在本节点的允许列表中，请联系平台运营方",
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
    allowed_hosts: Sequence[str] = (),
) -> Channel:
    if find_party(session, recipient) is None:
        raise NotFound(
            f"Party {recipient} not found", f"未找到主体 {recipient}", code="party_not_found"
        )
    findings = channel_findings(kind, url, secret, exchange, allowed_hosts)
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
