"""The trader's pages (issue 6): dashboard, my declarations, subscriptions and mandates.

Every read and action goes through the declarations, inspection, subscriptions and mandates
functions their JSON routes call, with the signed-in user's principal: the same scoping,
errors and audit as the API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import func, or_
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.declarations import repository as declarations
from singlewindow.declarations.models import Declaration
from singlewindow.inspection import reads as inspections
from singlewindow.kit import clock
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import Finding, Forbidden, SingleWindowError, ValidationFailed
from singlewindow.kit.http import AppSettings, DbSession, findings_from_pydantic
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.mandates import service as mandates
from singlewindow.mandates.models import Mandate
from singlewindow.mandates.schemas import MandateIn
from singlewindow.standards.documents.registry import document_types
from singlewindow.subscriptions import service as subscriptions
from singlewindow.subscriptions.cloudevents import TYPE_PREFIX
from singlewindow.subscriptions.schemas import SubscriptionIn
from singlewindow.web.actions import Posted, see_other
from singlewindow.web.auth import PortalUser, TraderUser
from singlewindow.web.render import render, render_partial

router = APIRouter(prefix="/portal", include_in_schema=False)

# The aggregate statuses of a declaration (DESIGN.md §5), in the order a filing moves.
STATUSES = (
    "draft",
    "submitted",
    "accepted",
    "rejected",
    "inspection",
    "released",
    "cleared",
    "withdrawn",
)
# Chart colours follow the badges of portal.css.
STATUS_COLOURS = {
    "draft": "#98a2b3",
    "submitted": "#0b4f8a",
    "accepted": "#11734b",
    "rejected": "#b3261e",
    "inspection": "#c98a00",
    "released": "#2e9e6b",
    "cleared": "#0b5d3b",
    "withdrawn": "#667085",
}
OPEN_CASES = ("open", "booked", "positioned", "inspecting", "partially_released")
PAGE_SIZE = 25
SORTS = ("newest", "oldest")
FIELD_LIMITS = {"q": 64}


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _texts(form: FormData, name: str, limit: int = 20) -> list[str]:
    return [v[:200] for v in form.getlist(name) if isinstance(v, str)][:limit]


def field_errors(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Findings by the form field they name: ``/url`` and ``query:voyage`` → ``url``,
    ``voyage``; ``/types/2`` → ``types``."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        path = f.path.split(":", 1)[-1].lstrip("/")
        out.setdefault(path.split("/", 1)[0] or "_", []).append(f)
    return out


def _invalid(name: str, code: str, en: str, zh: str) -> Finding:
    return Finding(f"query:{name}", code, en, zh)


# --- dashboard ---


def status_counts(session: Session, user: PortalUser) -> dict[str, int]:
    """How many of the caller's declarations are in each status (the API's scoping)."""
    query = (
        declarations.scoped(user.principal)
        .with_only_columns(Declaration.status, func.count())
        .group_by(Declaration.status)
    )
    found: dict[str, int] = dict(session.execute(query).all())
    return {s: int(found.get(s, 0)) for s in STATUSES}


def status_chart(counts: Mapping[str, int], labels: Mapping[str, str]) -> dict[str, Any]:
    """A Chart.js doughnut of the non-empty statuses."""
    shown = [s for s in STATUSES if counts.get(s)]
    return {
        "type": "doughnut",
        "data": {
            "labels": [labels[s] for s in shown],
            "datasets": [
                {
                    "data": [counts[s] for s in shown],
                    "backgroundColor": [STATUS_COLOURS[s] for s in shown],
                    "borderWidth": 1,
                }
            ],
        },
        "options": {"plugins": {"legend": {"position": "right"}}, "cutout": "55%"},
    }


@dataclass
class Rejected:
    declaration: Declaration
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _rejected(session: Session, user: PortalUser) -> list[Rejected]:
    rows = declarations.search(session, user.principal, status="rejected", limit=10)
    out = []
    for row in rows:
        reasons: list[dict[str, Any]] = []
        for status in declarations.agency_statuses(session, row.id):
            if status.status == "rejected":
                for reason in status.reasons or [{}]:
                    reasons.append({"agency": status.agency_code, **dict(reason)})
        out.append(Rejected(row, reasons))
    return out


def _open_inspections(session: Session, user: PortalUser) -> list[dict[str, Any]]:
    """The caller's open joint inspection cases, each with its booking and whether an
    agency holds the goods (the inspection context's own reads)."""
    cases = [
        c
        for c in inspections.search(
            session,
            user.principal,
            status=None,
            terminal=None,
            declaration_id=None,
            after_id=None,
            limit=50,
        )
        if c.status in OPEN_CASES
    ]
    details = inspections.for_declarations(session, sorted({c.declaration_id for c in cases}))
    out = []
    for case in cases:
        entry = next(
            (
                i
                for i in details[case.declaration_id].inspections
                if i.get("case_no") == case.case_no
            ),
            {},
        )
        orders = entry.get("orders") or []
        out.append(
            {
                "case": case,
                "booking": entry.get("booking"),
                "held_by": [o["agency_code"] for o in orders if o.get("result") == "hold"],
            }
        )
    return out


@router.get("/trader")
def dashboard(request: Request, session: DbSession, user: TraderUser) -> Response:
    counts = status_counts(session, user)
    lang_labels = _status_labels(request)
    cases = _open_inspections(session, user)
    values = {
        "counts": counts,
        "total": sum(counts.values()),
        "statuses": STATUSES,
        "chart": status_chart(counts, lang_labels),
        "rejected": _rejected(session, user),
        "drafts": declarations.search(session, user.principal, status="draft", limit=10),
        "inspections": [c for c in cases if not c["held_by"]],
        "held": [c for c in cases if c["held_by"]],
        "latest": declarations.search(session, user.principal, limit=8),
    }
    return render(request, "trader/dashboard.html", values, user=user)


def _status_labels(request: Request) -> dict[str, str]:
    from singlewindow.web.i18n import lang_of, translate

    lang = lang_of(request)
    return {s: translate(f"status.{s}", lang) for s in STATUSES}


# --- my declarations ---


@dataclass
class ListQuery:
    """The declaration list's filter, as given in the URL (strings), and what it means."""

    status: str = ""
    ie_flag: str = ""
    since: str = ""
    until: str = ""
    q: str = ""
    sort: str = "newest"
    cursor: str = ""
    findings: list[Finding] = field(default_factory=list)

    def params(self, **override: str) -> str:
        values = {
            "status": self.status,
            "ie_flag": self.ie_flag,
            "from": self.since,
            "to": self.until,
            "q": self.q,
            "sort": self.sort if self.sort != "newest" else "",
            "cursor": self.cursor,
        } | override
        return urlencode({k: v for k, v in values.items() if v})


def _date(value: str, name: str, findings: list[Finding]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        findings.append(
            _invalid(name, "date_parsing", "a date as YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
        )
        return None


def _list_query(request: Request) -> ListQuery:
    p = request.query_params
    lq = ListQuery(
        status=p.get("status", "").strip(),
        ie_flag=p.get("ie_flag", "").strip(),
        since=p.get("from", "").strip(),
        until=p.get("to", "").strip(),
        q=p.get("q", "").strip(),
        sort=p.get("sort", "").strip() or "newest",
        cursor=p.get("cursor", "").strip(),
    )
    f = lq.findings
    if lq.status and lq.status not in STATUSES:
        f.append(_invalid("status", "literal_error", "unknown status", "状态取值无效"))
    if lq.ie_flag and lq.ie_flag not in ("I", "E"):
        f.append(_invalid("ie_flag", "literal_error", "I or E", "应为 I 或 E"))
    if lq.sort not in SORTS:
        f.append(_invalid("sort", "literal_error", "newest or oldest", "排序方式无效"))
    if len(lq.q) > FIELD_LIMITS["q"]:
        f.append(_invalid("q", "string_too_long", "at most 64 characters", "长度超过上限"))
    since, until = _date(lq.since, "from", f), _date(lq.until, "to", f)
    if since and until and since > until:
        f.append(_invalid("to", "from_after_to", "to is before from", "截止日期早于起始日期"))
    return lq


def find_declarations(
    session: Session, user: PortalUser, lq: ListQuery, limit: int | None = None
) -> tuple[list[Declaration], str | None]:
    """One page of the caller's declarations (``declarations.repository.scoped``, as on
    ``GET /api/v1/declarations``), drafts included, newest or oldest first by id."""
    query = declarations.scoped(user.principal)
    if lq.status:
        query = query.where(Declaration.status == lq.status)
    if lq.ie_flag:
        query = query.where(Declaration.ie_flag == lq.ie_flag)
    # Business dates are China dates; ``to`` includes its whole day.
    if lq.since:
        start = datetime.combine(date.fromisoformat(lq.since), time(), CHINA_TZ)
        query = query.where(Declaration.created_at >= start)
    if lq.until:
        end = datetime.combine(date.fromisoformat(lq.until) + timedelta(days=1), time(), CHINA_TZ)
        query = query.where(Declaration.created_at < end)
    if lq.q:
        query = query.where(
            or_(
                Declaration.unified_no == lq.q,
                Declaration.entry_no == lq.q,
                Declaration.bill_no == lq.q,
                Declaration.client_ref.startswith(lq.q, autoescape=True),
            )
        )
    limit = limit or PAGE_SIZE
    newest = lq.sort != "oldest"
    after = decode_cursor(lq.cursor or None)
    if after:
        query = query.where(Declaration.id < after if newest else Declaration.id > after)
    order = Declaration.id.desc() if newest else Declaration.id.asc()
    rows = list(session.scalars(query.order_by(order).limit(limit + 1)))
    shown = rows[:limit]
    more = len(rows) > limit and bool(shown)
    return shown, encode_cursor(shown[-1].id) if more else None


@router.get("/trader/declarations")
def declaration_list(request: Request, session: DbSession, user: TraderUser) -> Response:
    lq = _list_query(request)
    rows: list[Declaration] = []
    next_cursor = None
    if not lq.findings:
        rows, next_cursor = find_declarations(session, user, lq)
    values = {
        "lq": lq,
        "rows": rows,
        "statuses": STATUSES,
        "errors": field_errors(lq.findings),
        "findings": lq.findings,
        "next_url": f"/portal/trader/declarations?{lq.params(cursor=next_cursor)}"
        if next_cursor
        else None,
        "first_url": f"/portal/trader/declarations?{lq.params(cursor='')}" if lq.cursor else None,
        "filtered": any((lq.status, lq.ie_flag, lq.since, lq.until, lq.q)),
    }
    status = 422 if lq.findings else 200
    headers = request.headers
    if headers.get("hx-target") == "decl-results" and not headers.get("hx-history-restore-request"):
        return render_partial(
            request, "trader/declarations_results.html", values, user=user, status_code=status
        )
    return render(request, "trader/declarations.html", values, user=user, status_code=status)


# --- subscriptions ---

EVENT_CHOICES = (
    ("declaration.*", "trader.event_declaration_all"),
    ("declaration.status_changed", "trader.event_status_changed"),
    ("declaration.decision", "trader.event_decision"),
    ("declaration.released", "trader.event_released"),
    ("inspection.*", "trader.event_inspection"),
    ("transport.*", "trader.event_transport"),
)


def _subscriptions_page(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    form: Mapping[str, Any] | None = None,
    error: SingleWindowError | None = None,
    secret: str | None = None,
    created: str | None = None,
    status_code: int = 200,
    in_form: bool = False,
) -> Response:
    rows = subscriptions.list_for(session, user.principal)
    findings = list(error.findings) if error is not None and in_form else []
    values = {
        "rows": rows,
        "form": {"delivery": "webhook", "url": "", "types": [], **dict(form or {})},
        "choices": [(TYPE_PREFIX + v, key) for v, key in EVENT_CHOICES],
        "error": error,
        "in_form": in_form,
        "errors": field_errors(findings),
        "secret": secret,
        "created": created or request.query_params.get("created", ""),
        "notice": request.query_params.get("done", ""),
        "type_prefix": TYPE_PREFIX,
    }
    return render(request, "trader/subscriptions.html", values, user=user, status_code=status_code)


@router.get("/trader/subscriptions")
def subscription_list(request: Request, session: DbSession, user: TraderUser) -> Response:
    return _subscriptions_page(request, session, user)


@router.post("/trader/subscriptions")
def subscription_create(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: TraderUser,
    posted: Posted,
) -> Response:
    delivery = _text(posted, "delivery", 20)
    url = _text(posted, "url", 2001)
    secret = _text(posted, "secret", 201)
    form = {"delivery": delivery, "url": url, "types": _texts(posted, "types", 21)}
    try:
        body = SubscriptionIn.model_validate(
            {
                "delivery": delivery,
                "types": form["types"],
                "url": url.strip() or None if delivery == "webhook" else None,
                "secret": secret or None if delivery == "webhook" else None,
            }
        )
        with session.begin_nested():  # nothing half-stored when the service refuses
            row, generated = subscriptions.create(session, user.principal, body, settings)
    except ValidationError as exc:
        error: SingleWindowError = ValidationFailed(
            "Invalid subscription",
            "订阅信息无效",
            findings=findings_from_pydantic([dict(e) for e in exc.errors()]),
        )
        return _subscriptions_page(
            request, session, user, form=form, error=error, status_code=422, in_form=True
        )
    except SingleWindowError as exc:
        return _subscriptions_page(
            request, session, user, form=form, error=exc, status_code=exc.status, in_form=True
        )
    if generated is not None:
        # The generated webhook secret is shown once, in this answer (as the API does): it
        # cannot travel through a redirect.
        return _subscriptions_page(
            request, session, user, secret=generated, created=row.id, status_code=201
        )
    return see_other(None, f"/portal/trader/subscriptions?created={row.id}")


@router.post("/trader/subscriptions/{subscription_id}/delete")
def subscription_delete(
    request: Request, session: DbSession, user: TraderUser, subscription_id: str
) -> Response:
    try:
        with session.begin_nested():
            subscriptions.delete(session, user.principal, subscription_id)
    except SingleWindowError as exc:
        return _subscriptions_page(request, session, user, error=exc, status_code=exc.status)
    return see_other(None, "/portal/trader/subscriptions?done=deleted")


@router.post("/trader/subscriptions/{subscription_id}/resume")
def subscription_resume(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: TraderUser,
    subscription_id: str,
) -> Response:
    try:
        with session.begin_nested():
            subscriptions.resume(session, user.principal, subscription_id, settings)
    except SingleWindowError as exc:
        return _subscriptions_page(request, session, user, error=exc, status_code=exc.status)
    return see_other(None, "/portal/trader/subscriptions?done=resumed")


# --- mandates ---

ADMIN_ROLE = "declarant_admin"


def _mandate_audit(session: Session, user: PortalUser, mandate: Mandate, change: str) -> None:
    """The same audit record as ``mandates/api.py``."""
    audit.record_principal(
        session,
        user.principal,
        action=actions.MANDATE_CHANGED,
        target_type=actions.MANDATE,
        target_id=mandate.id,
        detail={
            "change": change,
            "grantor": mandate.grantor_uscc,
            "agent": mandate.agent_uscc,
            "doc_types": list(mandate.doc_types),
            "customs_districts": list(mandate.customs_districts),
        },
    )


def _mandates_page(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    form: Mapping[str, Any] | None = None,
    error: SingleWindowError | None = None,
    status_code: int = 200,
    in_form: bool = False,
) -> Response:
    principal = user.principal
    granted = mandates.listing(session, principal, as_role="grantor", after=None, limit=200)
    received = mandates.listing(session, principal, as_role="agent", after=None, limit=200)
    findings = list(error.findings) if error is not None and in_form else []
    today = clock.today_china()
    values = {
        "granted": [(m, mandates.state(m)) for m in granted],
        "received": [(m, mandates.state(m)) for m in received],
        "may_grant": ADMIN_ROLE in principal.roles and principal.uscc is not None,
        "doc_types": document_types(),
        "doc_titles": {d.type: (d.title_zh, d.title_en) for d in document_types()},
        "in_form": in_form,
        "form": {
            "agent_uscc": "",
            "doc_types": ["goods_declaration"],
            "customs_districts": "",
            "valid_from": today.isoformat(),
            "valid_to": today.replace(year=today.year + 1).isoformat()
            if not (today.month == 2 and today.day == 29)
            else (today + timedelta(days=365)).isoformat(),
            "note": "",
            **dict(form or {}),
        },
        "error": error,
        "errors": field_errors(findings),
        "notice": request.query_params.get("done", ""),
    }
    return render(request, "trader/mandates.html", values, user=user, status_code=status_code)


@router.get("/trader/mandates")
def mandate_list(request: Request, session: DbSession, user: TraderUser) -> Response:
    return _mandates_page(request, session, user)


@router.post("/trader/mandates")
def mandate_grant(
    request: Request,
    session: DbSession,
    user: TraderUser,
    posted: Posted,
) -> Response:
    customs_districts = _text(posted, "customs_districts", 400)
    form = {
        "agent_uscc": _text(posted, "agent_uscc", 40).strip(),
        "doc_types": _texts(posted, "doc_types", 21),
        "customs_districts": customs_districts,
        "valid_from": _text(posted, "valid_from", 20),
        "valid_to": _text(posted, "valid_to", 20),
        "note": _text(posted, "note", 501),
    }
    try:
        if ADMIN_ROLE not in user.principal.roles:
            raise Forbidden(
                "Only the declarant administrator grants mandates in the portal",
                "只有申报单位管理员可以在门户中委托报关",
                code="not_declarant_admin",
            )
        body = MandateIn.model_validate(
            form
            | {
                "customs_districts": [
                    d.strip() for d in customs_districts.replace("，", ",").split(",") if d.strip()
                ]
            }
        )
        with session.begin_nested():
            mandate = mandates.grant(session, user.principal, body)
            _mandate_audit(session, user, mandate, "grant")
    except ValidationError as exc:
        error: SingleWindowError = ValidationFailed(
            "Invalid mandate",
            "委托无效",
            findings=findings_from_pydantic([dict(e) for e in exc.errors()]),
        )
        return _mandates_page(
            request, session, user, form=form, error=error, status_code=422, in_form=True
        )
    except SingleWindowError as exc:
        return _mandates_page(
            request, session, user, form=form, error=exc, status_code=exc.status, in_form=True
        )
    return see_other(None, "/portal/trader/mandates?done=granted")


@router.post("/trader/mandates/{mandate_id}/revoke")
def mandate_revoke(
    request: Request,
    session: DbSession,
    user: TraderUser,
    mandate_id: str,
    posted: Posted,
) -> Response:
    reason = _text(posted, "reason", 600)
    try:
        if not reason.strip():
            raise ValidationFailed(
                "Give a reason to revoke the mandate",
                "撤销委托须说明原因",
                findings=[Finding("/reason", "missing", "a reason is required", "缺少必填项")],
            )
        with session.begin_nested():
            mandate = mandates.revoke(session, user.principal, mandate_id, reason.strip()[:500])
            _mandate_audit(session, user, mandate, "revoke")
    except SingleWindowError as exc:
        return _mandates_page(request, session, user, error=exc, status_code=exc.status)
    return see_other(None, "/portal/trader/mandates?done=revoked")
