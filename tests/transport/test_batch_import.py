"""``singlewindow import FILE --party CODE``: a file of many messages, each filed on its own.

A bad message is reported and does not take the good ones with it; a repeated file answers
duplicates; a truncated interchange keeps the complete messages before the cut; a dry run
stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from singlewindow.agencies.directory import ensure_directory
from singlewindow.cli.main import app
from singlewindow.demo.seed import with_check_digit
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings, get_settings
from singlewindow.node import bootstrap
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.parties.service import create_party
from singlewindow.standards.documents.transport_samples import (
    container_number,
    sample_manifest,
    sample_ship_report,
)
from singlewindow.standards.edifact import cuscar
from singlewindow.standards.edifact.writer import encode_interchange, write_interchange
from singlewindow.standards.xml import csm, manifest
from singlewindow.standards.xml.transport import BATCH_NAMESPACE, BATCH_ROOT
from singlewindow.transport.models import Consignment, ManifestMessage, TransportReport

CARRIER = "CARRIER-BATCH"
runner = CliRunner()


@pytest.fixture
def node(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SW_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    db = Database(sqlite_url)
    with db.unit_of_work() as session:
        bootstrap(session, Settings(data_dir=tmp_path / "var", database_url=sqlite_url))
        ensure_directory(session)
        create_party(
            session,
            PartyIn(
                code=CARRIER,
                kind=PartyKind.carrier,
                uscc=with_check_digit("91440300MA5CB4TC1"),
                name_zh="批量导入测试船代",
            ),
        )
    yield db
    db.dispose()
    get_settings.cache_clear()


def _manifests(tag: str, count: int) -> list[dict[str, Any]]:
    return [
        sample_manifest(
            "MT1101",
            bill_nos=[f"{tag}{i:04d}A", f"{tag}{i:04d}B"],
            containers=[container_number(f"BTCU{i:03d}{n:03d}") for n in range(2)],
            journey_id=f"{tag}{i:03d}",
            client_ref=f"BATCH-{tag}-{i}",
        )
        for i in range(count)
    ]


def _unknown_bill_amendment(tag: str) -> dict[str, Any]:
    return sample_manifest(
        "MT1101",
        bill_nos=[f"{tag}NOSUCHBILL"],
        function="5",
        journey_id=f"{tag}999",
        client_ref=f"BATCH-{tag}-AMEND",
    )


def _cuscar(docs: list[dict[str, Any]]) -> bytes:
    text = write_interchange(
        [cuscar.manifest_segments(d) for d in docs],
        message=cuscar.MESSAGE,
        sender="CARRIERBATCH",
        recipient="SWGD",
        reference="BATCH1",
        line_breaks=True,
    )
    return encode_interchange(text)


def _import(*args: str) -> tuple[int, dict[str, Any]]:
    r = runner.invoke(app, ["import", *args, "--json"])
    body = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
    return r.exit_code, body


def _count(db: Database, model: Any) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_edifact_file_files_each_message_on_its_own(node: Database, tmp_path: Path) -> None:
    path = tmp_path / "manifests.edi"
    docs = _manifests("E", 2)
    path.write_bytes(_cuscar([docs[0], _unknown_bill_amendment("E"), docs[1]]))
    report = tmp_path / "report.jsonl"
    code, body = _import(str(path), "--party", CARRIER, "--report", str(report))
    assert code == 1  # something was rejected
    assert (body["messages"], body["accepted"], body["rejected"]) == (3, 2, 1)
    assert body["format"] == "edifact"
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [line["status"] for line in lines] == ["accepted", "rejected", "accepted"]
    rejected = lines[1]
    assert rejected["code"] == "validation_failed"
    assert rejected["findings"][0]["code"] == "bill_not_on_manifest"
    assert rejected["findings"][0]["path"] == "/consignments/0/bill_no"
    assert rejected["where"].startswith("offset ")
    assert _count(node, ManifestMessage) == 2
    assert _count(node, Consignment) == 4
    # The same file again: the good messages are duplicates, nothing is stored twice.
    code, body = _import(str(path), "--party", CARRIER)
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (0, 2, 1)
    assert _count(node, ManifestMessage) == 2


def test_a_truncated_interchange_keeps_the_complete_messages(
    node: Database, tmp_path: Path
) -> None:
    data = _cuscar(_manifests("T", 3))
    cut = data.rindex(b"UNH+3")  # the third message and the trailer are lost
    path = tmp_path / "truncated.edi"
    path.write_bytes(data[: cut + 40])
    code, body = _import(str(path), "--party", CARRIER)
    assert code == 1
    assert body["accepted"] == 2
    assert body["rejected"] >= 1
    assert _count(node, ManifestMessage) == 2


def test_an_xml_file_of_manifests_and_vessel_messages(node: Database, tmp_path: Path) -> None:
    def bare(xml: bytes) -> bytes:
        return xml[xml.index(b"?>") + 2 :].lstrip() if xml.startswith(b"<?xml") else xml

    parts = [
        bare(manifest.to_xml(_manifests("X", 1)[0])),
        bare(csm.to_xml(sample_ship_report("CSM002", voyage_in="X01E", client_ref="BATCH-CSM"))),
        b'<Manifest xmlns="urn:wrong:namespace"><Head/></Manifest>',
    ]
    path = tmp_path / "messages.xml"
    path.write_bytes(
        f'<?xml version="1.0" encoding="UTF-8"?><{BATCH_ROOT} xmlns="{BATCH_NAMESPACE}">'.encode()
        + b"".join(parts)
        + f"</{BATCH_ROOT}>".encode()
    )
    code, body = _import(str(path), "--party", CARRIER)
    assert code == 1
    assert (body["messages"], body["accepted"], body["rejected"]) == (3, 2, 1), body
    assert body["by_type"] == {"manifest": 1, "ship_report": 1, "unknown": 1}
    assert _count(node, ManifestMessage) == 1
    assert _count(node, TransportReport) == 1


def test_a_dry_run_validates_and_stores_nothing(node: Database, tmp_path: Path) -> None:
    path = tmp_path / "dry.edi"
    path.write_bytes(_cuscar(_manifests("D", 3)))
    code, body = _import(str(path), "--party", CARRIER, "--dry-run")
    assert code == 0
    assert (body["accepted"], body["rejected"], body["dry_run"]) == (3, 0, True)
    assert _count(node, ManifestMessage) == 0


def test_bad_invocations(node: Database, tmp_path: Path) -> None:
    path = tmp_path / "x.edi"
    path.write_bytes(_cuscar(_manifests("B", 1)))
    r = runner.invoke(app, ["import", str(path), "--party", "NO-SUCH-PARTY"])
    assert r.exit_code == 2
    assert "Unknown or inactive party" in r.output
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01 not a message")
    r = runner.invoke(app, ["import", str(garbage), "--party", CARRIER])
    assert r.exit_code == 2
    assert "--format" in r.output
    r = runner.invoke(app, ["import", str(path), "--party", CARRIER, "--format", "csv"])
    assert r.exit_code == 2
    assert _count(node, ManifestMessage) == 0
