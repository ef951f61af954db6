"""Time Release Study figures: the projected rows, loaded into DuckDB and aggregated there.

The rows a caller may see are read with SQLAlchemy (milestones as epoch seconds) and handed
to an in-memory DuckDB database as column lists (``unnest`` of list parameters: no pandas,
no Arrow, no DuckDB extension — nothing is downloaded at run time). DuckDB computes, per
group and for everyone, each segment's count, mean, median and 90th percentile (``median``
and ``quantile_cont``: linear interpolation between the two nearest ranks) in hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, get_args

import duckdb
from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from singlewindow.analytics.models import TimeRelease, TimeReleaseAgency
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import Finding, ValidationFailed
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.parties.service import DECLARANT_KINDS
from singlewindow.standards.codes.lookup import DbCodeLookup, builtin_lookup

GroupBy = Literal["port", "district", "agency", "trade_mode", "ie_flag", "transport_mode"]


@dataclass(frozen=True, slots=True)
class Segment:
    key: str
    start: str  # milestone column
    end: str
    label_en: str
    label_zh: str


# The WCO TRS segments (docs/inspection.md, "Time Release Study").
SEGMENTS: tuple[Segment, ...] = (
    Segment("arrival_to_declaration", "arrived_at", "submitted_at",
            "Arrival → declaration", "抵达→申报"),
    Segment("declaration_to_acceptance", "submitted_at", "accepted_at",
            "Declaration → acceptance", "申报→接受申报"),
    Segment("acceptance_to_release", "accepted_at", "released_at",
            "Acceptance → release", "接受申报→放行"),
    Segment("inspection", "inspection_started_at", "inspection_finished_at",
            "Inspection", "查验"),
    Segment("release_to_exit", "released_at", "exited_at", "Release → exit", "放行→离场"),
    Segment("arrival_to_release", "arrived_at", "released_at",
            "Arrival → release", "抵达→放行"),
    Segment("total", "arrived_at", "exited_at", "Total (arrival → exit)", "全程（抵达→离场）"),
)  # fmt: skip
# With group_by=agency: each agency's own times, from its routing.
AGENCY_SEGMENTS: tuple[Segment, ...] = (
    Segment("agency_first_decision", "routed_at", "first_decision_at",
            "Routed → agency's first decision", "分送→部门首次处理"),
    Segment("agency_release", "routed_at", "agency_released_at",
            "Routed → agency's release", "分送→部门放行"),
)  # fmt: skip
MILESTONES = (
    "arrived_at",
    "submitted_at",
    "accepted_at",
    "inspection_started_at",
    "inspection_finished_at",
    "released_at",
    "exited_at",
)
AGENCY_MILESTONES = ("routed_at", "first_decision_at", "agency_released_at")
_CODE_TABLES = {
    "port": "customs_district",
    "district": "customs_district",
    "trade_mode": "trade_mode",
    "transport_mode": "transport_mode",
}
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2999, 12, 31)  # the dates a period may name
_IE_LABELS = {"I": ("Import", "进口"), "E": ("Export", "出口")}


@dataclass(frozen=True, slots=True)
class Query:
    group_by: str
    since: date | None = None  # declarations submitted on or after (China date)
    until: date | None = None  # … on or before
    ie_flag: str | None = None


def _invalid(param: str, code: str, en: str, zh: str) -> ValidationFailed:
    return ValidationFailed(
        f"{param}: {en}", f"{param}：{zh}", findings=[Finding(f"query:{param}", code, en, zh)]
    )


def check(query: Query) -> None:
    if query.group_by not in get_args(GroupBy):
        raise _invalid("group_by", "unknown_group_by", f"one of {', '.join(get_args(GroupBy))}",
                       f"应为以下之一：{'、'.join(get_args(GroupBy))}")  # fmt: skip
    for name, day in (("from", query.since), ("to", query.until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise _invalid(name, "out_of_range", f"must be from {FIRST_DAY} to {LAST_DAY}",
                           f"应在 {FIRST_DAY} 至 {LAST_DAY} 之间")  # fmt: skip
    if query.since is not None and query.until is not None and query.since > query.until:
        raise _invalid("from", "from_after_to", "from is after to", "起始日期晚于截止日期")


# --- What the caller may see


def _city(principal: Principal) -> str | None:
    """A city operator's city; None for everyone who sees the whole province (province
    operators, auditors, analysts: only city operators have a city)."""
    if principal.roles & {"province_operator", "auditor", "analyst"}:
        return None
    if "city_operator" in principal.roles:
        return principal.city or "-"
    return None


def _scope(principal: Principal, group_by: str) -> ColumnElement[bool] | None:
    """The rows a caller's figures are computed from (None: every row).

    Province operators, auditors and analysts: province-wide; a city operator their city
    (the trader's USCC, as for the declarations). Traders and brokers: their
    own filings. Agencies: the declarations routed to them — except ``group_by=port``, which
    every agency gets over all declarations (the ports' aggregates are the benchmark its own
    figures are read against; no declaration appears in them)."""
    if principal.kind == PartyKind.platform:
        city = _city(principal)
        if city is None:
            return None
        return func.substr(TimeRelease.trade_co_scc, 3, 4) == city[:4]
    if principal.kind in DECLARANT_KINDS:
        conditions = [TimeRelease.declarant_code == principal.party_code]
        if principal.uscc:
            conditions += [
                TimeRelease.trade_co_scc == principal.uscc,
                TimeRelease.agent_code_scc == principal.uscc,
            ]
        return or_(*conditions)
    if group_by == "port":
        return None
    routed = aliased(TimeReleaseAgency)  # group_by=agency joins the table itself
    return exists().where(
        routed.declaration_id == TimeRelease.declaration_id,
        routed.agency_code == principal.party_code,
    )


def _select(principal: Principal, query: Query) -> Select[Any]:
    columns: list[Any] = [getattr(TimeRelease, m) for m in MILESTONES]
    if query.group_by == "agency":
        statement = select(
            TimeReleaseAgency.agency_code,
            TimeRelease.inspected,
            *columns,
            TimeReleaseAgency.routed_at,
            TimeReleaseAgency.first_decision_at,
            TimeReleaseAgency.released_at,
        ).join(TimeReleaseAgency, TimeReleaseAgency.declaration_id == TimeRelease.declaration_id)
        if principal.kind not in (PartyKind.platform, *DECLARANT_KINDS):
            statement = statement.where(TimeReleaseAgency.agency_code == principal.party_code)
    else:
        group = {
            "port": TimeRelease.port,
            "district": TimeRelease.customs_district,
            "trade_mode": TimeRelease.trade_mode,
            "ie_flag": TimeRelease.ie_flag,
            "transport_mode": TimeRelease.transport_mode,
        }[query.group_by]
        statement = select(group, TimeRelease.inspected, *columns)
    scope = _scope(principal, query.group_by)
    if scope is not None:
        statement = statement.where(scope)
    statement = statement.where(TimeRelease.submitted_at.is_not(None))
    if query.since is not None:
        statement = statement.where(
            TimeRelease.submitted_at >= datetime.combine(query.since, time(), CHINA_TZ)
        )
    if query.until is not None:
        end = datetime.combine(query.until + timedelta(days=1), time(), CHINA_TZ)
        statement = statement.where(TimeRelease.submitted_at < end)
    if query.ie_flag is not None:
        statement = statement.where(TimeRelease.ie_flag == query.ie_flag)
    return statement


# --- Aggregation in DuckDB


def _seconds(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _load(
    session: Session, principal: Principal, query: Query, max_rows: int
) -> dict[str, list[Any]]:
    names = ["grp", "inspected", *MILESTONES]
    if query.group_by == "agency":
        names += list(AGENCY_MILESTONES)
    data: dict[str, list[Any]] = {n: [] for n in names}
    result = session.execute(_select(principal, query).limit(max_rows + 1))
    for count, row in enumerate(result, start=1):
        if count > max_rows:
            raise _invalid(
                "from",
                "too_many_rows",
                f"more than {max_rows} declarations in the period: narrow from/to",
                f"所选期间报关单超过 {max_rows} 份，请缩小起止日期",
            )
        data["grp"].append(row[0])
        data["inspected"].append(bool(row[1]))
        for name, value in zip(names[2:], row[2:], strict=True):
            data[name].append(_seconds(value))
    return data


def _segment_sql(segment: Segment) -> list[str]:
    expr = f'("{segment.end}" - "{segment.start}") / 3600.0'
    k = segment.key
    return [
        f"count({expr}) AS {k}__n",
        f"avg({expr}) AS {k}__mean",
        f"median({expr}) AS {k}__median",
        f"quantile_cont({expr}, 0.9) AS {k}__p90",
    ]


def aggregate(data: dict[str, list[Any]], segments: Sequence[Segment]) -> list[dict[str, Any]]:
    """Per group and overall (the row with ``everyone`` true): count, inspected, and each
    segment's n, mean, median and p90 in hours."""
    names = list(data)
    types = {"grp": "VARCHAR", "inspected": "BOOLEAN"}
    projection = ", ".join(
        f'unnest(${i + 1}::{types.get(n, "DOUBLE")}[]) AS "{n}"' for i, n in enumerate(names)
    )
    figures = ", ".join(part for s in segments for part in _segment_sql(s))
    if not data["grp"]:
        return []
    # Built from this module's constant names only; the data are bound parameters. The rows
    # are materialised first: unnest inside the aggregating query is several times slower.
    load = f"CREATE TABLE t AS SELECT {projection}"
    sql = (
        "SELECT grp, grouping(grp) = 1 AS everyone, count(*) AS n, "  # noqa: S608
        f"count(*) FILTER (WHERE inspected) AS inspected, {figures} "
        "FROM t GROUP BY GROUPING SETS ((grp), ()) ORDER BY everyone, grp NULLS LAST"
    )
    with duckdb.connect(":memory:") as con:
        con.execute(load, [data[n] for n in names])
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# --- The answer


def _label(session: Session, group_by: str, code: str | None) -> tuple[str | None, str | None]:
    if code is None:
        return "(not recorded)", "（未记录）"
    if group_by == "ie_flag":
        return _IE_LABELS.get(code, (None, None))
    table = _CODE_TABLES.get(group_by)
    if table is None:
        return None, None
    db = DbCodeLookup(session)
    lookup = db if db.has_table(table) else builtin_lookup()
    entry = lookup.get(table, code)
    return (entry.name_en, entry.name_zh) if entry is not None else (None, None)


def _hours(value: Any) -> float | None:
    return round(float(value), 3) if value is not None else None


def _group(row: dict[str, Any], segments: Sequence[Segment]) -> dict[str, Any]:
    count = int(row["n"])
    inspected = int(row["inspected"])
    return {
        "count": count,
        "inspected": inspected,
        "inspected_share": round(inspected / count, 4) if count else None,
        "segments": {
            s.key: {
                "count": int(row[f"{s.key}__n"]),
                "missing": count - int(row[f"{s.key}__n"]),
                "mean": _hours(row[f"{s.key}__mean"]),
                "median": _hours(row[f"{s.key}__median"]),
                "p90": _hours(row[f"{s.key}__p90"]),
            }
            for s in segments
        },
    }


def segments_for(group_by: str) -> tuple[Segment, ...]:
    return SEGMENTS + AGENCY_SEGMENTS if group_by == "agency" else SEGMENTS


def report(
    session: Session, principal: Principal, query: Query, *, max_rows: int
) -> dict[str, Any]:
    """The figures, as the API answers them (``schemas.TimeReleaseReport``)."""
    check(query)
    segments = segments_for(query.group_by)
    rows = aggregate(_load(session, principal, query, max_rows), segments)
    groups = []
    overall = None
    for row in rows:
        if row["everyone"]:
            overall = _group(row, segments)
            continue
        label_en, label_zh = _label(session, query.group_by, row["grp"])
        groups.append(
            {"key": row["grp"], "label": label_en, "label_zh": label_zh} | _group(row, segments)
        )
    return {
        "group_by": query.group_by,
        "from": query.since,
        "to": query.until,
        "ie_flag": query.ie_flag,
        "unit": "hours",
        "segments": [
            {
                "key": s.key,
                "start": s.start,
                "end": s.end,
                "label": s.label_en,
                "label_zh": s.label_zh,
            }
            for s in segments
        ],
        "groups": groups,
        "overall": overall or _empty(segments),
    }


def _empty(segments: Sequence[Segment]) -> dict[str, Any]:
    return {
        "count": 0,
        "inspected": 0,
        "inspected_share": None,
        "segments": {
            s.key: {"count": 0, "missing": 0, "mean": None, "median": None, "p90": None}
            for s in segments
        },
    }
