"""``singlewindow oidc keys ...`` and ``singlewindow oidc client ...``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import typer
from sqlalchemy.orm import Session

from singlewindow.cli.common import console, database, print_json, settings
from singlewindow.identity.oidc import clients as client_service
from singlewindow.identity.oidc import keys as key_service
from singlewindow.identity.oidc.models import OAuthClient
from singlewindow.identity.oidc.rules import ClientType, GrantType
from singlewindow.kit.errors import SingleWindowError

app = typer.Typer(no_args_is_help=True)
keys_app = typer.Typer(no_args_is_help=True)
client_app = typer.Typer(no_args_is_help=True)
app.add_typer(keys_app, name="keys", help="Signing keys: list, rotate, revoke.")
app.add_typer(client_app, name="client", help="OAuth clients: create, list, delete.")


def _fail(exc: SingleWindowError) -> None:
    console.print(f"[red]{exc.message}[/red] / {exc.message_zh}")
    for f in exc.findings:
        console.print(f"  {f.path}: {f.message} / {f.message_zh}")
    raise typer.Exit(2)


@keys_app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every signing key with its state (next, active, retired, expired)."""
    s = settings()
    with database(s).unit_of_work() as session:
        rows = key_service.listing(session, s)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(
            f"{row['kid']}  [bold]{row['state']}[/bold]  created {row['created_at']:%Y-%m-%d %H:%M}"
            + (f"  activates {row['activate_after']}" if row["state"] == "next" else "")
            + (f"  published until {row['retire_after']}" if row["state"] == "retired" else ""),
            soft_wrap=True,
        )


@keys_app.command("rotate")
def rotate(
    grace_seconds: int = typer.Option(
        int(key_service.DEFAULT_GRACE.total_seconds()),
        "--grace-seconds",
        min=0,
        help="publish the new key this long before it starts signing (verifiers' JWKS caches)",
    ),
    now: bool = typer.Option(False, "--now", help="activate the new key at once"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Start a key rotation: a new key is published now and signs after the grace period;
    the old key stays published until the longest token it signed has expired."""
    s = settings()
    try:
        with database(s).unit_of_work() as session:
            key = key_service.rotate(session, s, grace=timedelta(seconds=grace_seconds), now=now)
            out = {"kid": key.kid, "state": key.state, "activate_after": key.activate_after}
    except SingleWindowError as exc:
        _fail(exc)
        return
    if as_json:
        print_json(out)
    else:
        console.print(f"[green]key {out['kid']} is {out['state']}[/green]")


@keys_app.command("revoke")
def revoke_key(kid: str = typer.Argument(..., help="key id")) -> None:
    """Emergency: withdraw a (compromised) key now; tokens it signed stop verifying."""
    s = settings()
    try:
        with database(s).unit_of_work() as session:
            key_service.revoke(session, s, kid)
    except SingleWindowError as exc:
        _fail(exc)
    console.print(f"[green]revoked {kid}[/green]")


def _client_view(session: Session, client: OAuthClient) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "name": client.name,
        "type": client.client_type,
        "redirect_uris": client.redirect_uris,
        "grant_types": client.grant_types,
        "scopes": client.scopes,
        "audiences": client.audiences,
        "party": client_service.party_code_of(session, client),
        "created_at": client.created_at,
    }


@client_app.command("create")
def create_client(
    client_id: str = typer.Option(..., "--client-id"),
    client_type: ClientType = typer.Option(..., "--type", help="confidential | public"),
    name: str = typer.Option("", "--name"),
    redirect_uri: list[str] = typer.Option([], "--redirect-uri", help="repeatable; exact match"),
    grant: list[GrantType] = typer.Option(
        [], "--grant", help="authorization_code | refresh_token | client_credentials (repeatable)"
    ),
    scope: list[str] = typer.Option(
        [], "--scope", help="repeatable; default openid profile for sign-in clients"
    ),
    audience: list[str] = typer.Option(
        [], "--audience", help="resource ids for access tokens (default: this hub's)"
    ),
    party: str = typer.Option(None, "--party", help="owning party code"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a client. A confidential client's secret is printed once."""
    grants = grant or [GrantType.authorization_code, GrantType.refresh_token]
    scopes = scope or (["openid", "profile"] if GrantType.authorization_code in grants else [])
    spec = client_service.ClientSpec(
        client_id=client_id,
        client_type=client_type,
        name=name,
        redirect_uris=redirect_uri,
        grant_types=grants,
        scopes=scopes,
        audiences=audience,
        party_code=party,
    )
    s = settings()
    try:
        with database(s).unit_of_work() as session:
            client, secret = client_service.create_client(session, spec, s)
            out = _client_view(session, client) | {"client_secret": secret}
    except SingleWindowError as exc:
        _fail(exc)
        return
    if as_json:
        print_json(out)
        return
    console.print(f"[green]created {out['type']} client {out['client_id']}[/green]")
    if secret:
        console.print(f"client secret (shown once / 仅显示一次): [bold]{secret}[/bold]")


@client_app.command("list")
def list_clients(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every registered client."""
    with database().unit_of_work() as session:
        rows = [_client_view(session, c) for c in client_service.list_clients(session)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(
            f"{row['client_id']}  {row['type']}  grants={','.join(row['grant_types'])}  "
            f"scopes={' '.join(row['scopes'])}  party={row['party'] or '-'}",
            soft_wrap=True,
        )


@client_app.command("delete")
def delete_client(client_id: str = typer.Argument(...)) -> None:
    """Delete a client with its grants and refresh tokens."""
    try:
        with database().unit_of_work() as session:
            client_service.delete_client(session, client_id)
    except SingleWindowError as exc:
        _fail(exc)
    console.print(f"[green]deleted {client_id}[/green]")
