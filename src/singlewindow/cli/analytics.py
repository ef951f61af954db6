"""``singlewindow analytics time-release``: the Time Release Study figures of this node."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from singlewindow.analytics import time_release as analytics
from singlewindow.analytics.tasks import refresh_once
from singlewindow.cli.common import console, database, print_json, settings
from singlewindow.kit import clock
from singlewindow.kit.errors import SingleWindowError
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind

app = typer.Typer(no_args_is_help=True)


class GroupBy(StrEnum):
    port = "port"
    district = "district"
    agency = "agency"
    trade_mode = "trade_mode"
    ie_flag = "ie_flag"
    transport_mode = "transport_mode"


def _node_operator(node_code: str) -> Principal:
    """The command runs as the node's operator: the whole province (or node)."""
    return Principal(
        party_id="cli",
        party_code=node_code,
        kind=PartyKind.platform,
        agency_type=None,
        uscc=None,
        customs_code=None,
        key_id=None,
        roles=frozenset({"province_operator"}),
        via="cli",
    )


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def _hours(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}"


def _table(report: dict[str, Any]) -> Table:
    table = Table(title=f"Time Release Study (hours) by {report['group_by']} · 通关时间（小时）")
    table.add_column("group / 分组")
    table.add_column("n", justify="right")
    table.add_column("inspected / 查验", justify="right")
    for s in report["segments"]:
        table.add_column(f"{s['label']}\n{s['label_zh']}\nmean · median · p90", justify="right")
    everyone = report["overall"] | {"key": "*", "label": "All / 全部"}
    for group in [*report["groups"], everyone]:
        name = f"{group['key'] or '-'} {group.get('label') or ''}".strip()
        share = group["inspected_share"]
        cells = [name, str(group["count"]),
                 f"{group['inspected']} ({share:.0%})" if share is not None else "0"]  # fmt: skip
        for s in report["segments"]:
            f = group["segments"][s["key"]]
            cells.append(
                f"{_hours(f['mean'])} · {_hours(f['median'])} · {_hours(f['p90'])}\n"
                f"n={f['count']} missing={f['missing']}"
            )
        table.add_row(*cells)
    return table


@app.command("time-release")
def time_release(
    group_by: GroupBy = typer.Option(GroupBy.port, "--group-by", help="grouping key"),
    since: str | None = typer.Option(None, "--from", help="submitted on or after (YYYY-MM-DD)"),
    until: str | None = typer.Option(None, "--to", help="submitted on or before (YYYY-MM-DD)"),
    ie_flag: str | None = typer.Option(None, "--ie-flag", help="I import, E export"),
    refresh: bool = typer.Option(False, "--refresh", help="bring the projection up to date first"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Clearance times per group: each WCO TRS segment's mean, median and p90 in hours."""
    if ie_flag is not None and ie_flag not in ("I", "E"):
        raise typer.BadParameter("must be I or E", param_hint="--ie-flag")
    query = analytics.Query(
        group_by=group_by.value,
        since=_day(since, "--from"),
        until=_day(until, "--to"),
        ie_flag=ie_flag,
    )
    s = settings()
    db = database(s)
    try:
        if refresh:
            refresh_once(db, s)
        with db.read_only() as session:
            report = analytics.report(
                session, _node_operator(s.node_code), query, max_rows=s.time_release_max_rows
            )
    except SingleWindowError as exc:
        console.print(f"[red]{exc.message}[/red] / {exc.message_zh}")
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    if as_json:
        print_json(report | {"generated_at": clock.now().isoformat()})
        return
    Console().print(_table(report))
