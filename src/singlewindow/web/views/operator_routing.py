"""Routing rules: list, view with change history, create, edit, deactivate — the functions
and the audit record of ``exchange/api/operator.py``; a refused form changes nothing."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.exchange import routing
from singlewindow.exchange.models import RoutingRule
from singlewindow.exchange.resolvers import RESOLVERS
from singlewindow.exchange.schemas import RuleIn
from singlewindow.kit.errors import Finding, SingleWindowError, ValidationFailed
from singlewindow.kit.http import DbSession
from singlewindow.parties.service import find_party
from singlewindow.web.auth import OperatorUser, PortalUser
from singlewindow.web.render import render
from singlewindow.web.views.operator_common import (
    attempt,
    field_errors,
    parse_model,
    require_province,
    see_other,
    text,
)

router = APIRouter(prefix="/portal/operator/routing", include_in_schema=False)

FIELDS = (
    "name",
    "kind",
    "priority",
    "condition",
    "recipient_resolver",
    "recipient_code",
    "recipient_path",
    "recipient_in",
    "projection",
    "description",
)


def _audit(session: Session, user: PortalUser, rule_id: str, change: str) -> None:
    # As the API's _audit_rule: the before/after is in the rule's own change history.
    audit.record_principal(
        session,
        user.principal,
        action=actions.ROUTING_RULE_CHANGED,
        target_type=actions.ROUTING_RULE,
        target_id=rule_id,
        detail={"change": change},
    )


def form_of(rule: RoutingRule | None) -> dict[str, Any]:
    """A rule as the form's values (JSON and one pointer per line where a field is data)."""
    if rule is None:
        return {"priority": "100", "recipient_resolver": "fixed", "active": True, "optional": False}
    recipient = dict(rule.recipient or {})
    return {
        "name": rule.name,
        "kind": rule.kind,
        "priority": str(rule.priority),
        "condition": json.dumps(rule.condition, ensure_ascii=False, indent=2)
        if rule.condition is not None
        else "",
        "recipient_resolver": str(recipient.get("resolver", "")),
        "recipient_code": str(recipient.get("code", "")),
        "recipient_path": str(recipient.get("path", "")),
        "recipient_in": str(recipient.get("in", "")),
        "optional": recipient.get("optional") is True,
        "projection": "\n".join(str(p) for p in rule.projection or []),
        "description": rule.description,
        "active": rule.active,
    }


def _condition(raw: str) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            "Invalid routing rule",
            "路由规则无效",
            findings=[
                Finding(
                    "/condition",
                    "json_invalid",
                    f"the condition is not valid JSON ({exc.msg}, line {exc.lineno})",
                    f"条件不是有效的 JSON（第 {exc.lineno} 行）",
                )
            ],
        ) from None


def rule_input(session: Session, form: FormData) -> dict[str, Any]:
    """The form as the API's ``RuleIn`` body, plus the check that a fixed recipient exists."""
    recipient: dict[str, Any] = {"resolver": text(form, "recipient_resolver")}
    for key in ("code", "path", "in"):
        if value := text(form, f"recipient_{key}"):
            recipient[key] = value
    if form.get("optional"):
        recipient["optional"] = True
    data: dict[str, Any] = {
        "name": text(form, "name"),
        "kind": text(form, "kind"),
        "condition": _condition(text(form, "condition")),
        "recipient": recipient,
        "projection": [p.strip() for p in text(form, "projection").splitlines() if p.strip()],
        "description": text(form, "description"),
        "active": bool(form.get("active")),
    }
    if priority := text(form, "priority"):
        data["priority"] = priority
    body = parse_model(RuleIn, data)
    code = recipient.get("code")
    fixed = recipient["resolver"] == "fixed" and isinstance(code, str) and code
    if fixed and find_party(session, str(code)) is None:
        raise ValidationFailed(
            "Invalid routing rule",
            "路由规则无效",
            findings=[
                Finding(
                    "/recipient/code",
                    "unknown_recipient",
                    f"no party with code {code} on this node",
                    f"本节点不存在代码为 {code} 的主体",
                )
            ],
        )
    return body.model_dump()


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: text(form, k) for k in FIELDS}
    values["optional"] = bool(form.get("optional"))
    values["active"] = bool(form.get("active"))
    return values


def _form_page(
    request: Request,
    user: PortalUser,
    *,
    rule: RoutingRule | None,
    form: dict[str, Any],
    error: SingleWindowError | None = None,
) -> Response:
    values = {
        "rule": rule,
        "form": form,
        "error": error,
        "errors": field_errors(error, nested=("recipient",)),
        "resolvers": sorted(RESOLVERS),
    }
    status = error.status if error else 200
    return render(request, "operator/rule_form.html", values, user=user, status_code=status)


@router.get("")
def rules(request: Request, session: DbSession, user: OperatorUser) -> Response:
    require_province(user)
    kind = request.query_params.get("kind", "").strip()
    all_rules = routing.list_rules(session)
    shown = [r for r in all_rules if r.kind == kind] if kind else all_rules
    done = request.query_params.get("done", "")
    values = {
        "rules": shown,
        "kinds": sorted({r.kind for r in all_rules}),
        "kind": kind,
        "notice": "operator.rule_deactivated" if done == "deactivated" else "",
    }
    return render(request, "operator/routing.html", values, user=user)


@router.get("/new")
def new_rule(request: Request, user: OperatorUser) -> Response:
    require_province(user)
    return _form_page(request, user, rule=None, form=form_of(None))


@router.post("")
async def create_rule(request: Request, session: DbSession, user: OperatorUser) -> Response:
    require_province(user)
    form = await request.form()

    def create() -> RoutingRule:
        rule = routing.create_rule(
            session, rule_input(session, form), actor=user.principal.party_code
        )
        _audit(session, user, rule.id, "create")
        return rule

    rule, error = attempt(session, create)
    if rule is None:
        return _form_page(request, user, rule=None, form=_form_values(form), error=error)
    return see_other(f"/portal/operator/routing/{rule.id}?done=created")


@router.get("/{rule_id}")
def rule_detail(request: Request, session: DbSession, user: OperatorUser, rule_id: str) -> Response:
    require_province(user)
    rule = routing.get_rule(session, rule_id)
    changes = routing.rule_changes(session, rule_id)
    history = []
    for c in reversed(changes):
        before, after = c.before or {}, c.after or {}
        keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        diff = [
            (k, _show(before.get(k)) if c.before is not None else "", _show(after.get(k)))
            for k in keys
            if k != "version"
        ]
        history.append({"change": c, "diff": diff})
    done = request.query_params.get("done", "")
    notices = {"created": "operator.rule_created", "updated": "operator.rule_updated"}
    values = {
        "rule": rule,
        "condition": _show(rule.condition) if rule.condition is not None else "",
        "recipient": _show(rule.recipient),
        "history": history,
        "notice": notices.get(done, ""),
    }
    return render(request, "operator/rule.html", values, user=user)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@router.get("/{rule_id}/edit")
def edit_rule(request: Request, session: DbSession, user: OperatorUser, rule_id: str) -> Response:
    require_province(user)
    rule = routing.get_rule(session, rule_id)
    return _form_page(request, user, rule=rule, form=form_of(rule))


@router.post("/{rule_id}")
async def update_rule(
    request: Request, session: DbSession, user: OperatorUser, rule_id: str
) -> Response:
    require_province(user)
    rule = routing.get_rule(session, rule_id)
    form = await request.form()

    def update() -> RoutingRule:
        changed = routing.update_rule(
            session, rule_id, rule_input(session, form), actor=user.principal.party_code
        )
        _audit(session, user, rule_id, "update")
        return changed

    updated, error = attempt(session, update)
    if updated is None:
        session.refresh(rule)
        return _form_page(request, user, rule=rule, form=_form_values(form), error=error)
    return see_other(f"/portal/operator/routing/{rule_id}?done=updated")


@router.post("/{rule_id}/deactivate")
def deactivate_rule(session: DbSession, user: OperatorUser, rule_id: str) -> Response:
    require_province(user)
    routing.deactivate_rule(session, rule_id, actor=user.principal.party_code)
    _audit(session, user, rule_id, "deactivate")
    return see_other("/portal/operator/routing?done=deactivated")
