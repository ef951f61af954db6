"""Retention: delete the oldest sealed entries, leaving a checkpoint the chain restarts from.

A purge removes a prefix of the chain, never a piece from its middle: it walks from the latest
checkpoint and stops at the first entry younger than the retention period. Before deleting it
checks the prefix with the same walker ``verify`` uses and refuses if it is broken, so a purge
never destroys the evidence of tampering. It then stores a checkpoint (the last deleted entry's
number and hash) and records itself as an entry in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from singlewindow.audit import actions
from singlewindow.audit import models as m
from singlewindow.audit.chain import GENESIS, Link, Walker, timestamp
from singlewindow.audit.service import content_of, latest_checkpoint, lock_head, record
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Conflict, Finding


class ChainBroken(Conflict):
    """The chain is broken where a purge would delete: purging would destroy the evidence."""

    default_code = "audit_chain_broken"


@dataclass(frozen=True, slots=True)
class PurgeResult:
    purged: int
    through_seq: int | None
    checkpoint_id: str | None
    cutoff: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "purged": self.purged,
            "through_seq": self.through_seq,
            "checkpoint_id": self.checkpoint_id,
            "cutoff": self.cutoff,
        }


def purge(
    session: Session,
    *,
    retention_days: int,
    actor: str = "system",
    limit: int = 5000,
    now: datetime | None = None,
) -> PurgeResult:
    """Deletes up to ``limit`` sealed entries older than ``retention_days``, oldest first.

    Call it again until ``purged`` is 0 (each call is meant to be its own transaction).
    Raises ``ChainBroken`` when the entries it would delete fail verification.
    """
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = (now or clock.now()) - timedelta(days=retention_days)
    lock_head(session)  # one purge or sealer at a time
    checkpoint = latest_checkpoint(session)
    start_seq = checkpoint.seq if checkpoint else 0
    walker = Walker(
        start_seq=start_seq, start_hash=checkpoint.entry_hash if checkpoint else GENESIS
    )
    old: list[m.AuditEntry] = []
    for entry in session.scalars(
        select(m.AuditEntry)
        .where(m.AuditEntry.seq > start_seq)
        .order_by(m.AuditEntry.seq)
        .limit(limit)
    ):
        if entry.at >= cutoff:
            break
        walker.feed(
            Link(
                entry.seq or 0,
                entry.id,
                entry.prev_hash or "",
                entry.entry_hash or "",
                content_of(entry),
            )
        )
        old.append(entry)
    if not old:
        return PurgeResult(0, None, None, cutoff)
    if walker.problems:
        first = walker.problems[0]
        raise ChainBroken(
            f"The audit chain is broken where the purge would delete (entry {first.seq}): "
            "run `singlewindow audit verify`; nothing was deleted",
            f"审计链在待清理范围内已损坏（第 {first.seq} 条）：请运行 "
            "`singlewindow audit verify`；未删除任何条目",
            findings=[
                Finding(f"seq:{p.seq}", p.code, p.message, p.message_zh)
                for p in walker.problems[:20]
            ],
        )
    last = old[-1]
    through_seq, through_hash = last.seq or 0, last.entry_hash or ""
    session.execute(
        delete(m.AuditEntry).where(m.AuditEntry.seq > start_seq, m.AuditEntry.seq <= through_seq)
    )
    cp = m.AuditCheckpoint(
        seq=through_seq, entry_hash=through_hash, entry_at=last.at, purged=len(old)
    )
    session.add(cp)
    session.flush()
    record(
        session,
        actor=actor,
        action=actions.AUDIT_PURGE,
        target_type=actions.AUDIT_CHECKPOINT,
        target_id=cp.id,
        detail={
            "through_seq": through_seq,
            "through_hash": through_hash,
            "through_at": timestamp(last.at),
            "purged": len(old),
            "retention_days": retention_days,
            "cutoff": timestamp(cutoff),
        },
    )
    return PurgeResult(len(old), through_seq, cp.id, cutoff)


def purge_all(
    db: Database,
    *,
    retention_days: int,
    actor: str = "system",
    batch: int = 5000,
    now: datetime | None = None,
) -> list[PurgeResult]:
    """Purges in batches, one transaction each, until nothing is old enough."""
    results: list[PurgeResult] = []
    while True:
        with db.unit_of_work() as session:
            result = purge(
                session, retention_days=retention_days, actor=actor, limit=batch, now=now
            )
        if result.purged == 0:
            return results
        results.append(result)
