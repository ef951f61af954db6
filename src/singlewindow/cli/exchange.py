"""``singlewindow exchange verify-log | redrive | backlog``."""

from __future__ import annotations

import typer
from rich.table import Table

from singlewindow.cli.common import console, database, print_json
from singlewindow.exchange.messagelog import verify_log
from singlewindow.exchange.monitor import backlog as backlog_rows
from singlewindow.exchange.monitor import redrive as redrive_messages

app = typer.Typer(no_args_is_help=True)


@app.command("verify-log")
def verify_log_command(
    as_json: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Verify the hash-chained message log; exit 1 when it is broken."""
    db = database()
    try:
        with db.read_only() as session:
            report = verify_log(session)
    finally:
        db.dispose()
    if as_json:
        print_json(report.as_dict())
    else:
        colour = "green" if report.ok else "red"
        console.print(
            f"[{colour}]{'intact' if report.ok else 'BROKEN'}[/{colour}]: "
            f"{report.entries} entries, head {report.head_seq}, {report.unsealed} not yet sealed"
        )
        for p in report.problems:
            console.print(f"  seq {p.seq} envelope {p.envelope_id}: {p.code} — {p.message}")
    raise typer.Exit(0 if report.ok else 1)


@app.command("redrive")
def redrive_command(
    recipient: str | None = typer.Option(None, help="only this recipient's dead letters"),
    message_id: str | None = typer.Option(None, "--id", help="one dead letter"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Put dead letters back in the outbox (fresh attempts)."""
    db = database()
    try:
        with db.unit_of_work() as session:
            ids = redrive_messages(session, message_id=message_id, recipient=recipient)
    finally:
        db.dispose()
    if as_json:
        print_json({"redriven": ids})
    else:
        console.print(f"[green]{len(ids)} message(s) redriven[/green]")


@app.command("backlog")
def backlog_command(as_json: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Per recipient: pending, published, delivered, acked, dead; oldest pending age."""
    db = database()
    try:
        with db.read_only() as session:
            rows = backlog_rows(session)
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table(
        "recipient", "pending", "published", "delivered", "acked", "dead", "oldest pending (s)"
    )
    for r in rows:
        age = r["oldest_pending_age_s"]
        table.add_row(
            r["recipient"],
            *(str(r[k]) for k in ("pending", "published", "delivered", "acked", "dead")),
            "-" if age is None else f"{age:.1f}",
        )
    console.print(table)
