"""``singlewindow import FILE --party CODE``: batch import of a message file of any size."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import cast

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from singlewindow.cli.common import console, database, print_json, settings
from singlewindow.parties import service as parties
from singlewindow.parties.auth import party_principal
from singlewindow.transport.batch import Format, Summary, import_items, read_items, sniff


def import_file(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="EDIFACT interchange or XML message file"
    ),
    party: str = typer.Option(..., "--party", help="the filing party's code (carrier, terminal…)"),
    fmt: str = typer.Option("auto", "--format", help="auto | edifact | xml"),
    report: Path | None = typer.Option(
        None, "--report", dir_okay=False, help="write one JSON line per message to this file"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="read and validate, store nothing"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Read a file of messages as a stream and file each one (accepted / rejected per message).

    Manifests (CUSCAR, MT XML), vessel reports (CSM, FAL XML) and goods declarations (CUSDEC)
    go through the same validation and services as the API, one transaction per message.
    """
    if fmt not in ("auto", "edifact", "xml"):
        console.print("[red]--format must be auto, edifact or xml / 格式取值无效[/red]")
        raise typer.Exit(2)
    with file.open("rb") as head:
        detected = sniff(head.read(64)) if fmt == "auto" else cast(Format, fmt)
    if detected is None:
        console.print(
            "[red]Not an EDIFACT interchange or an XML file; say --format[/red] / "
            "无法识别文件格式，请指定 --format"
        )
        raise typer.Exit(2)
    s = settings()
    db = database(s)
    with db.read_only() as session:
        found = parties.find_party(session, party)
        if found is None or not found.active:
            console.print(f"[red]Unknown or inactive party {party}[/red] / 主体不存在或已停用")
            raise typer.Exit(2)
        principal = party_principal(found)
    summary = Summary()
    started = time.monotonic()
    size = file.stat().st_size
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    out = report.open("w", encoding="utf-8") if report is not None else None
    try:
        with (
            file.open("rb") as stream,
            Progress(*columns, console=console, transient=True, disable=as_json) as bar,
        ):
            task = bar.add_task("importing / 导入中", total=size)
            items = read_items(stream, detected, on_read=lambda n: bar.advance(task, n))
            for outcome in import_items(db, principal, items, settings=s, dry_run=dry_run):
                summary.add(outcome)
                if out is not None:
                    out.write(json.dumps(outcome.as_dict(), ensure_ascii=False) + "\n")
                if outcome.status == "rejected" and not as_json:
                    first = outcome.findings[0] if outcome.findings else None
                    detail = f"{first.path} [{first.code}] {first.message}" if first else ""
                    console.print(
                        f"[yellow]rejected[/yellow] #{outcome.index} ({outcome.where}) "
                        f"{outcome.code}: {detail}",
                        markup=True,
                        soft_wrap=True,
                    )
    finally:
        if out is not None:
            out.close()
        db.dispose()
    seconds = round(time.monotonic() - started, 3)
    result = {
        "file": str(file),
        "format": detected,
        "bytes": size,
        "dry_run": dry_run,
        "messages": summary.messages,
        "accepted": summary.accepted,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected,
        "by_type": summary.by_type,
        "seconds": seconds,
        "messages_per_s": round(summary.messages / seconds, 1) if seconds else 0.0,
        "report": str(report) if report else None,
    }
    if as_json:
        print_json(result)
    else:
        console.print(
            f"[green]{summary.accepted} accepted[/green], {summary.duplicates} duplicate, "
            f"[red]{summary.rejected} rejected[/red] of {summary.messages} "
            f"in {seconds}s / 接受 {summary.accepted}，重复 {summary.duplicates}，"
            f"拒绝 {summary.rejected}"
        )
    if summary.rejected:
        raise typer.Exit(1)
