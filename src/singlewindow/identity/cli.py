"""``singlewindow user ...``: create, list, show, roles, reset-password, unlock, totp-reset,
deactivate. The console acts with full rights (it owns the node); secrets are printed once."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.table import Table

from singlewindow.cli.common import console, database, print_json, settings
from singlewindow.identity import users
from singlewindow.identity.models import User
from singlewindow.identity.roles import ROLE_LABELS, ROLES_BY_KIND, TOTP_REQUIRED, Role
from singlewindow.identity.totp import Enrolment
from singlewindow.kit.errors import SingleWindowError
from singlewindow.parties.models import Party

app = typer.Typer(no_args_is_help=True)


def _fail(exc: SingleWindowError) -> typer.Exit:
    console.print(f"[red]{exc.message}[/red] / {exc.message_zh}")
    for f in exc.findings:
        console.print(f"  {f.path}: {f.message} / {f.message_zh}")
    return typer.Exit(2)


def _summary(user: User, party: Party) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "org": party.code,
        "org_kind": party.kind,
        "roles": list(user.roles or ()),
        "city": user.city,
        "active": user.active,
        "totp_enabled": user.totp_enabled,
        "must_change_password": user.must_change_password,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "created_at": user.created_at.isoformat(),
    }


def _print_secrets(
    out: dict[str, Any], password: str | None, enrolment: Enrolment | None, as_json: bool
) -> None:
    """Adds the one-time secrets to the JSON output, or prints them for a person."""
    if password is not None:
        out["temporary_password"] = password
    if enrolment is not None:
        out["totp"] = {"secret": enrolment.secret, "uri": enrolment.uri}
    if as_json:
        return
    if password is not None:
        console.print(
            f"temporary password (shown once; must be changed at first login / "
            f"临时密码仅显示一次，首次登录须修改): [bold]{password}[/bold]"
        )
    if enrolment is not None:
        console.print(
            "TOTP enrolment (shown once; add to an authenticator app / 动态验证码绑定信息仅显示"
            f"一次，请添加到身份验证器):\n  secret: [bold]{enrolment.secret}[/bold]\n"
            f"  uri:    {enrolment.uri}"
        )


def _read_password(password_stdin: bool, generate: bool) -> str | None:
    if generate:
        return None
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password / 密码", hide_input=True, confirmation_prompt=True)
    return value


@app.command("create")
def create(
    org: str = typer.Option(..., help="organisation (party) code"),
    username: str = typer.Option(..., help="login name (lower case)"),
    role: list[Role] = typer.Option(
        ..., "--role", help="repeatable; see `singlewindow user roles`"
    ),
    city: str = typer.Option(None, help="city operators: 6-digit division code, e.g. 440300"),
    display_name: str = typer.Option("", "--display-name"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from the first line of stdin"
    ),
    generate_password: bool = typer.Option(
        False, "--generate-password", help="generate a temporary password (printed once)"
    ),
    must_change: bool = typer.Option(
        False, "--must-change/--no-must-change", help="force a change at first login"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a user. Roles that require TOTP get a seed now (printed once)."""
    password = _read_password(password_stdin, generate_password)
    s = settings()
    try:
        with database(s).unit_of_work() as session:
            user, issued = users.create_user(
                session,
                s,
                None,
                org_code=org,
                username=username,
                roles=[r.value for r in role],
                display_name=display_name,
                city=city,
                password=password,
                must_change_password=must_change,
            )
            out = _summary(*users.get_user(session, user.id))
    except SingleWindowError as exc:
        raise _fail(exc) from None
    if not as_json:
        console.print(f"[green]created user {out['username']} in {out['org']}[/green]")
    _print_secrets(out, issued.temporary_password, issued.totp, as_json)
    if as_json:
        print_json(out)


@app.command("list")
def list_users(
    org: str = typer.Option(None, help="only this organisation"),
    limit: int = typer.Option(500, min=1, max=5000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List users."""
    with database().read_only() as session:
        rows, _last = users.list_users(session, None, org_code=org, limit=limit)
        out = [_summary(u, p) for u, p in rows]
    if as_json:
        print_json(out)
        return
    grid = Table("username", "org", "roles", "city", "active", "TOTP", "locked until")
    for u in out:
        grid.add_row(
            u["username"],
            u["org"],
            ", ".join(u["roles"]),
            u["city"] or "",
            "yes" if u["active"] else "no",
            "yes" if u["totp_enabled"] else "no",
            u["locked_until"] or "",
        )
    console.print(grid)


@app.command("show")
def show(
    username: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Show one user (never the password hash or TOTP seed)."""
    try:
        with database().read_only() as session:
            out = _summary(*users.find_user(session, username))
    except SingleWindowError as exc:
        raise _fail(exc) from None
    if as_json:
        print_json(out)
        return
    grid = Table("field", "value", title=username)
    for key, value in out.items():
        grid.add_row(key, ", ".join(value) if isinstance(value, list) else str(value))
    console.print(grid)


@app.command("roles")
def roles(as_json: bool = typer.Option(False, "--json")) -> None:
    """The roles, their labels, the organisation kinds allowed to hold them, TOTP required."""
    out: list[dict[str, Any]] = [
        {
            "role": role.value,
            "label_zh": ROLE_LABELS[role][0],
            "label_en": ROLE_LABELS[role][1],
            "kinds": sorted(k.value for k, allowed in ROLES_BY_KIND.items() if role in allowed),
            "totp_required": role in TOTP_REQUIRED,
        }
        for role in Role
    ]
    if as_json:
        print_json(out)
        return
    grid = Table("role", "角色", "label", "organisation kinds", "TOTP")
    for r in out:
        grid.add_row(
            r["role"],
            r["label_zh"],
            r["label_en"],
            ", ".join(r["kinds"]),
            "required" if r["totp_required"] else "optional",
        )
    console.print(grid)


def _by_name(username: str) -> str:
    with database().read_only() as session:
        return users.find_user(session, username)[0].id


@app.command("reset-password")
def reset_password(
    username: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Set a temporary password (printed once) that must be changed at next login."""
    try:
        with database().unit_of_work() as session:
            user, password = users.reset_password(session, None, _by_name(username))
            out = _summary(*users.get_user(session, user.id))
    except SingleWindowError as exc:
        raise _fail(exc) from None
    _print_secrets(out, password, None, as_json)
    if as_json:
        print_json(out)


@app.command("unlock")
def unlock(username: str = typer.Argument(...)) -> None:
    """Clear a lockout after failed logins."""
    try:
        with database().unit_of_work() as session:
            users.unlock(session, None, _by_name(username))
    except SingleWindowError as exc:
        raise _fail(exc) from None
    console.print(f"[green]unlocked {username}[/green]")


@app.command("totp-reset")
def totp_reset(
    username: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Forget the user's TOTP; roles that require one get a new seed (printed once)."""
    s = settings()
    try:
        with database(s).unit_of_work() as session:
            user, enrolment = users.reset_totp(session, s, None, _by_name(username))
            out = _summary(*users.get_user(session, user.id))
    except SingleWindowError as exc:
        raise _fail(exc) from None
    if not as_json:
        console.print(f"[green]TOTP reset for {username}[/green]")
    _print_secrets(out, None, enrolment, as_json)
    if as_json:
        print_json(out)


@app.command("deactivate")
def deactivate(username: str = typer.Argument(...)) -> None:
    """Deactivate a user and end their sessions."""
    s = settings()
    try:
        with database(s).unit_of_work() as session:
            users.update_user(session, s, None, _by_name(username), active=False)
    except SingleWindowError as exc:
        raise _fail(exc) from None
    console.print(f"[green]deactivated {username}[/green]")
