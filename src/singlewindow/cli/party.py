"""``singlewindow party create`` and ``singlewindow key create``."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from singlewindow.cli.common import console, database, print_json
from singlewindow.kit.errors import SingleWindowError
from singlewindow.parties import service
from singlewindow.parties.schemas import KEY_SCOPES, AgencyType, PartyIn, PartyKind

party_app = typer.Typer(no_args_is_help=True)
key_app = typer.Typer(no_args_is_help=True)


def _fail(exc: SingleWindowError) -> None:
    console.print(f"[red]{exc.message}[/red] / {exc.message_zh}")
    for f in exc.findings:
        console.print(f"  {f.path}: {f.message} / {f.message_zh}")
    raise typer.Exit(2)


@party_app.command("create")
def create(
    kind: PartyKind = typer.Option(
        ..., help="enterprise | agency | port_operator | platform | peer"
    ),
    name_zh: str = typer.Option(..., "--name-zh", help="Chinese name"),
    name_en: str = typer.Option("", "--name-en"),
    code: str = typer.Option(None, help="exchange address (default: the USCC)"),
    uscc: str = typer.Option(None, help="18-char unified social credit code"),
    customs_code: str = typer.Option(None, "--customs-code", help="10-char customs code"),
    agency_type: AgencyType = typer.Option(None, "--agency-type"),
    attrs: str = typer.Option("{}", help='JSON attributes, e.g. {"customs_district": "5300"}'),
    with_key: bool = typer.Option(False, "--with-key", help="also create an API key"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a party (enterprise, agency, port operator, ...)."""
    try:
        data = PartyIn(
            kind=kind,
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            uscc=uscc,
            customs_code=customs_code,
            agency_type=agency_type,
            attrs=json.loads(attrs),
        )
        with database().unit_of_work() as session:
            party = service.create_party(session, data)
            out = {"id": party.id, "code": party.code, "kind": party.kind}
            if with_key:
                _key, token = service.create_api_key(session, party, name="cli")
                out["token"] = token
    except SingleWindowError as exc:
        _fail(exc)
        return
    except (ValueError, json.JSONDecodeError) as exc:
        console.print(f"[red]invalid input / 输入无效: {exc}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        print_json(out)
    else:
        console.print(f"[green]created {out['kind']} {out['code']}[/green]")
        if "token" in out:
            console.print(f"API key (shown once / 仅显示一次): [bold]{out['token']}[/bold]")


_SCOPE_HELP = "limit the key to an API area (repeatable): " + ", ".join(KEY_SCOPES)


@key_app.command("create")
def create_key(
    party: str = typer.Option(..., help="party code"),
    name: str = typer.Option("", help="what the key is for"),
    expires: datetime = typer.Option(None, help="expiry (ISO 8601, UTC)"),
    scope: list[str] = typer.Option([], "--scope", help=_SCOPE_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an API key for a party; the token is printed once."""
    from datetime import UTC

    try:
        with database().unit_of_work() as session:
            owner = service.get_party(session, party)
            key, token = service.create_api_key(
                session,
                owner,
                name=name,
                expires_at=expires.replace(tzinfo=expires.tzinfo or UTC) if expires else None,
                scopes=_scopes(scope),
            )
            out = {"id": key.id, "party": owner.code, "prefix": key.prefix, "token": token}
    except SingleWindowError as exc:
        _fail(exc)
        return
    if as_json:
        print_json(out)
    else:
        console.print(f"API key for {party} (shown once / 仅显示一次): [bold]{token}[/bold]")


@key_app.command("revoke")
def revoke_key(prefix: str = typer.Argument(..., help="the key's prefix")) -> None:
    """Revoke an API key."""
    try:
        with database().unit_of_work() as session:
            service.revoke_api_key(session, prefix)
    except SingleWindowError as exc:
        _fail(exc)
    console.print(f"[green]revoked {prefix}[/green]")


def _scopes(values: list[str]) -> list[str]:
    unknown = sorted(set(values) - set(KEY_SCOPES))
    if unknown:
        raise typer.BadParameter(
            f"unknown scope(s) {', '.join(unknown)}; use {', '.join(KEY_SCOPES)} "
            f"/ 未知的范围，可用：{', '.join(KEY_SCOPES)}",
            param_hint="--scope",
        )
    return values
