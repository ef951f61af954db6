"""Retention: purging old entries keeps the rest of the chain verifiable, and proves itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from singlewindow import audit
from singlewindow.audit.chain import Anchor
from singlewindow.audit.models import AuditCheckpoint, AuditEntry
from singlewindow.audit.retention import ChainBroken, purge_all
from singlewindow.audit.tasks import seal_all
from singlewindow.audit.verify import verify
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from tests.audit.conftest import entry_at, problems, raw

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set_clock(lambda: NOW)
    yield
    clock.reset_clock()


def record_at(db: Database, days_ago: float, n: int = 1, action: str = "declaration.read") -> None:
    clock.set_clock(lambda: NOW - timedelta(days=days_ago))
    try:
        with db.unit_of_work() as session:
            for i in range(n):
                audit.record(
                    session,
                    actor="CUS-5300",
                    action=action,
                    target_type="declaration",
                    target_id=f"D{days_ago}-{i}",
                )
    finally:
        clock.set_clock(lambda: NOW)
    seal_all(db)


def count(db: Database) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_purge_deletes_old_entries_and_the_chain_still_verifies(db: Database) -> None:
    record_at(db, 200, 5)
    record_at(db, 10, 3)
    old_head = Anchor(3, entry_at(db, 3).entry_hash or "")
    fifth = entry_at(db, 5)
    [result] = purge_all(db, retention_days=180, actor="GD")
    assert (result.purged, result.through_seq) == (5, 5)
    with db.read_only() as session:
        [checkpoint] = session.scalars(select(AuditCheckpoint)).all()
        purge_entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "audit.purge"))
        session.expunge_all()
    assert (checkpoint.seq, checkpoint.entry_hash, checkpoint.purged) == (5, fifth.entry_hash, 5)
    assert purge_entry is not None
    assert (purge_entry.actor, purge_entry.target_id) == ("GD", checkpoint.id)
    assert purge_entry.detail["through_seq"] == 5
    seal_all(db)
    with db.read_only() as session:
        report = verify(session, anchor=old_head)
    assert report.ok, report.problems
    assert (report.first_seq, report.entries, report.checkpoint_seq) == (6, 4, 5)
    assert report.anchor_status == "purged"  # older than the cut: no longer checkable
    assert count(db) == 4
    # The checkpoint is the new start: tampering after it is still named.
    raw(db, "DELETE FROM audit_entry WHERE seq = 6")
    assert problems(db) == [("missing", 6, None)]


def test_anchor_at_the_checkpoint_is_still_checked(db: Database) -> None:
    record_at(db, 200, 2)
    record_at(db, 1, 1)
    anchor = Anchor(2, entry_at(db, 2).entry_hash or "")
    purge_all(db, retention_days=180)
    with db.read_only() as session:
        assert verify(session, anchor=anchor).anchor_status == "matched"
        wrong = Anchor(2, "b" * 64)
        assert [p.code for p in verify(session, anchor=wrong).problems] == ["anchor_mismatch"]


def test_purge_runs_in_batches(db: Database) -> None:
    record_at(db, 365, 5)
    record_at(db, 1, 1)
    results = purge_all(db, retention_days=180, batch=2)
    assert [(r.purged, r.through_seq) for r in results] == [(2, 2), (2, 4), (1, 5)]
    seal_all(db)
    assert problems(db) == []


def test_purge_cuts_only_a_prefix(db: Database) -> None:
    """An old entry sealed after a young one stays, so the chain keeps no hole."""
    record_at(db, 200, 2)
    record_at(db, 5, 1)
    record_at(db, 300, 1)  # recorded late (a slow transaction) with an old time
    [result] = purge_all(db, retention_days=180)
    assert (result.purged, result.through_seq) == (2, 2)
    seal_all(db)
    assert problems(db) == []
    assert entry_at(db, 4).at == NOW - timedelta(days=300)


def test_purge_everything_old_leaves_an_empty_verifiable_chain(db: Database) -> None:
    record_at(db, 400, 3)
    purge_all(db, retention_days=180)
    with db.read_only() as session:
        report = verify(session)
    assert report.ok, report.problems
    assert (report.entries, report.head_seq, report.checkpoint_seq, report.unsealed) == (0, 3, 3, 1)


def test_nothing_old_enough_changes_nothing(db: Database) -> None:
    record_at(db, 100, 3)
    assert purge_all(db, retention_days=180) == []
    assert count(db) == 3


def test_purge_refuses_to_destroy_evidence(db: Database) -> None:
    record_at(db, 200, 4)
    record_at(db, 1, 1)
    raw(db, "UPDATE audit_entry SET actor = 'nobody' WHERE seq = 2")
    with pytest.raises(ChainBroken) as caught:
        purge_all(db, retention_days=180)
    assert caught.value.status == 409
    assert caught.value.findings[0].code == "changed"
    assert caught.value.findings[0].path == "seq:2"
    assert count(db) == 5
    assert problems(db)[0][:2] == ("changed", 2)


def test_forged_checkpoint_is_caught(db: Database) -> None:
    """Deleting old entries and faking a purge: no purge entry in the log vouches for it."""
    record_at(db, 10, 4)
    third = entry_at(db, 3)
    raw(db, "DELETE FROM audit_entry WHERE seq <= 3")
    with db.unit_of_work() as session:
        session.add(
            AuditCheckpoint(seq=3, entry_hash=third.entry_hash or "", entry_at=third.at, purged=3)
        )
    assert problems(db) == [("checkpoint_unrecorded", 3, None)]


def test_entry_left_before_a_checkpoint_is_inserted(db: Database) -> None:
    record_at(db, 200, 3)
    record_at(db, 1, 1)
    purge_all(db, retention_days=180)
    seal_all(db)
    raw(db, "UPDATE audit_entry SET seq = 2 WHERE seq = 4")  # moved behind the cut
    found = problems(db)
    assert found[0][:2] == ("inserted", 2)
