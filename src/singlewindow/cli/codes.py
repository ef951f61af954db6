"""``singlewindow codes load|list|show``: code tables from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from singlewindow.cli.common import console, database, print_json
from singlewindow.kit.errors import SingleWindowError
from singlewindow.standards.codes import service
from singlewindow.standards.codes.loader import ProgressFn

app = typer.Typer(no_args_is_help=True)

PROGRESS_FROM_BYTES = 1 << 20  # show a progress bar for files of 1 MiB and more


def _fail(exc: SingleWindowError) -> typer.Exit:
    console.print(f"[red]{exc.message}[/red] / {exc.message_zh}")
    for f in exc.findings:
        console.print(f"  {f.path} [{f.code}]: {f.message} / {f.message_zh}", markup=False)
    return typer.Exit(2)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        console.print(f"[red]{option}: expected YYYY-MM-DD / 日期格式应为 YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None


@contextmanager
def _progress(size: int) -> Iterator[tuple[ProgressFn, ProgressFn] | None]:
    if size < PROGRESS_FROM_BYTES:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        check = bar.add_task("checking / 校验", total=size)
        load = bar.add_task("loading / 导入", total=size)
        yield (
            lambda n: bar.advance(check, n),
            lambda n: bar.advance(load, n),
        )


@app.command("load")
def load(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV: code,name_zh,name_en,…"
    ),
    table: str = typer.Option(
        None, help="table name (default: the file name without .csv; unlocode for unece)"
    ),
    file_format: service.FileFormat = typer.Option(
        service.FileFormat.CSV,
        "--format",
        help="csv: the platform's CSV; unece: the official UNECE UN/LOCODE code list "
        "(the CodeListPart*.csv files concatenated)",
    ),
    version: str = typer.Option(None, help="version label (default: the valid-from date)"),
    valid_from: str = typer.Option(None, "--valid-from", help="YYYY-MM-DD (default: today)"),
    valid_to: str = typer.Option(None, "--valid-to", help="YYYY-MM-DD, exclusive"),
    source: str = typer.Option(None, help="where the file comes from"),
    provisional: bool = typer.Option(False, help="not yet checked against the official table"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Load a file as a new version of a code table (all or nothing)."""
    start, end = _date(valid_from, "--valid-from"), _date(valid_to, "--valid-to")
    default = "unlocode" if file_format is service.FileFormat.UNECE else file.stem
    name = table or default
    try:
        with database().unit_of_work() as session, _progress(file.stat().st_size) as bars:
            check, store = bars if bars else (None, None)
            row = service.load_table(
                session,
                file,
                table=name,
                version=version,
                valid_from=start,
                valid_to=end,
                source=source,
                provisional=provisional,
                check_progress=check,
                load_progress=store,
                file_format=file_format,
            )
            out = {
                "table": row.name,
                "version": row.version,
                "valid_from": row.valid_from,
                "valid_to": row.valid_to,
                "count": row.entry_count,
            }
    except SingleWindowError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json(out)
    else:
        console.print(
            f"[green]loaded {out['count']} codes into {name} version {out['version']}[/green]"
            f" / 已导入 {out['count']} 条代码"
        )


@app.command("list")
def list_tables(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the code tables and their versions."""
    with database().read_only() as session:
        tables = service.list_tables(session)
    if as_json:
        print_json([t.model_dump(mode="json") for t in tables])
        return
    grid = Table("name", "title", "version", "valid from", "valid to", "count", "today")
    for t in tables:
        for v in t.versions:
            grid.add_row(
                t.name,
                v.title_zh,
                v.version,
                v.valid_from.isoformat(),
                v.valid_to.isoformat() if v.valid_to else "",
                str(v.count),
                "✓" if v.version == t.current_version else "",
            )
    console.print(grid)


@app.command("show")
def show(
    name: str = typer.Argument(..., help="table name, e.g. trade_mode"),
    on: str = typer.Option(None, help="YYYY-MM-DD (default: today)"),
    q: str = typer.Option(None, help="code prefix or part of a name"),
    limit: int = typer.Option(100, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the entries of the version applying on a date."""
    day = _date(on, "--on")
    try:
        with database().read_only() as session:
            page = service.entries_page(session, name, on=day, q=q, limit=limit)
    except SingleWindowError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    grid = Table("code", "名称", "name", "attributes", title=f"{name} {page.table.version}")
    for e in page.items:
        attrs = ", ".join(f"{k}={v}" for k, v in e.attrs.items())
        grid.add_row(e.code, e.name_zh, e.name_en, attrs)
    console.print(grid)
    if page.next_cursor:
        console.print("… more: raise --limit or narrow --q / 结果较多，请调大 --limit 或缩小 --q")
