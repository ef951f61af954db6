"""Entry point: ``singlewindow <command>``."""

from __future__ import annotations

import pydantic
import typer

from singlewindow.audit import cli as audit_cli
from singlewindow.cli import analytics as analytics_cli
from singlewindow.cli import bench, client, demo, node
from singlewindow.cli import codes as codes_cli
from singlewindow.cli import db as db_cli
from singlewindow.cli import exchange as exchange_cli
from singlewindow.cli.importer import import_file
from singlewindow.cli.party import key_app, party_app
from singlewindow.cli.worker import worker as worker_command
from singlewindow.identity import cli as identity_cli
from singlewindow.identity.oidc import cli as oidc_cli
from singlewindow.kit.settings import Settings
from singlewindow.signing import cli as signing_cli

app = typer.Typer(
    name="singlewindow",
    help="International Trade Single Window node.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cli.app, name="db", help="Database schema.")
app.add_typer(
    exchange_cli.app, name="exchange", help="Message exchange: log, dead letters, backlog."
)
app.command("worker")(worker_command)
app.add_typer(codes_cli.app, name="codes", help="Code tables: load, list, show.")
app.add_typer(party_app, name="party", help="Parties: enterprises, agencies, port operators.")
app.add_typer(key_app, name="key", help="API keys.")
app.add_typer(identity_cli.app, name="user", help="Users, roles, login factors, OIDC clients.")
app.add_typer(oidc_cli.app, name="oidc", help="OpenID Connect: clients and signing keys.")
app.add_typer(signing_cli.app, name="cert", help="Signing certificates and revocation list.")
app.add_typer(audit_cli.app, name="audit", help="Audit log: verify, export, retention.")
app.add_typer(bench.app, name="bench", help="Benchmarks (JSON output).")
app.add_typer(analytics_cli.app, name="analytics", help="Analytics: Time Release Study.")
app.command("run")(node.run)
app.command("simulate")(node.simulate)
app.command("demo")(demo.demo)
app.command("submit")(client.submit)
app.command("import")(import_file)
app.command("status")(client.status)


def main() -> None:
    """The console entry: the commands, with a configuration error told in one line per
    setting (which ``SW_`` variable, what is wrong, in English and Chinese) and exit code 2,
    not a traceback."""
    try:
        app()
    except pydantic.ValidationError as exc:
        if exc.title != Settings.__name__:
            raise
        for error in exc.errors():
            name = "SW_" + "_".join(str(part) for part in error["loc"]).upper()
            typer.echo(f"configuration error / 配置错误: {name}: {error['msg']}", err=True)
        raise SystemExit(2) from None
