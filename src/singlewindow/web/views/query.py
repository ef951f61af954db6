"""The clearance query page, for every area (issue 6).

One form with the keys of ``GET /api/v1/query/clearance`` (unified no., customs no., client
reference, B/L, container, vessel + voyage) and its filters; the same validation
(``query.api``'s key and filter checks), the same reads (``query.repository.find`` and
``query.service.chains``, which limit each caller to what it may see) and the same audit of
agency reads. The CSV export links to the API's CSV route, which takes the session cookie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from singlewindow.kit.errors import Finding, SingleWindowError
from singlewindow.kit.http import DbSession
from singlewindow.parties import service as parties
from singlewindow.query import repository, service
from singlewindow.query.api import (
    DEFAULT_LIMIT,
    _audit_agency_reads,
    _filters,
    _key,
    _page_cursor,
)
from singlewindow.query.schemas import ClearanceChain
from singlewindow.web.auth import CurrentUser, PortalUser
from singlewindow.web.render import render

router = APIRouter(prefix="/portal", include_in_schema=False)

# The form's fields and the API's length limits (query/api.py's Query(max_length=...)).
KEYS = ("unified_no", "entry_no", "client_ref", "bill_no", "container_no", "vessel")
LIMITS = {
    "unified_no": 18,
    "entry_no": 18,
    "client_ref": 64,
    "bill_no": 35,
    "container_no": 11,
    "vessel": 100,
    "voyage": 40,
    "status": 20,
    "cursor": 400,
}
FIELDS = (*KEYS, "voyage", "status", "ie_flag", "from", "to", "cursor")
STATUSES = (
    "submitted",
    "accepted",
    "rejected",
    "inspection",
    "released",
    "cleared",
    "withdrawn",
)


@dataclass
class QueryForm:
    values: dict[str, str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def asked(self) -> bool:
        return any(self.values.get(name) for name in FIELDS if name != "cursor")

    def params(self, **override: str) -> str:
        merged = self.values | override
        return urlencode({k: v for k, v in merged.items() if v})


def _finding(name: str, code: str, en: str, zh: str) -> Finding:
    return Finding(f"query:{name}", code, en, zh)


def _date(form: QueryForm, name: str) -> date | None:
    value = form.values.get(name, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        form.findings.append(
            _finding(name, "date_parsing", "a date as YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
        )
        return None


def _read_form(request: Request) -> QueryForm:
    p = request.query_params
    form = QueryForm({name: p.get(name, "").strip() for name in FIELDS})
    for name, limit in LIMITS.items():
        if len(form.values[name]) > limit:
            form.findings.append(
                _finding(
                    name,
                    "string_too_long",
                    f"at most {limit} characters",
                    f"长度不能超过 {limit} 个字符",
                )
            )
    if form.values["ie_flag"] not in ("", "I", "E"):
        form.findings.append(_finding("ie_flag", "literal_error", "I or E", "应为 I 或 E"))
    return form


def agency_names(session: Session, chains: list[ClearanceChain]) -> dict[str, tuple[str, str]]:
    """Party code → (zh, en) name of every agency and terminal named in the chains."""
    codes: set[str] = set()
    for chain in chains:
        codes.update(a.agency_code for a in chain.agencies)
        for call in chain.ship_calls:
            codes.update(c.agency_code for c in call.clearances)
        for case in chain.inspections:
            codes.update(str(o.get("agency_code")) for o in case.get("orders") or [])
    out = {}
    for code in sorted(codes):
        party = parties.find_party(session, code)
        if party is not None:
            out[code] = (party.name_zh, party.name_en or party.name_zh)
    return out


def _search(
    session: Session, user: PortalUser, form: QueryForm
) -> tuple[list[ClearanceChain], str | None]:
    v = {name: (value or None) for name, value in form.values.items()}
    since, until = _date(form, "from"), _date(form, "to")
    if form.findings:
        return [], None
    key = _key(
        v["unified_no"],
        v["entry_no"],
        v["client_ref"],
        v["bill_no"],
        v["container_no"],
        v["vessel"],
        v["voyage"],
    )
    filters = _filters(v["status"], v["ie_flag"], since, until, "-submitted_at", v["cursor"])
    principal = user.principal
    rows = repository.find(session, principal, key, filters, DEFAULT_LIMIT + 1)
    more = len(rows) > DEFAULT_LIMIT
    rows = rows[:DEFAULT_LIMIT]
    _audit_agency_reads(session, principal, rows)
    chains = service.chains(session, principal, rows)
    return chains, _page_cursor(rows, filters.descending) if more and rows else None


def _errors(findings: list[Finding]) -> dict[str, list[Finding]]:
    from singlewindow.web.views.trader import field_errors

    return field_errors(findings)


@router.get("/query")
def clearance_query(request: Request, session: DbSession, user: CurrentUser) -> Response:
    form = _read_form(request)
    chains: list[ClearanceChain] = []
    next_cursor = None
    error: SingleWindowError | None = None
    if form.asked and not form.findings:
        try:
            chains, next_cursor = _search(session, user, form)
        except SingleWindowError as exc:
            error = exc
            form.findings.extend(exc.findings)
    status = error.status if error is not None else (422 if form.findings else 200)
    values: dict[str, Any] = {
        "form": form,
        "asked": form.asked,
        "chains": chains,
        "names": agency_names(session, chains),
        "statuses": STATUSES,
        "error": error,
        "findings": form.findings,
        "errors": _errors(form.findings),
        "next_url": f"/portal/query?{form.params(cursor=next_cursor)}" if next_cursor else None,
        "csv_url": f"/api/v1/query/clearance.csv?{form.params(cursor='')}",
    }
    return render(request, "query/query.html", values, user=user, status_code=status)
