"""``singlewindow cert register | list | revoke | revocations | platform | sign | purge-nonces``."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from singlewindow.cli.common import console, database, print_json, settings
from singlewindow.kit import clock
from singlewindow.kit.errors import SingleWindowError
from singlewindow.signing import service
from singlewindow.signing.envelope import encode_header
from singlewindow.signing.platform import platform_signer
from singlewindow.signing.schemas import CertificateOut, RevocationOut
from singlewindow.signing.signer import load_private_key, sign_decmessage, sign_document

app = typer.Typer(no_args_is_help=True)

CLI_ACTOR = "cli"


class Output(StrEnum):
    envelope = "envelope"
    header = "header"
    body = "body"


def _fail(exc: SingleWindowError) -> None:
    console.print(f"[red]{exc.message}[/red] / {exc.message_zh}")
    for f in exc.findings:
        console.print(f"  {f.path}: {f.message} / {f.message_zh}")
    raise typer.Exit(2)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {what} {path} / 无法读取文件: {exc}[/red]")
        raise typer.Exit(2) from exc


@app.command("register")
def register(
    party: str = typer.Option(..., help="owner party code"),
    pem: Path = typer.Option(..., help="the certificate, PEM"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a signing certificate (ECDSA P-256 or SM2) for a party."""
    text = _read(pem, "certificate").decode("ascii", errors="replace")
    try:
        with database().unit_of_work() as session:
            row = service.register_certificate(
                session, party_code=party, pem=text, registered_by=CLI_ACTOR
            )
            out = CertificateOut.of(row, clock.now()).model_dump(mode="json", exclude={"pem"})
    except SingleWindowError as exc:
        _fail(exc)
        return
    if as_json:
        print_json(out)
    else:
        console.print(f"[green]registered {out['fingerprint']} for {party}[/green]")


@app.command("list")
def list_certificates(
    party: str = typer.Option(None, help="only this party's certificates"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List registered certificates."""
    db = database()
    try:
        with db.read_only() as session:
            now = clock.now()
            rows = [
                CertificateOut.of(r, now).model_dump(mode="json", exclude={"pem"})
                for r in service.list_certificates(session, party_code=party)
            ]
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table("fingerprint", "party", "algorithm", "not after", "status", "subject")
    for r in rows:
        table.add_row(
            r["fingerprint"], r["party_code"], r["algorithm"], r["not_after"], r["status"],
            r["subject"],
        )  # fmt: skip
    console.print(table)


@app.command("revoke")
def revoke(
    reason: str = typer.Option(..., help="why (kept on the revocation list)"),
    fingerprint: str = typer.Option(None, help="SHA-256 fingerprint (hex)"),
    issuer: str = typer.Option(None, help="issuer DN (RFC 4514, as listed)"),
    serial: str = typer.Option(None, help="serial number (hex)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Put a certificate on the revocation list (by fingerprint, or issuer + serial)."""
    try:
        with database().unit_of_work() as session:
            result = service.revoke(
                session,
                reason=reason,
                revoked_by=CLI_ACTOR,
                fingerprint=fingerprint,
                issuer=issuer,
                serial=serial,
            )
            out = RevocationOut.of(
                result.entry, [c.fingerprint for c in result.certificates]
            ).model_dump(mode="json")
    except SingleWindowError as exc:
        _fail(exc)
        return
    if as_json:
        print_json(out)
    else:
        console.print(f"[green]revoked; certificates affected: {len(out['certificates'])}[/green]")


@app.command("revocations")
def revocations(as_json: bool = typer.Option(False, "--json")) -> None:
    """Print the revocation list."""
    db = database()
    try:
        with db.read_only() as session:
            rows = [
                RevocationOut.of(r).model_dump(mode="json")
                for r in service.list_revocations(session)
            ]
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table("revoked at", "fingerprint", "issuer", "serial", "reason")
    for r in rows:
        table.add_row(
            r["revoked_at"], r["fingerprint"] or "", r["issuer"] or "", r["serial"] or "",
            r["reason"],
        )  # fmt: skip
    console.print(table)


@app.command("platform")
def platform(as_json: bool = typer.Option(False, "--json")) -> None:
    """Print the platform's receipt-signing certificate (created on first use)."""
    cert = platform_signer(settings()).certificate
    if as_json:
        print_json({"fingerprint": cert.fingerprint, "algorithm": "ES256", "pem": cert.pem})
    else:
        typer.echo(cert.pem, nl=False)
        console.print(f"SHA-256 fingerprint / 指纹: {cert.fingerprint}")


@app.command("sign")
def sign(
    file: Path = typer.Argument(..., help="declaration: JSON document or DecMessage XML"),
    key: Path = typer.Option(..., help="private key, PEM (P-256 or SM2, unencrypted)"),
    cert: Path = typer.Option(..., help="the registered certificate, PEM"),
    output: Output = typer.Option(
        Output.envelope, "--output", help="envelope (JSON) | header (SW-Signature value) | body"
    ),
    embed_certificate: bool = typer.Option(
        False, "--embed-certificate", help="put the PEM, not the fingerprint, in the envelope"
    ),
) -> None:
    """Sign a declaration (trader side). JSON: prints the signature envelope (``--output
    envelope``), the ``SW-Signature`` header value (``header``) or ``{"document",
    "signature"}`` (``body``). XML: prints the DecMessage with DecSign filled in."""
    data = _read(file, "declaration")
    try:
        signing_key = load_private_key(_read(key, "private key"))
        certificate = _read(cert, "certificate").decode("ascii", errors="replace")
        if data.lstrip().startswith(b"<"):
            typer.echo(
                sign_decmessage(data, key=signing_key, certificate_pem=certificate), nl=False
            )
            return
        document: Any = json.loads(data, parse_float=Decimal)
        envelope = sign_document(
            document,
            key=signing_key,
            certificate_pem=certificate,
            embed_certificate=embed_certificate,
        )
    except SingleWindowError as exc:
        _fail(exc)
        return
    except ValueError as exc:
        console.print(f"[red]cannot sign / 无法签名: {exc}[/red]")
        raise typer.Exit(2) from exc
    if output is Output.header:
        typer.echo(encode_header(envelope))
    elif output is Output.body:
        print_json({"document": json.loads(data), "signature": envelope})
    else:
        print_json(envelope)


@app.command("purge-nonces")
def purge_nonces(as_json: bool = typer.Option(False, "--json")) -> None:
    """Forget used nonces whose signing time has left the window."""
    with database().unit_of_work() as session:
        removed = service.purge_nonces(session)
    if as_json:
        print_json({"removed": removed})
    else:
        console.print(f"removed {removed} expired nonces")
