"""Export pieces of the chain; the background worker; the audit tables match the models."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

import singlewindow.models
from singlewindow import audit
from singlewindow.audit.export import ExportFormat, read_jsonl, sealed_entries, verify_export, write
from singlewindow.audit.models import AuditCheckpoint, AuditEntry
from singlewindow.audit.tasks import run_audit_worker, seal_all
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def record_at(db: Database, at: datetime, target: str) -> None:
    clock.set_clock(lambda: at)
    try:
        with db.unit_of_work() as session:
            audit.record(session, actor="a", action="a.b", target_type="t", target_id=target)
    finally:
        clock.reset_clock()
    seal_all(db)


def test_a_period_exports_a_gapless_piece(db: Database) -> None:
    """An entry committed late sits among newer ones: the piece includes it, so links check."""
    record_at(db, T0, "before")
    record_at(db, T0 + timedelta(hours=2), "in-1")
    record_at(db, T0 + timedelta(minutes=59), "late")  # sealed after in-1, recorded earlier
    record_at(db, T0 + timedelta(hours=3), "in-2")
    record_at(db, T0 + timedelta(hours=9), "after")
    with db.read_only() as session:
        piece = list(
            sealed_entries(session, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=4))
        )
    assert [r["target_id"] for r in piece] == ["in-1", "late", "in-2"]
    out = io.StringIO()
    assert write(piece, out, ExportFormat.jsonl) == 3
    walker = verify_export(
        read_jsonl(out.getvalue().splitlines()), head=f"4:{piece[-1]['entry_hash']}"
    )
    assert walker.problems == []
    assert walker.anchor_status() == "matched"
    # A record dropped from the middle of the file is named.
    lines = out.getvalue().splitlines()
    walker = verify_export(read_jsonl([lines[0], lines[2]]))
    assert [(p.code, p.seq) for p in walker.problems] == [("missing", 3)]


def test_an_empty_period_exports_nothing(db: Database) -> None:
    record_at(db, T0, "x")
    with db.read_only() as session:
        assert list(sealed_entries(session, since=T0 + timedelta(days=1))) == []
    out = io.StringIO()
    assert write([], out, ExportFormat.csv) == 0
    assert out.getvalue().startswith("seq,id,at,")


def test_worker_seals_and_purges_until_stopped(db: Database, settings: Settings) -> None:
    now = clock.now()
    record_at(db, now - timedelta(days=200), "old")
    with db.unit_of_work() as session:
        audit.record(session, actor="a", action="a.b", target_type="t", target_id="new")

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_audit_worker(db, settings, stop, idle=0.05))
        for _ in range(200):
            await asyncio.sleep(0.05)
            with db.read_only() as session:
                pending = session.scalar(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))
                )
                purged = session.scalar(select(func.count()).select_from(AuditCheckpoint))
            if pending == 0 and purged:
                break
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(main())
    with db.read_only() as session:
        report = audit.verify(session)
        targets = list(session.scalars(select(AuditEntry.target_id).order_by(AuditEntry.seq)))
    assert report.ok, report.problems
    assert (report.checkpoint_seq, report.unsealed) == (1, 0)
    assert targets[0] == "new"
    assert len(targets) == 2  # and the purge's own entry
    assert json.dumps(report.as_dict())  # serialisable as the API and --json print it


def test_audit_tables_match_the_models(database_url: str) -> None:
    """Like ``alembic check``, limited to this context's tables."""
    db = Database(database_url)
    try:
        with db.engine.connect() as conn:
            diffs = compare_metadata(
                MigrationContext.configure(conn), singlewindow.models.Base.metadata
            )
    finally:
        db.dispose()

    def table_of(diff: Any) -> str:
        op = diff[0] if isinstance(diff, list) else diff  # modify_* come in lists
        kind, subject = op[0], op[1]
        if kind.endswith("_table"):
            return str(subject.name)
        if kind.endswith(("_index", "_constraint")):
            return str(subject.table.name)
        if kind.endswith("_fk"):
            return str(subject.parent.name)
        return str(op[2])  # column and modify operations: (kind, schema, table, ...)

    assert [d for d in diffs if table_of(d).startswith("audit_")] == []
    tables = {t for t in singlewindow.models.Base.metadata.tables if t.startswith("audit_")}
    assert tables == {"audit_entry", "audit_head", "audit_checkpoint"}
