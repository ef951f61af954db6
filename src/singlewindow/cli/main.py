"""Entry point: ``singlewindow <command>``."""

from __future__ import annotations

import typer

from singlewindow.cli import db as db_cli

app = typer.Typer(
    name="singlewindow",
    help="International Trade Single Window node.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cli.app, name="db", help="Database schema.")


def main() -> None:  # pragma: no cover - console entry
    app()
