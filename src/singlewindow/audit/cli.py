"""``singlewindow audit verify | head | export | purge | seal``."""

from __future__ import annotations

import getpass
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import typer

from singlewindow.audit import actions
from singlewindow.audit.chain import Anchor, Problem
from singlewindow.audit.export import (
    BadExport,
    ExportFormat,
    read_jsonl,
    sealed_entries,
    verify_export,
    write,
)
from singlewindow.audit.retention import ChainBroken, purge_all
from singlewindow.audit.service import current_head, record
from singlewindow.audit.tasks import seal_all
from singlewindow.audit.verify import verify
from singlewindow.cli.common import console, database, print_json, settings

app = typer.Typer(no_args_is_help=True)


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in minimal containers
        return "cli"


def _anchor(value: str | None) -> Anchor | None:
    if value is None:
        return None
    try:
        return Anchor.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} / 应为 序号:哈希", param_hint="--expect-head") from exc


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"not an ISO 8601 date or time: {value!r} / 不是 ISO 8601 日期或时间", param_hint=option
        ) from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        where = f"seq {p.seq}" if p.seq is not None else "chain"
        entry = f" entry {p.entry_id}" if p.entry_id else ""
        console.print(f"  {where}{entry}: [bold]{p.code}[/bold] — {p.message} / {p.message_zh}")


@app.command("verify")
def verify_command(
    expect_head: str | None = typer.Option(
        None, "--expect-head", help="a head recorded earlier, SEQ:HASH (from `audit head`)"
    ),
    from_anchor: bool = typer.Option(
        False, "--from-anchor", help="walk only from the --expect-head entry on (fast)"
    ),
    file: Path | None = typer.Option(
        None, "--file", help="check an exported JSON Lines file instead of the database"
    ),
    as_json: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Verify the hash chain; exit 1 and name the entry when it is broken."""
    anchor = _anchor(expect_head)
    if from_anchor and anchor is None:
        raise typer.BadParameter(
            "--from-anchor needs --expect-head / 需要同时指定 --expect-head",
            param_hint="--from-anchor",
        )
    if file is not None:
        _verify_file(file, anchor, as_json)
        return
    db = database()
    try:
        with db.read_only() as session:
            report = verify(session, anchor=anchor, from_anchor=from_anchor)
    finally:
        db.dispose()
    if as_json:
        print_json(report.as_dict())
    else:
        colour = "green" if report.ok else "red"
        state = "intact / 完整" if report.ok else "BROKEN / 已损坏"
        console.print(
            f"[{colour}]{state}[/{colour}]: {report.entries} entries from seq {report.first_seq}, "
            f"head {report.head_seq}:{report.head_hash}, {report.unsealed} not yet sealed"
        )
        if report.anchor_status:
            console.print(f"anchor {report.anchor}: {report.anchor_status}")
        _print_problems(report.problems)
    raise typer.Exit(0 if report.ok else 1)


def _verify_file(file: Path, anchor: Anchor | None, as_json: bool) -> None:
    try:
        with file.open(encoding="utf-8") as lines:
            walker = verify_export(read_jsonl(lines), head=str(anchor) if anchor else None)
    except (OSError, BadExport) as exc:
        console.print(f"[red]cannot read {file}: {exc} / 无法读取导出文件[/red]")
        raise typer.Exit(2) from exc
    ok = not walker.problems
    if as_json:
        print_json(
            {
                "ok": ok,
                "entries": walker.entries,
                "last": f"{walker.last_seq}:{walker.last_hash}" if walker.entries else None,
                "anchor_status": walker.anchor_status(),
                "problems": [p.as_dict() for p in walker.problems],
            }
        )
    else:
        colour, state = ("green", "intact / 完整") if ok else ("red", "BROKEN / 已损坏")
        console.print(
            f"[{colour}]{state}[/{colour}]: {walker.entries} entries, "
            f"last {walker.last_seq}:{walker.last_hash}"
        )
        _print_problems(walker.problems)
    raise typer.Exit(0 if ok else 1)


@app.command("head")
def head_command(as_json: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Print the sealed chain head as SEQ:HASH: record it outside the node (anchoring)."""
    db = database()
    try:
        with db.read_only() as session:
            head = current_head(session)
    finally:
        db.dispose()
    if as_json:
        print_json(head.as_dict())
        return
    sys.stdout.write(f"{head.seq}:{head.entry_hash}\n")
    console.print(
        f"head at entry {head.seq}, {head.unsealed} not yet sealed; keep this line outside the "
        "node and check it later with `audit verify --expect-head` / 请将此行保存在节点之外"
    )


def _open_out(out: str) -> IO[str]:
    try:
        return Path(out).open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot write {out}: {exc} / 无法写入文件", param_hint="--out"
        ) from exc


@app.command("export")
def export_command(
    since: str | None = typer.Option(None, help="from this time (ISO 8601; UTC if no offset)"),
    until: str | None = typer.Option(None, help="before this time (ISO 8601; UTC if no offset)"),
    fmt: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", help="jsonl or csv"),
    out: str = typer.Option("-", "--out", help="output file; - for standard output"),
    seal_first: bool = typer.Option(
        True, "--seal/--no-seal", help="chain pending entries first, so the export is complete"
    ),
    actor: str | None = typer.Option(None, help="who exports (recorded); default cli:<user>"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable summary"),
) -> None:
    """Export sealed entries of a period, in chain order, for auditors."""
    start, end = _time(since, "--since"), _time(until, "--until")
    if start is not None and end is not None and start > end:
        raise typer.BadParameter("--until is before --since / 结束时间早于开始时间")
    if as_json and out == "-":
        raise typer.BadParameter(
            "--json needs --out FILE / 需要指定 --out 文件", param_hint="--json"
        )
    db = database()
    try:
        if seal_first:
            seal_all(db)
        summary: dict[str, Any] = {"format": fmt.value, "out": out, "since": start, "until": end}
        with db.read_only() as session, ExitStack() as stack:
            target: IO[str] = sys.stdout
            if out != "-":
                target = stack.enter_context(_open_out(out))
            last: dict[str, Any] = {}

            def tracked() -> Any:
                for row in sealed_entries(session, since=start, until=end):
                    last.update(row)
                    yield row

            summary["entries"] = write(tracked(), target, fmt)
        summary["last"] = f"{last['seq']}:{last['entry_hash']}" if last else None
        with db.unit_of_work() as session:
            record(
                session,
                actor=actor or _default_actor(),
                action=actions.AUDIT_EXPORT,
                target_type=actions.AUDIT_LOG,
                target_id=None,
                detail=summary,
            )
    finally:
        db.dispose()
    if as_json:
        print_json(summary)
    else:
        console.print(
            f"[green]{summary['entries']} entries exported[/green] to {out} "
            f"(last {summary['last']}) / 已导出 {summary['entries']} 条"
        )


@app.command("purge")
def purge_command(
    batch: int = typer.Option(5000, min=1, help="entries per transaction"),
    actor: str | None = typer.Option(None, help="who purges (recorded); default cli:<user>"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Delete sealed entries older than SW_AUDIT_RETENTION_DAYS, keeping the chain verifiable."""
    days = settings().audit_retention_days
    db = database()
    try:
        seal_all(db)
        results = purge_all(db, retention_days=days, actor=actor or _default_actor(), batch=batch)
    except ChainBroken as exc:
        console.print(f"[red]{exc.message}[/red]\n[red]{exc.message_zh}[/red]")
        for finding in exc.findings:
            console.print(f"  {finding.path}: {finding.code} — {finding.message}")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    purged = sum(r.purged for r in results)
    through = results[-1].through_seq if results else None
    if as_json:
        print_json({"purged": purged, "through_seq": through, "retention_days": days})
    else:
        console.print(
            f"[green]{purged} entries older than {days} days purged[/green]"
            + (f" (checkpoint at entry {through})" if through is not None else "")
            + f" / 已清理 {purged} 条"
        )


@app.command("seal")
def seal_command(as_json: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Chain every pending entry now (the node's worker does this continuously)."""
    db = database()
    try:
        sealed = seal_all(db)
        with db.read_only() as session:
            head = current_head(session)
    finally:
        db.dispose()
    if as_json:
        print_json({"sealed": sealed, **head.as_dict()})
    else:
        console.print(
            f"[green]{sealed} entries sealed[/green]; head {head.seq}:{head.entry_hash} "
            f"/ 已封存 {sealed} 条"
        )
