"""Subscription actions (create, delete, resume) and event reads. Flush, never commit."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.exchange.channels.config import (  # the webhook channel's own URL checks
    channel_findings,
    host_allowed,
)
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, Forbidden, NotFound, ValidationFailed
from singlewindow.kit.settings import Settings
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.subscriptions.cloudevents import cloudevent, type_findings
from singlewindow.subscriptions.models import Subscription, SubscriptionEvent
from singlewindow.subscriptions.schemas import SubscriptionIn

# Parties that receive notices of their own documents: traders (enterprises, brokers,
# carriers and agents) and port operators. Agencies have their channels; operators read all.
SUBSCRIBER_KINDS = frozenset(
    {PartyKind.enterprise, PartyKind.broker, PartyKind.carrier, PartyKind.port_operator}
)
LIVE = ("active", "suspended")


def source_of(settings: Settings) -> str:
    return settings.event_source or f"urn:singlewindow:{settings.node_code}"


def _not_found(subscription_id: str) -> NotFound:
    return NotFound(
        f"Subscription {subscription_id} not found",
        f"未找到订阅 {subscription_id}",
        code="subscription_not_found",
    )


def _require_subscriber(principal: Principal) -> None:
    if principal.kind not in SUBSCRIBER_KINDS:
        raise Forbidden(
            "Only traders and port operators subscribe to events of their documents",
            "仅企业（含报关企业、船代）和港口经营人可订阅其单证事件",
            code="not_a_subscriber",
        )


def _delivery_findings(body: SubscriptionIn, secret: str, settings: Settings) -> list[Finding]:
    if body.delivery == "webhook":
        return channel_findings(
            "webhook", body.url, secret, settings.exchange, settings.webhook_allowed_hosts
        )
    return [
        Finding(
            f"/{name}",
            "webhook_only",
            f"{name} is only for webhook delivery",
            f"{name} 仅适用于 webhook 推送",
        )
        for name in ("url", "secret")
        if getattr(body, name) is not None
    ]


def create(
    session: Session, principal: Principal, body: SubscriptionIn, settings: Settings
) -> tuple[Subscription, str | None]:
    """A new subscription of the caller's party; returns it and the generated secret, if any."""
    _require_subscriber(principal)
    generated = None
    secret = body.secret
    if body.delivery == "webhook" and body.secret is None:
        secret = generated = secrets.token_urlsafe(32)
    findings = type_findings(body.types) + _delivery_findings(body, secret or "", settings)
    if findings:
        raise ValidationFailed("Invalid subscription", "订阅信息无效", findings=findings)
    live = session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(Subscription.party == principal.party_code, Subscription.status.in_(LIVE))
    )
    if (live or 0) >= settings.subscriptions_per_party:
        raise Conflict(
            f"At most {settings.subscriptions_per_party} subscriptions per party",
            f"每个主体最多 {settings.subscriptions_per_party} 个订阅",
            code="too_many_subscriptions",
        )
    start = session.scalar(select(func.max(SubscriptionEvent.seq))) or 0
    row = Subscription(
        party=principal.party_code,
        types=sorted(set(body.types)),
        subject=body.subject,
        delivery=body.delivery,
        url=body.url if body.delivery == "webhook" else None,
        secret=secret if body.delivery == "webhook" else None,
        status="active",
        created_by=principal.user_id or principal.party_code,
        cursor=start,
        attempts=0,
        updated_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record_principal(
        session,
        principal,
        action=actions.SUBSCRIPTION_CREATED,
        target_type=actions.SUBSCRIPTION,
        target_id=row.id,
        detail={"delivery": row.delivery, "types": row.types, "subject": row.subject,
                "url": row.url},
    )  # fmt: skip
    return row, generated


def list_for(
    session: Session, principal: Principal, *, party: str | None = None, status: str | None = None
) -> list[Subscription]:
    """The caller's subscriptions; operators see every party's (optionally one party's)."""
    query = select(Subscription).where(Subscription.status != "deleted")
    if not principal.is_operator:
        query = query.where(Subscription.party == principal.party_code)
    elif party:
        query = query.where(Subscription.party == party)
    if status:
        query = query.where(Subscription.status == status)
    return list(session.scalars(query.order_by(Subscription.id).limit(1000)))


def get(
    session: Session, principal: Principal, subscription_id: str, *, lock: bool = False
) -> Subscription:
    row = session.get(Subscription, subscription_id, with_for_update=lock or None)
    if row is None or row.status == "deleted":
        raise _not_found(subscription_id)
    if not principal.is_operator and row.party != principal.party_code:
        raise _not_found(subscription_id)  # another party's: not even its existence
    return row


def delete(session: Session, principal: Principal, subscription_id: str) -> None:
    row = get(session, principal, subscription_id, lock=True)
    now = clock.now()
    row.status, row.deleted_at, row.updated_at = "deleted", now, now
    row.lease_until = row.lease_token = None
    session.flush()
    audit.record_principal(
        session,
        principal,
        action=actions.SUBSCRIPTION_DELETED,
        target_type=actions.SUBSCRIPTION,
        target_id=row.id,
        detail={"party": row.party},
    )


def resume(
    session: Session, principal: Principal, subscription_id: str, settings: Settings
) -> Subscription:
    """A suspended webhook starts again from its dead letter, with a fresh attempt budget."""
    row = get(session, principal, subscription_id, lock=True)
    if row.status != "suspended":
        raise Conflict(
            "Only a suspended subscription can be resumed",
            "只有已暂停的订阅才能恢复",
            code="not_suspended",
        )
    if row.url and not host_allowed(row.url, settings.webhook_allowed_hosts):
        raise ValidationFailed(
            "Invalid subscription",
            "订阅信息无效",
            findings=[
                Finding(
                    "/url",
                    "host_not_allowed",
                    "the webhook host is no longer on this node's allow-list "
                    "(SW_WEBHOOK_ALLOWED_HOSTS); create a subscription with an allowed URL",
                    "Webhook 主机已不在本节点的允许列表中，请使用允许的地址重新订阅",
                )
            ],
        )
    dead = row.dead_seq
    row.status, row.attempts, row.next_attempt_at = "active", 0, None
    row.dead_seq = row.suspended_at = None
    row.updated_at = clock.now()
    session.flush()
    audit.record_principal(
        session,
        principal,
        action=actions.SUBSCRIPTION_RESUMED,
        target_type=actions.SUBSCRIPTION,
        target_id=row.id,
        detail={"from_seq": dead, "last_error": row.last_error},
    )
    return row


@dataclass(frozen=True)
class Filter:
    """Which of a party's events a reader wants (like a subscription, or by ``type``)."""

    party: str
    types: tuple[str, ...] = ()
    subject: str | None = None


def filter_for(
    session: Session,
    principal: Principal,
    *,
    types: Sequence[str],
    subscription_id: str | None,
    path: str = "query:type",
) -> Filter:
    """Validates a reader's filter: explicit types, or those of one of its subscriptions."""
    _require_subscriber(principal)
    findings = type_findings(types, path)
    if findings:
        raise ValidationFailed("Invalid event filter", "事件筛选条件无效", findings=findings)
    if subscription_id is not None:
        row = get(session, principal, subscription_id)
        if row.party != principal.party_code:
            raise _not_found(subscription_id)  # operators read no one else's events
        return Filter(row.party, tuple(types) or tuple(row.types), row.subject)
    return Filter(principal.party_code, tuple(types))


def _type_clause(types: Sequence[str]) -> ColumnElement[bool] | None:
    if not types or "*" in types:
        return None
    parts: list[ColumnElement[bool]] = []
    for pattern in types:
        if pattern.endswith(".*"):
            parts.append(SubscriptionEvent.type.startswith(pattern[:-1], autoescape=True))
        else:
            parts.append(SubscriptionEvent.type == pattern)
    return or_(*parts)


def read_events(
    session: Session, wanted: Filter, *, after: int, limit: int, source: str
) -> tuple[list[dict[str, Any]], int, bool]:
    """CloudEvents of ``wanted.party`` after ``after``: (items, next cursor, more waiting)."""
    query = select(SubscriptionEvent).where(
        SubscriptionEvent.party == wanted.party, SubscriptionEvent.seq > after
    )
    clause = _type_clause(wanted.types)
    if clause is not None:
        query = query.where(clause)
    if wanted.subject is not None:
        query = query.where(SubscriptionEvent.subject == wanted.subject)
    rows = list(session.scalars(query.order_by(SubscriptionEvent.seq).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [as_cloudevent(r, source) for r in rows]
    return items, (rows[-1].seq if rows else after), more


def as_cloudevent(row: SubscriptionEvent, source: str) -> dict[str, Any]:
    return cloudevent(
        seq=row.seq,
        envelope_id=row.envelope_id,
        source=source,
        type_=row.type,
        subject=row.subject,
        time=row.time,
        data=row.data,
    )
