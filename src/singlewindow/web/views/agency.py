"""The agency officer's pages: the worklist (filter, sort, claim), a routed declaration (the
agency's projection, decisions with reason codes, inspection orders and results), the joint
inspections the agency is in, and its service-time indicators.

Every action calls the service the JSON API calls (``declarations.service.apply_decision``,
``inspection.service``), with the officer's principal, inside a savepoint: a refused action
changes nothing and the page shows why with the error's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from singlewindow.agencies import worklist
from singlewindow.analytics import time_release as analytics
from singlewindow.declarations.rules import (
    AgencyState,
)
from singlewindow.inspection import reads as inspection_reads
from singlewindow.kit import clock
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import Finding, SingleWindowError, ValidationFailed
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.web.actions import see_other
from singlewindow.web.auth import AgencyUser, PortalUser
from singlewindow.web.i18n import Lang, lang_of
from singlewindow.web.render import render

router = APIRouter(prefix="/portal", include_in_schema=False)

PAGE = 25
AGENCY_STATES = [s.value for s in AgencyState]
T = TypeVar("T")


# --- helpers shared by the pages


def officer_of(user: PortalUser) -> worklist.Officer:
    return worklist.Officer(user.principal, user.display_name)


def local_time(value: Any) -> Any:
    """A stored (UTC) time in China time, for ``|dt`` (other values pass through)."""
    return value.astimezone(CHINA_TZ) if isinstance(value, datetime) else value


def page(
    request: Request,
    template: str,
    values: dict[str, Any],
    *,
    user: PortalUser,
    status_code: int = 200,
) -> Response:
    """``render`` with ``local`` (times shown in China time, the business clock)."""
    return render(
        request, template, values | {"local": local_time}, user=user, status_code=status_code
    )


def done(request: Request, url: str) -> Response:
    """Redirect-after-post (an htmx request follows it and swaps the new page's content)."""
    return see_other(None, url)


def field(form: FormData, name: str, limit: int) -> str:
    """One text field of a posted form ("" when absent); over-long values are refused."""
    value = form.get(name)
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        raise ValidationFailed(
            f"{name}: at most {limit} characters",
            f"{name}：最多 {limit} 个字符",
            findings=[
                Finding(
                    f"/{name}", "too_long", f"at most {limit} characters", f"最多 {limit} 个字符"
                )
            ],
        )
    return text


def fields(form: FormData, name: str, limit: int = 40) -> list[str]:
    """A repeated field (ticked checkboxes), each value cut to ``limit`` characters."""
    return [v[:limit] for v in form.getlist(name)[:200] if isinstance(v, str) and v]


def age_text(age: timedelta, lang: Lang) -> str:
    minutes = max(int(age.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang == "zh":
        if days:
            return f"{days}天{hours}小时"
        return f"{hours}小时{mins}分" if hours else f"{mins}分钟"
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{name}: not a date (YYYY-MM-DD)",
            f"{name}：日期格式应为 YYYY-MM-DD",
            findings=[Finding(f"query:{name}", "invalid_date", "not a date", "日期格式错误")],
        ) from None


def field_errors(
    error: SingleWindowError | None, aliases: dict[str, str] | None = None
) -> dict[str, str]:
    """Findings by field name (the last part of their path, renamed by ``aliases`` where the
    form's control has another name), to show beside the controls."""
    out: dict[str, str] = {}
    for f in error.findings if error else []:
        key = f.path.rstrip("/").split("/")[-1] if f.path else ""
        if key.isdigit():  # /reasons/0/code, /containers/1 → the list's name
            key = f.path.strip("/").split("/")[0]
        key = (aliases or {}).get(key, key)
        out.setdefault(key, f"{f.message_zh}|{f.message}")
    return out


# --- the worklist


@router.get("/agency")
def worklist_page(
    request: Request,
    session: DbSession,
    user: AgencyUser,
    status: Annotated[str, Query(max_length=24)] = "",
    ie: Annotated[str, Query(max_length=1)] = "",
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
    claim: Annotated[str, Query(max_length=10)] = "",
    sort: Annotated[str, Query(max_length=10)] = "oldest",
    q: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    officer = officer_of(user)
    lang = lang_of(request)
    error = None
    rows: list[worklist.Row] = []
    filters = worklist.Filters(
        status=status if status in AGENCY_STATES else "",
        ie_flag=ie if ie in ("I", "E") else "",
        claim=claim if claim in ("mine", "unclaimed", "others") else "",  # type: ignore[arg-type]
        sort="newest" if sort == "newest" else "oldest",
        q=q,
    )
    try:
        filters = worklist.Filters(
            **{**_asdict(filters), "since": _day(since, "from"), "until": _day(until, "to")}
        )
        rows = worklist.worklist(
            session, officer, filters, after_id=decode_cursor(cursor), limit=PAGE + 1
        )
    except SingleWindowError as exc:
        error = exc
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    query = {
        "status": filters.status,
        "ie": filters.ie_flag,
        "from": since,
        "to": until,
        "claim": filters.claim,
        "sort": filters.sort,
        "q": q,
    }
    next_url = None
    if more and rows:
        next_url = _url("/portal/agency", query | {"cursor": encode_cursor(rows[-1].id)})
    here = _url("/portal/agency", query | ({"cursor": cursor} if cursor else {}))
    return page(
        request,
        "agency/worklist.html",
        {
            "rows": [_row_view(r, officer, lang) for r in rows],
            "filters": query,
            "states": AGENCY_STATES,
            "today": worklist.today_counts(session, officer),
            "next_url": next_url,
            "here": here,
            "error": error,
            "filtered": any(v for k, v in query.items() if k != "sort"),
            "warn_hours": int(worklist.WARN_AFTER.total_seconds() // 3600),
            "overdue_hours": int(worklist.OVERDUE_AFTER.total_seconds() // 3600),
        },
        user=user,
        status_code=error.status if error else 200,
    )


def _asdict(filters: worklist.Filters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in filters.__slots__}


def _url(path: str, query: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    kept = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


@dataclass(frozen=True, slots=True)
class RowView:
    id: str
    unified_no: str
    entry_no: str
    ie_flag: str
    office: str
    bill_no: str
    submitted_at: Any
    status: str
    agency_status: str
    age: str
    urgency: str
    claimed_by: str
    mine: bool


def _row_view(row: worklist.Row, officer: worklist.Officer, lang: Lang) -> RowView:
    d = row.declaration
    claim = row.claim
    return RowView(
        id=d.id,
        unified_no=d.unified_no or "",
        entry_no=d.entry_no or "",
        ie_flag=d.ie_flag,
        office=d.customs_master or "",
        bill_no=d.bill_no or "",
        submitted_at=d.submitted_at,
        status=d.status,
        agency_status=row.agency_status,
        age=age_text(row.age, lang),
        urgency=row.urgency,
        claimed_by=claim.user_name if claim else "",
        mine=claim is not None and claim.user_id == officer.user_id,
    )


# --- joint inspections


def waiting_for(case: Any, agency: str) -> str:
    """What the case waits for, from this agency's point of view (a catalogue key suffix)."""
    order = next((o for o in case.orders if o.agency_code == agency), None)
    if case.status in ("released", "closed", "cancelled"):
        return "nothing"
    if case.status == "open":
        return case.waiting_reason or "booking"
    if case.status == "booked":
        return "positioning"
    if order is None or order.status == "withdrawn":
        return "nothing"
    if order.status == "open":
        return "your_result"
    if order.status == "resulted":
        return "your_release"
    return "others"


@router.get("/agency/inspections")
def inspections_page(
    request: Request,
    session: DbSession,
    user: AgencyUser,
    status: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    principal = user.principal
    from singlewindow.inspection.rules import CaseStatus

    wanted = status if status in {s.value for s in CaseStatus} else None
    rows = inspection_reads.search(
        session,
        principal,
        status=wanted,
        terminal=None,
        declaration_id=None,
        after_id=decode_cursor(cursor),
        limit=PAGE + 1,
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    cases = [inspection_reads.case_out(session, c) for c in rows]
    return page(
        request,
        "agency/inspections.html",
        {
            "cases": [(c, waiting_for(c, principal.party_code)) for c in cases],
            "status": wanted or "",
            "states": [s.value for s in CaseStatus],
            "agency": principal.party_code,
            "next_url": _url(
                "/portal/agency/inspections",
                {"status": wanted, "cursor": encode_cursor(rows[-1].id)},
            )
            if more and rows
            else None,
        },
        user=user,
    )


# --- service-time indicators


@router.get("/agency/indicators")
def indicators_page(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: AgencyUser,
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    principal = user.principal
    lang = lang_of(request)
    error = None
    report: dict[str, Any] | None = None
    first = _safe_day(since) or clock.today_china() - timedelta(days=30)
    last = _safe_day(until) or clock.today_china()
    try:
        _day(since, "from")
        _day(until, "to")
        query = analytics.Query(group_by="agency", since=first, until=last)
        report = analytics.report(
            session, principal, query, max_rows=settings.time_release_max_rows
        )
    except SingleWindowError as exc:
        error = exc
    segments: list[dict[str, Any]] = []
    own: dict[str, Any] | None = None
    if report is not None:
        own = next(
            (g for g in report["groups"] if g["key"] == principal.party_code), report["overall"]
        )
        for s in report["segments"]:
            figures = own["segments"][s["key"]] if own else {}
            segments.append(s | {"figures": figures})
    label = "label_zh" if lang == "zh" else "label"
    chart = {
        "type": "bar",
        "data": {
            "labels": [s[label] for s in segments],
            "datasets": [
                {
                    "label": "中位数（小时）" if lang == "zh" else "Median (hours)",
                    "data": [s["figures"].get("median") for s in segments],
                    "backgroundColor": "#0b4f8a",
                },
                {
                    "label": "90分位（小时）" if lang == "zh" else "90th percentile (hours)",
                    "data": [s["figures"].get("p90") for s in segments],
                    "backgroundColor": "#c8102e",
                },
            ],
        },
        "options": {
            "indexAxis": "y",
            "plugins": {"legend": {"position": "bottom"}},
            "scales": {"x": {"beginAtZero": True}},
        },
    }
    return page(
        request,
        "agency/indicators.html",
        {
            "today": worklist.today_counts(session, officer_of(user)),
            "segments": segments,
            "own": own,
            "chart": chart,
            "has_data": any(s["figures"].get("count") for s in segments),
            "since": first.isoformat(),
            "until": last.isoformat(),
            "error": error,
            "overdue_hours": int(worklist.OVERDUE_AFTER.total_seconds() // 3600),
        },
        user=user,
        status_code=error.status if error else 200,
    )


def _safe_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
