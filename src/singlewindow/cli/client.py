"""Client commands a trader or operator runs against a node: ``submit`` and ``status``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import typer
from rich.table import Table

from singlewindow.cli.common import console, print_json

URL_OPTION = typer.Option(
    "http://127.0.0.1:8000", "--url", envvar="SW_URL", help="the node's base URL"
)
KEY_OPTION = typer.Option(..., "--key", envvar="SW_API_KEY", help="your API key (Bearer)")


def _show_error(r: httpx.Response) -> None:
    try:
        err = r.json()["error"]
    except (ValueError, KeyError, TypeError):
        console.print(f"[red]HTTP {r.status_code}: {r.text[:500]}[/red]")
        return
    console.print(f"[red]HTTP {r.status_code} {err['code']}: {err['message']}[/red]")
    console.print(f"[red]{err['message_zh']}[/red]")
    for f in err.get("findings", []):
        console.print(f"  {f['path']}: {f['message']} / {f['message_zh']}")


def submit(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON or DecMessage XML"),
    url: str = URL_OPTION,
    key: str = KEY_OPTION,
    draft: bool = typer.Option(False, help="store as a draft"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Submit a declaration file (canonical JSON or China customs DecMessage XML)."""
    data = file.read_bytes()
    is_xml = data.lstrip()[:1] == b"<"
    content_type = "application/xml" if is_xml else "application/json"
    r = httpx.post(
        f"{url.rstrip('/')}/api/v1/declarations",
        content=data,
        params={"draft": "true"} if draft else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": content_type},
        timeout=60,
    )
    if r.status_code >= 400:
        if as_json:
            print_json(r.json() if r.headers.get("content-type", "").endswith("json") else {})
        else:
            _show_error(r)
        raise typer.Exit(1)
    body: dict[str, Any] = r.json()
    if as_json:
        print_json(body)
    else:
        console.print(
            f"[green]{body['status']}[/green] id={body['id']} "
            f"统一编号={body['unified_no']} → {', '.join(body['recipients'])}"
        )


def status(
    declaration_id: str = typer.Argument(..., help="declaration id"),
    url: str = URL_OPTION,
    key: str = KEY_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show a declaration's status, per-agency statuses and timeline."""
    r = httpx.get(
        f"{url.rstrip('/')}/api/v1/declarations/{declaration_id}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    if r.status_code >= 400:
        _show_error(r)
        raise typer.Exit(1)
    body: dict[str, Any] = r.json()
    if as_json:
        print_json(body)
        return
    console.print(
        f"[bold]{body['status']}[/bold] 统一编号 {body['unified_no']} 海关编号 {body['entry_no']}"
    )
    agencies = Table("agency", "role", "status", "updated")
    for a in body["agencies"]:
        agencies.add_row(a["agency_code"], a["role"], a["status"], a["updated_at"])
    console.print(agencies)
    timeline = Table("at", "actor", "event", "status")
    for e in body["timeline"]:
        timeline.add_row(e["at"], e["actor"], e["event"], e["status_after"] or "")
    console.print(timeline)
