"""The hash-chained message log: sealing, and detecting change, deletion, insertion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, select, update

from singlewindow.exchange import record_inbound, send
from singlewindow.exchange.messagelog import seal, verify_log
from singlewindow.exchange.models import LogEntry, Message
from singlewindow.kit import clock
from singlewindow.kit.db import Database


def fill(db: Database, n: int = 6) -> list[str]:
    ids = []
    with db.unit_of_work() as session:
        for i in range(n):
            if i % 3 == 2:
                env = record_inbound(
                    session, kind="decision", sender="CUS", correlation_id=f"C{i}", payload={"i": i}
                )
            else:
                env = send(
                    session,
                    kind="notice",
                    sender="GD",
                    recipient="T",
                    correlation_id=f"C{i}",
                    payload={"i": i, "zh": "放行"},
                )
            ids.append(env.id)
    with db.unit_of_work() as session:
        assert seal(session, limit=4) == 4  # two sealing rounds continue one chain
    with db.unit_of_work() as session:
        assert seal(session) == n - 4
        assert seal(session) == 0
    return ids


def problems(db: Database) -> list[tuple[str, int | None, str | None]]:
    with db.read_only() as session:
        return [(p.code, p.seq, p.envelope_id) for p in verify_log(session).problems]


def test_intact_chain(db: Database) -> None:
    ids = fill(db)
    with db.read_only() as session:
        report = verify_log(session)
        seqs = [e.envelope_id for e in session.scalars(select(LogEntry).order_by(LogEntry.seq))]
    assert report.ok
    assert report.entries == 6
    assert report.head_seq == 6
    assert seqs == ids


def test_changed_entry(db: Database) -> None:
    ids = fill(db)
    with db.unit_of_work() as session:
        session.execute(update(LogEntry).where(LogEntry.seq == 3).values(sender="EVIL"))
    assert ("changed", 3, ids[2]) in problems(db)


def test_deleted_entry(db: Database) -> None:
    fill(db)
    with db.unit_of_work() as session:
        session.execute(delete(LogEntry).where(LogEntry.seq == 4))
    assert [p[:2] for p in problems(db)] == [("missing", 4)]


def test_deleted_tail(db: Database) -> None:
    fill(db)
    with db.unit_of_work() as session:
        session.execute(delete(LogEntry).where(LogEntry.seq == 6))
    assert [p[:2] for p in problems(db)] == [("missing", 6)]


def test_inserted_entry(db: Database) -> None:
    fill(db)
    with db.unit_of_work() as session:
        session.execute(update(LogEntry).where(LogEntry.seq >= 4).values(seq=LogEntry.seq + 100))
    with db.unit_of_work() as session:
        forged = LogEntry(
            envelope_id="forged",
            direction="out",
            kind="notice",
            sender="GD",
            recipient="T",
            correlation_id="X",
            digest="0" * 64,
            created_at=clock.now(),
            seq=4,
            prev_hash="0" * 64,
            entry_hash="0" * 64,
        )
        session.add(forged)
    codes = {(c, s) for c, s, _ in problems(db)}
    assert ("inserted", 4) in codes
    assert ("changed", 4) in codes


def test_changed_payload(db: Database) -> None:
    ids = fill(db)
    with db.unit_of_work() as session:
        session.execute(update(Message).where(Message.id == ids[1]).values(payload={"i": 999}))
    assert problems(db) == [("payload_changed", 2, ids[1])]


def test_cli_verify_log(tmp_path: Path, database_url: str, db: Database) -> None:
    fill(db)
    env = os.environ | {"SW_DATABASE_URL": database_url, "SW_DATA_DIR": str(tmp_path)}
    cmd = [sys.executable, "-c", "from singlewindow.cli.main import app; app()", "exchange"]
    ok = subprocess.run([*cmd, "verify-log", "--json"], env=env, capture_output=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    with db.unit_of_work() as session:
        session.execute(delete(LogEntry).where(LogEntry.seq == 2))
    broken = subprocess.run(
        [*cmd, "verify-log", "--json"], env=env, capture_output=True, timeout=60
    )
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["problems"][0]["code"] == "missing"
    backlog = subprocess.run([*cmd, "backlog", "--json"], env=env, capture_output=True, timeout=60)
    assert json.loads(backlog.stdout)[0]["pending"] == 4
    redrive = subprocess.run([*cmd, "redrive", "--json"], env=env, capture_output=True, timeout=60)
    assert json.loads(redrive.stdout) == {"redriven": []}
