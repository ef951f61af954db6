"""``singlewindow audit ...`` in process with Typer's runner, on both backends."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from singlewindow import audit
from singlewindow.audit.models import AuditEntry
from singlewindow.cli.main import app
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import get_settings
from tests.audit.conftest import entry_at, fill, raw


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> Iterator[dict[str, str]]:
    get_settings.cache_clear()
    yield {
        "SW_DATA_DIR": str(tmp_path / "var"),
        "SW_DATABASE_URL": database_url,
        "COLUMNS": "250",  # Rich would otherwise wrap long lines in the captured output
    }
    get_settings.cache_clear()


def invoke(env: dict[str, str], *args: str) -> Any:
    get_settings.cache_clear()
    return CliRunner().invoke(app, ["audit", *args], env=env)


def test_seal_head_and_verify(env: dict[str, str], db: Database) -> None:
    with db.unit_of_work() as session:
        for i in range(3):
            audit.record(
                session, actor="GD", action="party.changed", target_type="party", target_id=f"P{i}"
            )
    r = invoke(env, "seal", "--json")
    assert r.exit_code == 0, r.output
    sealed = json.loads(r.stdout)
    assert (sealed["sealed"], sealed["seq"]) == (3, 3)

    r = invoke(env, "head")
    assert r.exit_code == 0, r.output
    anchor = r.stdout.strip()
    assert anchor == f"3:{entry_at(db, 3).entry_hash}"

    r = invoke(env, "head", "--json")
    assert json.loads(r.stdout)["anchor"] == anchor

    r = invoke(env, "verify", "--expect-head", anchor)
    assert r.exit_code == 0, r.output
    assert "intact" in r.output
    assert "matched" in r.output

    r = invoke(env, "verify", "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["ok"] is True


def test_verify_names_the_tampered_entry(env: dict[str, str], db: Database) -> None:
    ids = fill(db, 6)
    raw(db, "UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 4")
    r = invoke(env, "verify")
    assert r.exit_code == 1
    assert "BROKEN" in r.output
    assert f"seq 4 entry {ids[3]}: changed" in r.output
    r = invoke(env, "verify", "--json")
    assert r.exit_code == 1
    [problem] = json.loads(r.stdout)["problems"]
    assert (problem["code"], problem["seq"], problem["entry_id"]) == ("changed", 4, ids[3])

    raw(db, "DELETE FROM audit_entry WHERE seq = 2")
    r = invoke(env, "verify", "--json")
    assert r.exit_code == 1
    codes = [(p["code"], p["seq"]) for p in json.loads(r.stdout)["problems"]]
    assert codes == [("missing", 2), ("changed", 4)]


def test_verify_refuses_a_malformed_anchor(env: dict[str, str], db: Database) -> None:
    r = invoke(env, "verify", "--expect-head", "12:nothex")
    assert r.exit_code == 2
    assert "SEQ:HASH" in r.output
    r = invoke(env, "verify", "--from-anchor")
    assert r.exit_code == 2
    assert "--from-anchor needs --expect-head" in r.output


def test_verify_from_the_anchor(env: dict[str, str], db: Database) -> None:
    fill(db, 6)
    anchor = f"4:{entry_at(db, 4).entry_hash}"
    r = invoke(env, "verify", "--expect-head", anchor, "--from-anchor", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert (report["first_seq"], report["entries"], report["anchor_status"]) == (4, 3, "matched")


def test_export_jsonl_and_verify_the_file(
    env: dict[str, str], db: Database, tmp_path: Path
) -> None:
    ids = fill(db, 5)
    with db.unit_of_work() as session:  # pending: export seals it first
        ids.append(audit.record(session, actor="x", action="a.b", target_type="t", target_id=None))
    out = tmp_path / "audit.jsonl"
    r = invoke(
        env, "export", "--format", "jsonl", "--out", str(out), "--actor", "auditor-1", "--json"
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["entries"] == 6
    assert summary["last"] == f"6:{entry_at(db, 6).entry_hash}"
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [rec["id"] for rec in records] == ids
    assert [rec["seq"] for rec in records] == [1, 2, 3, 4, 5, 6]
    assert records[0]["detail"]["zh"] == "放行"

    r = invoke(env, "verify", "--file", str(out), "--expect-head", summary["last"])
    assert r.exit_code == 0, r.output
    assert "intact" in r.output

    # The export itself was audited, with who exported.
    with db.read_only() as session:
        exported = session.scalar(select(AuditEntry).where(AuditEntry.action == "audit.export"))
        assert exported is not None
        assert (exported.actor, exported.detail["entries"]) == ("auditor-1", 6)

    # An auditor's copy edited afterwards no longer verifies, and the line is named.
    records[2]["outcome"] = "ok" if records[2]["outcome"] != "ok" else "denied"
    out.write_text(
        "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records), encoding="utf-8"
    )
    r = invoke(env, "verify", "--file", str(out), "--json")
    assert r.exit_code == 1
    [problem] = json.loads(r.stdout)["problems"]
    assert (problem["code"], problem["seq"], problem["entry_id"]) == ("changed", 3, ids[2])

    out.write_text("not json\n", encoding="utf-8")
    r = invoke(env, "verify", "--file", str(out))
    assert r.exit_code == 2
    assert "line 1" in r.output


def test_export_csv_with_a_period(env: dict[str, str], db: Database, tmp_path: Path) -> None:
    ids = fill(db, 6)
    since = entry_at(db, 2).at.isoformat()
    until = entry_at(db, 5).at.isoformat()
    out = tmp_path / "audit.csv"
    r = invoke(
        env, "export", "--format", "csv", "--since", since, "--until", until, "--out", str(out)
    )
    assert r.exit_code == 0, r.output
    assert "3 entries exported" in r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["id"] for row in rows] == ids[1:4]
    assert json.loads(rows[0]["detail"])["zh"] == "放行"
    assert rows[0]["entry_hash"] == entry_at(db, 2).entry_hash


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--since", "last week"], "--since"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "--until is before --since"),
        (["--format", "xml"], "--format"),
        (["--json"], "--json needs --out"),
    ],
)
def test_export_refuses_bad_options(
    env: dict[str, str], db: Database, args: list[str], needle: str
) -> None:
    r = invoke(env, "export", *args)
    assert r.exit_code == 2
    assert needle in r.output


def test_purge_honours_the_retention_setting(env: dict[str, str], db: Database) -> None:
    real_now = clock.now()
    clock.set_clock(lambda: real_now - timedelta(days=40))
    try:
        fill(db, 4)
    finally:
        clock.reset_clock()
    fill(db, 2)
    r = invoke(env | {"SW_AUDIT_RETENTION_DAYS": "60"}, "purge", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["purged"] == 0

    r = invoke(env | {"SW_AUDIT_RETENTION_DAYS": "30"}, "purge", "--json", "--actor", "ops-1")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"purged": 4, "through_seq": 4, "retention_days": 30}
    r = invoke(env, "verify", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert (report["first_seq"], report["checkpoint_seq"], report["entries"]) == (5, 4, 2)


def test_purge_of_a_broken_chain_fails(env: dict[str, str], db: Database) -> None:
    real_now = clock.now()
    clock.set_clock(lambda: real_now - timedelta(days=400))
    try:
        fill(db, 3)
    finally:
        clock.reset_clock()
    raw(db, "DELETE FROM audit_entry WHERE seq = 2")
    r = invoke(env, "purge")
    assert r.exit_code == 1
    assert "broken" in r.output
    assert "seq:2: missing" in r.output
