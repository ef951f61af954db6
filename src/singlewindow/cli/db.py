"""``singlewindow db upgrade``."""

from __future__ import annotations

import typer

from singlewindow.cli.common import console, settings
from singlewindow.migrate import upgrade as run_upgrade

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Option("head", help="target revision")) -> None:
    """Apply the Alembic migrations to the configured database."""
    s = settings()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    run_upgrade(s.effective_database_url, revision)
    console.print(f"[green]database at {revision}[/green]")
