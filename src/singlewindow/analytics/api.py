"""Time Release Study routes (``/api/v1/analytics``).

``GET /time-release`` answers the WCO TRS figures per group (``schemas.TimeReleaseReport``);
``GET /time-release.csv`` the same as CSV (UTF-8 with BOM, bilingual header), one row per
group and a last row for all of them. Who sees which declarations: ``analytics._scope``.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from singlewindow.analytics import time_release as analytics
from singlewindow.analytics.schemas import TimeReleaseReport
from singlewindow.identity.roles import Role
from singlewindow.kit.http import AppSettings, DbSession
from singlewindow.kit.settings import Settings
from singlewindow.parties.access import AGENCIES, DECLARANTS, OPERATORS, Allow
from singlewindow.parties.auth import Principal

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

# Traders (their own filings), agencies (what was routed to them; every port's aggregates),
# operators (their city or the province), auditors and analysts (the province).
AnalyticsReader = Annotated[
    Principal,
    Allow(*DECLARANTS, *AGENCIES, *OPERATORS, Role.auditor, Role.analyst, tenant="routed"),
]
GroupByP = Annotated[
    analytics.GroupBy,
    Query(description="group by: customs office (port), customs district, agency, trade mode, "
          "import/export, transport mode"),
]  # fmt: skip
Since = Annotated[
    date | None, Query(alias="from", description="submitted on or after (China date)")
]
Until = Annotated[date | None, Query(alias="to", description="submitted on or before (China date)")]
IeFlag = Annotated[Literal["I", "E"] | None, Query(description="I import, E export")]


def _report(
    session: Session,
    settings: Settings,
    principal: Principal,
    group_by: str,
    since: date | None,
    until: date | None,
    ie_flag: str | None,
) -> dict[str, Any]:
    query = analytics.Query(group_by=group_by, since=since, until=until, ie_flag=ie_flag)
    return analytics.report(session, principal, query, max_rows=settings.time_release_max_rows)


@router.get(
    "/time-release",
    response_model=TimeReleaseReport,
    summary="Time Release Study: clearance times per group (通关时间测算)",
)
def time_release(
    session: DbSession,
    settings: AppSettings,
    principal: AnalyticsReader,
    group_by: GroupByP = "port",
    since: Since = None,
    until: Until = None,
    ie_flag: IeFlag = None,
) -> dict[str, Any]:
    """Per group: how many declarations, how many were inspected, and for each WCO TRS
    segment the mean, median and 90th percentile in hours over the declarations that have
    both of its milestones (``missing`` says how many were left out)."""
    return _report(session, settings, principal, group_by, since, until, ie_flag)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(report: dict[str, Any]) -> str:
    segments = report["segments"]
    header = ["Group / 分组", "Name / 名称", "名称（中文）", "Declarations / 报关单数",
              "Inspected / 查验数", "Inspected share / 查验率"]  # fmt: skip
    for s in segments:
        for en, zh in (("n", "样本数"), ("missing", "缺失数"), ("mean h", "平均小时"),
                       ("median h", "中位小时"), ("p90 h", "90分位小时")):  # fmt: skip
            header.append(f"{s['label']} {en} / {s['label_zh']}{zh}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    overall = report["overall"] | {"key": "*", "label": "All", "label_zh": "全部"}
    for group in [*report["groups"], overall]:
        row = [group["key"], group["label"], group["label_zh"], group["count"],
               group["inspected"], group["inspected_share"]]  # fmt: skip
        for s in segments:
            f = group["segments"][s["key"]]
            row += [f["count"], f["missing"], f["mean"], f["median"], f["p90"]]
        writer.writerow([_cell(v) for v in row])
    return "\ufeff" + buffer.getvalue()


@router.get(
    "/time-release.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Time Release Study as CSV (UTF-8 with BOM, bilingual header)",
)
def time_release_csv(
    session: DbSession,
    settings: AppSettings,
    principal: AnalyticsReader,
    group_by: GroupByP = "port",
    since: Since = None,
    until: Until = None,
    ie_flag: IeFlag = None,
) -> Response:
    """The figures of ``/time-release``, one row per group and a last row ``*`` for all."""
    report = _report(session, settings, principal, group_by, since, until, ie_flag)
    return Response(
        csv_text(report).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="time-release-{group_by}.csv"'},
    )
