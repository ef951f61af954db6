"""Operator routes: routing rules, channels, message monitor, backlog, dead letters, log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.exchange import monitor, routing
from singlewindow.exchange.channels.config import channel_for, set_channel
from singlewindow.exchange.messagelog import verify_log
from singlewindow.exchange.models import Message, RoutingRule
from singlewindow.exchange.schemas import (
    BacklogRow,
    ChannelIn,
    ChannelOut,
    MessageOut,
    MessagePage,
    RedriveOut,
    RoutingRuleChangeOut,
    RuleIn,
    RuleOut,
)
from singlewindow.exchange.transports import agency_subject
from singlewindow.kit.errors import NotFound
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.parties.access import ProvinceOperator
from singlewindow.parties.auth import Principal
from singlewindow.parties.service import find_party

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=500)]


def rule_out(rule: RoutingRule) -> RuleOut:
    return RuleOut.model_validate(rule, from_attributes=True)


def message_out(message: Message) -> MessageOut:
    return MessageOut.model_validate(message, from_attributes=True)


@router.get("/rules", response_model=list[RuleOut])
def list_rules(session: DbSession, _op: ProvinceOperator, kind: str | None = None) -> list[RuleOut]:
    return [rule_out(r) for r in routing.list_rules(session, kind=kind)]


@router.post("/rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
def create_rule(session: DbSession, op: ProvinceOperator, body: RuleIn) -> RuleOut:
    rule = routing.create_rule(session, body.model_dump(), actor=op.party_code)
    _audit_rule(session, op, rule.id, "create")
    return rule_out(rule)


@router.get("/rules/{rule_id}", response_model=RuleOut)
def get_rule(session: DbSession, _op: ProvinceOperator, rule_id: str) -> RuleOut:
    return rule_out(routing.get_rule(session, rule_id))


@router.put("/rules/{rule_id}", response_model=RuleOut)
def update_rule(session: DbSession, op: ProvinceOperator, rule_id: str, body: RuleIn) -> RuleOut:
    rule = routing.update_rule(session, rule_id, body.model_dump(), actor=op.party_code)
    _audit_rule(session, op, rule_id, "update")
    return rule_out(rule)


@router.post("/rules/{rule_id}/deactivate", response_model=RuleOut)
def deactivate_rule(session: DbSession, op: ProvinceOperator, rule_id: str) -> RuleOut:
    rule = routing.deactivate_rule(session, rule_id, actor=op.party_code)
    _audit_rule(session, op, rule_id, "deactivate")
    return rule_out(rule)


def _audit_rule(session: Session, op: Principal, rule_id: str, change: str) -> None:
    # The rule's own change history (before/after) is in routing_rule_change.
    audit.record_principal(
        session,
        op,
        action=actions.ROUTING_RULE_CHANGED,
        target_type=actions.ROUTING_RULE,
        target_id=rule_id,
        detail={"change": change},
    )


@router.get("/rules/{rule_id}/changes", response_model=list[RoutingRuleChangeOut])
def rule_changes(
    session: DbSession, _op: ProvinceOperator, rule_id: str
) -> list[RoutingRuleChangeOut]:
    return [
        RoutingRuleChangeOut.model_validate(c, from_attributes=True)
        for c in routing.rule_changes(session, rule_id)
    ]


def channel_out(recipient: str, kind: str, url: str | None, secret: str | None) -> ChannelOut:
    subject = agency_subject(recipient) if kind == "nats" else None
    return ChannelOut(
        recipient=recipient, kind=kind, url=url, has_secret=bool(secret), subject=subject
    )


@router.get("/channels/{recipient}", response_model=ChannelOut)
def get_channel(session: DbSession, _op: ProvinceOperator, recipient: str) -> ChannelOut:
    if find_party(session, recipient) is None:
        raise NotFound(f"No party {recipient}", f"不存在主体 {recipient}", code="unknown_recipient")
    c = channel_for(session, recipient)
    return channel_out(recipient, c.kind, c.url, c.secret)


@router.put("/channels/{recipient}", response_model=ChannelOut)
def put_channel(
    session: DbSession,
    op: ProvinceOperator,
    settings: AppSettings,
    recipient: str,
    body: ChannelIn,
) -> ChannelOut:
    row = set_channel(
        session,
        recipient,
        kind=body.kind,
        url=body.url,
        secret=body.secret,
        actor=op.party_code,
        exchange=settings.exchange,
        allowed_hosts=settings.webhook_allowed_hosts,
    )
    audit.record_principal(
        session,
        op,
        action=actions.CHANNEL_CHANGED,
        target_type=actions.CHANNEL,
        target_id=recipient,
        detail={"kind": row.kind, "url": row.url},  # never the secret
    )
    return channel_out(recipient, row.kind, row.url, row.secret)


@router.get("/messages", response_model=MessagePage)
def messages(
    session: DbSession,
    _op: ProvinceOperator,
    recipient: str | None = None,
    sender: str | None = None,
    kind: str | None = None,
    correlation_id: str | None = None,
    state: Annotated[
        str | None, Query(pattern="^(pending|published|delivered|acked|dead|received)$")
    ] = None,
    direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
    limit: Limit = 100,
    cursor: str | None = None,
) -> MessagePage:
    """The message monitor: every envelope, newest last, filtered."""
    rows = monitor.find_messages(
        session,
        recipient=recipient,
        sender=sender,
        kind=kind,
        correlation_id=correlation_id,
        state=state,
        direction=direction,
        after_id=decode_cursor(cursor),
        limit=limit,
    )
    next_cursor = encode_cursor(rows[-1].id) if len(rows) == limit else None
    return MessagePage(items=[message_out(m) for m in rows], next_cursor=next_cursor)


@router.get("/backlog", response_model=list[BacklogRow])
def backlog(session: DbSession, _op: ProvinceOperator) -> list[BacklogRow]:
    return [BacklogRow(**row) for row in monitor.backlog(session)]


@router.get("/dead-letters", response_model=MessagePage)
def dead_letters(
    session: DbSession, _op: ProvinceOperator, recipient: str | None = None, limit: Limit = 100
) -> MessagePage:
    rows = monitor.find_messages(session, recipient=recipient, state="dead", limit=limit)
    return MessagePage(items=[message_out(m) for m in rows])


@router.post("/dead-letters/{message_id}/redrive", response_model=RedriveOut)
def redrive(session: DbSession, op: ProvinceOperator, message_id: str) -> RedriveOut:
    redriven = monitor.redrive(session, message_id=message_id)
    audit.record_principal(
        session,
        op,
        action=actions.DEAD_LETTER_REDRIVEN,
        target_type=actions.MESSAGE,
        target_id=message_id,
        detail={"redriven": redriven},
    )
    return RedriveOut(redriven=redriven)


@router.get("/log/verify")
def verify(session: DbSession, _op: ProvinceOperator) -> dict[str, Any]:
    """Walks the hash-chained message log and reports every break."""
    return verify_log(session).as_dict()
