"""``singlewindow cert ...``: register, list, sign (JSON, header, XML, SM2), revoke, platform."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from singlewindow.cli.main import app
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings, get_settings
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.parties.service import create_party
from singlewindow.signing.envelope import envelope_from_header
from singlewindow.signing.verify import verify_decmessage_signature, verify_json_signature
from singlewindow.standards.documents.samples import sample_goods_declaration
from tests.signing.pki import issue, make_ca, sm2_certificate, valid_uscc

TRADER = valid_uscc("91440300MA5D1QGN0")
FIXTURE_XML = Path(__file__).parents[1] / "fixtures" / "decmessage" / "import_general.xml"
runner = CliRunner()


@pytest.fixture
def node(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SW_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    db = Database(sqlite_url)
    with db.unit_of_work() as session:
        create_party(
            session, PartyIn(kind=PartyKind.enterprise, uscc=TRADER, name_zh="命令行签名公司")
        )
    db.dispose()
    yield Settings(data_dir=tmp_path / "var", database_url=sqlite_url)
    get_settings.cache_clear()


def cert(*args: str) -> Any:
    return runner.invoke(app, ["cert", *args])


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _verify_json(node: Settings, document: Any, envelope: Any) -> str:
    db = Database(node.effective_database_url)
    try:
        with db.unit_of_work() as session:
            check = verify_json_signature(
                session,
                document=document,
                signature=envelope,
                allowed_owner_codes={TRADER},
                settings=node,
            )
            return check.fingerprint
    finally:
        db.dispose()


def test_register_sign_verify_revoke(node: Settings, tmp_path: Path) -> None:
    issued = issue(make_ca(), uscc=TRADER)
    (tmp_path / "cert.pem").write_text(issued.pem)
    (tmp_path / "key.pem").write_bytes(issued.private_pem)
    document = sample_goods_declaration()
    (tmp_path / "declaration.json").write_text(json.dumps(document, ensure_ascii=False))

    registered = _json(
        cert("register", "--party", TRADER, "--pem", str(tmp_path / "cert.pem"), "--json")
    )
    fingerprint = registered["fingerprint"]
    assert registered["status"] == "valid"
    assert [c["fingerprint"] for c in _json(cert("list", "--json"))] == [fingerprint]

    signing = ["--key", str(tmp_path / "key.pem"), "--cert", str(tmp_path / "cert.pem")]
    envelope = _json(cert("sign", str(tmp_path / "declaration.json"), *signing))
    assert envelope["certificate"] == fingerprint
    assert _verify_json(node, document, envelope) == fingerprint

    header = cert("sign", str(tmp_path / "declaration.json"), *signing, "--output", "header")
    assert header.exit_code == 0, header.output
    from_header = envelope_from_header(header.stdout.strip())
    assert from_header["nonce"] != envelope["nonce"]
    assert _verify_json(node, document, from_header) == fingerprint

    body = _json(cert("sign", str(tmp_path / "declaration.json"), *signing, "--output", "body"))
    assert _verify_json(node, body["document"], body["signature"]) == fingerprint

    signed_xml = cert("sign", str(FIXTURE_XML), *signing)
    assert signed_xml.exit_code == 0, signed_xml.output
    db = Database(node.effective_database_url)
    try:
        with db.unit_of_work() as session:
            check = verify_decmessage_signature(
                session,
                xml_bytes=signed_xml.stdout_bytes,
                allowed_owner_codes={TRADER},
                settings=node,
            )
        assert check.fingerprint == fingerprint
    finally:
        db.dispose()

    revoked = _json(cert("revoke", "--fingerprint", fingerprint, "--reason", "lost card", "--json"))
    assert revoked["certificates"] == [fingerprint]
    assert _json(cert("revocations", "--json"))[0]["reason"] == "lost card"
    assert _json(cert("list", "--json"))[0]["status"] == "revoked"


def test_sm2_key_and_certificate_through_the_cli(node: Settings, tmp_path: Path) -> None:
    issued = sm2_certificate(uscc=TRADER)
    (tmp_path / "sm2.pem").write_text(issued.pem)
    (tmp_path / "sm2-key.pem").write_bytes(issued.private_pem)
    document = {"client_ref": "SM2CLI0001", "head": {"i_e_flag": "I"}}
    (tmp_path / "d.json").write_text(json.dumps(document))
    registered = _json(
        cert("register", "--party", TRADER, "--pem", str(tmp_path / "sm2.pem"), "--json")
    )
    assert registered["algorithm"] == "sm2"
    envelope = _json(
        cert(
            "sign",
            str(tmp_path / "d.json"),
            "--key",
            str(tmp_path / "sm2-key.pem"),
            "--cert",
            str(tmp_path / "sm2.pem"),
        )
    )
    assert envelope["algorithm"] == "SM2-SM3"
    assert _verify_json(node, document, envelope) == registered["fingerprint"]


def test_platform_certificate_is_created_privately(node: Settings) -> None:
    out = _json(cert("platform", "--json"))
    assert re.fullmatch(r"[0-9a-f]{64}", out["fingerprint"])
    key_file = node.data_dir / "signing" / "platform-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _json(cert("platform", "--json"))["fingerprint"] == out["fingerprint"]


def test_cli_errors_are_bilingual_and_exit_2(node: Settings, tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"
    )
    result = cert("register", "--party", TRADER, "--pem", str(tmp_path / "bad.pem"))
    assert result.exit_code == 2
    assert re.search(r"[\u4e00-\u9fff]", result.output)
    assert "/pem" in result.output

    mine, theirs = issue(make_ca(), uscc=TRADER), issue(make_ca())
    (tmp_path / "cert.pem").write_text(mine.pem)
    (tmp_path / "other-key.pem").write_bytes(theirs.private_pem)
    (tmp_path / "d.json").write_text("{}")
    result = cert(
        "sign",
        str(tmp_path / "d.json"),
        "--key",
        str(tmp_path / "other-key.pem"),
        "--cert",
        str(tmp_path / "cert.pem"),
    )
    assert result.exit_code == 2
    assert "does not belong" in result.output
    assert cert("revoke", "--reason", "x").exit_code == 2  # no target
