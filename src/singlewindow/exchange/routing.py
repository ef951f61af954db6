"""Routing rules as data: seeding the defaults, audited edits, and evaluating a document."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from singlewindow.exchange.conditions import matches
from singlewindow.exchange.models import RoutingRule, RoutingRuleChange
from singlewindow.exchange.pointers import project
from singlewindow.exchange.resolvers import resolve_recipients
from singlewindow.exchange.rules import DEFAULT_RULES, rule_findings
from singlewindow.kit import clock
from singlewindow.kit.cache import TtlCache, invalidate_when_changed
from singlewindow.kit.errors import Conflict, Finding, NotFound, ValidationFailed

log = logging.getLogger(__name__)

RULE_FIELDS = (
    "name",
    "kind",
    "priority",
    "condition",
    "recipient",
    "projection",
    "description",
    "active",
)


def rule_snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {f: getattr(rule, f) for f in RULE_FIELDS} | {"version": rule.version}


def _validate(data: dict[str, Any]) -> None:
    findings = rule_findings(
        data.get("condition"), data.get("recipient"), data.get("projection", [])
    )
    if findings:
        raise ValidationFailed("Invalid routing rule", "路由规则无效", findings=findings)


def _record(
    session: Session, rule: RoutingRule, action: str, before: dict[str, Any] | None, actor: str
) -> None:
    session.add(
        RoutingRuleChange(
            rule_id=rule.id, action=action, before=before, after=rule_snapshot(rule), actor=actor
        )
    )


def ensure_default_rules(session: Session, *, licensing_code: str = "LIC-GD") -> int:
    """Inserts each default rule whose name is not taken (never overwrites operator edits)."""
    created = 0
    for spec in DEFAULT_RULES:
        if session.scalar(select(RoutingRule.id).where(RoutingRule.name == spec["name"])):
            continue
        data = dict(spec)
        if data["recipient"] == {"resolver": "fixed", "code": "LIC-GD"}:
            data["recipient"] = {"resolver": "fixed", "code": licensing_code}
        try:
            with session.begin_nested():
                rule = RoutingRule(**data)
                session.add(rule)
                session.flush()
                _record(session, rule, "create", None, "system")
                session.flush()
        except IntegrityError:  # a concurrent seeder won; its rule is as good as ours
            continue
        created += 1
    return created


def create_rule(session: Session, data: dict[str, Any], *, actor: str) -> RoutingRule:
    _validate(data)
    if session.scalar(select(RoutingRule.id).where(RoutingRule.name == data["name"])):
        raise Conflict(
            f"Routing rule {data['name']} already exists",
            f"路由规则 {data['name']} 已存在",
            code="rule_exists",
            findings=[Finding("/name", "duplicate", "name already used", "名称已被使用")],
        )
    rule = RoutingRule(**{k: v for k, v in data.items() if k in RULE_FIELDS})
    session.add(rule)
    session.flush()
    _record(session, rule, "create", None, actor)
    session.flush()
    return rule


def get_rule(session: Session, rule_id: str) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("Routing rule not found", "未找到路由规则", code="rule_not_found")
    return rule


def update_rule(
    session: Session, rule_id: str, changes: dict[str, Any], *, actor: str
) -> RoutingRule:
    rule = get_rule(session, rule_id)
    before = rule_snapshot(rule)
    merged = before | {k: v for k, v in changes.items() if k in RULE_FIELDS}
    _validate(merged)
    if merged["name"] != rule.name and session.scalar(
        select(RoutingRule.id).where(RoutingRule.name == merged["name"])
    ):
        raise Conflict("Rule name already used", "规则名称已被使用", code="rule_exists")
    for key in RULE_FIELDS:
        setattr(rule, key, merged[key])
    rule.version += 1
    rule.updated_at = clock.now()
    session.flush()
    action = "deactivate" if before["active"] and not rule.active else "update"
    _record(session, rule, action, before, actor)
    session.flush()
    return rule


def deactivate_rule(session: Session, rule_id: str, *, actor: str) -> RoutingRule:
    return update_rule(session, rule_id, {"active": False}, actor=actor)


def list_rules(session: Session, *, kind: str | None = None) -> list[RoutingRule]:
    query = select(RoutingRule).order_by(RoutingRule.kind, RoutingRule.priority, RoutingRule.name)
    if kind:
        query = query.where(RoutingRule.kind == kind)
    return list(session.scalars(query))


def rule_changes(session: Session, rule_id: str) -> list[RoutingRuleChange]:
    get_rule(session, rule_id)
    return list(
        session.scalars(
            select(RoutingRuleChange)
            .where(RoutingRuleChange.rule_id == rule_id)
            .order_by(RoutingRuleChange.changed_at, RoutingRuleChange.id)
        )
    )


@dataclass(frozen=True, slots=True)
class RuleView:
    """What evaluation needs of an active rule (plain data, shared between threads)."""

    name: str
    condition: Any
    recipient: dict[str, Any]
    projection: tuple[str, ...]


RULES: TtlCache[tuple[RuleView, ...]] = TtlCache()


def active_rules(session: Session, kind: str) -> tuple[RuleView, ...]:
    """The active rules for ``kind`` in evaluation order, cached (``kit.cache``)."""

    def load() -> tuple[RuleView, ...]:
        query = (
            select(RoutingRule)
            .where(RoutingRule.kind == kind, RoutingRule.active.is_(True))
            .order_by(RoutingRule.priority, RoutingRule.name)
        )
        rules = list(session.scalars(query))
        if not rules and session.scalar(select(func.count()).select_from(RoutingRule)) == 0:
            # A node that never seeded its rules (the count is only paid when nothing matched).
            ensure_default_rules(session)
            rules = list(session.scalars(query))
        return tuple(
            RuleView(r.name, r.condition, dict(r.recipient), tuple(r.projection or ()))
            for r in rules
        )

    return RULES.get_or_load(session, kind, load)


invalidate_when_changed(RoutingRule, RULES)


@dataclass(frozen=True)
class Delivery:
    """One recipient's share of a routed document."""

    rule: str
    recipient: str
    payload: dict[str, Any]


def plan(
    session: Session, kind: str, document: dict[str, Any], context: dict[str, Any]
) -> list[Delivery]:
    """Evaluates the active rules for ``kind``; one delivery per recipient (first rule wins)."""
    out: dict[str, Delivery] = {}
    for rule in active_rules(session, kind):
        if not matches(rule.condition, document, context):
            continue
        recipients = resolve_recipients(session, rule.recipient, document, context)
        if not recipients and rule.recipient.get("optional") is True:
            continue  # an optional recipient (a terminal that may not be on the platform)
        if not recipients:
            path = rule.recipient.get("path") or "/recipient"
            raise ValidationFailed(
                f"No recipient for routing rule {rule.name}",
                f"路由规则 {rule.name} 找不到接收方",
                code="no_recipient",
                findings=[
                    Finding(
                        path,
                        "no_recipient",
                        f"no {rule.recipient['resolver']} recipient for this value",
                        "该取值没有对应的接收方（管理部门或港口经营人）",
                    )
                ],
            )
        payload = project(document, list(rule.projection))
        for code in recipients:
            out.setdefault(code, Delivery(rule.name, code, payload))
    if not out:
        log.warning("no routing rule matched kind %s", kind)
    return list(out.values())
