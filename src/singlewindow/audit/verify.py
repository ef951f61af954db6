"""Verification of the stored chain: walks every sealed entry from the latest checkpoint."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.audit import actions
from singlewindow.audit import models as m
from singlewindow.audit.chain import GENESIS, Anchor, Link, Problem, Walker
from singlewindow.audit.service import HEAD_ID, content_of, latest_checkpoint, unsealed_count


@dataclass
class VerifyReport:
    entries: int = 0
    first_seq: int = 1
    head_seq: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    checkpoint_seq: int | None = None
    anchor: str | None = None
    anchor_status: str | None = None  # matched | mismatch | purged (too old to check)
    truncated: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_seq": self.first_seq,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "unsealed": self.unsealed,
            "checkpoint_seq": self.checkpoint_seq,
            "anchor": self.anchor,
            "anchor_status": self.anchor_status,
            "truncated": self.truncated,
            "problems": [p.as_dict() for p in self.problems],
        }


def _links(session: Session, after_seq: int) -> Iterator[Link]:
    rows = session.scalars(
        select(m.AuditEntry)
        .where(m.AuditEntry.seq > after_seq)
        .order_by(m.AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    for entry in rows:
        yield Link(
            seq=entry.seq or 0,
            entry_id=entry.id,
            prev_hash=entry.prev_hash or "",
            entry_hash=entry.entry_hash or "",
            content=content_of(entry),
        )
        session.expunge(entry)  # flat memory on long chains


def _before_checkpoint(session: Session, walker: Walker, checkpoint: m.AuditCheckpoint) -> None:
    """Entries at or before a purge checkpoint cannot be genuine: the purge deleted them."""
    rows = session.execute(
        select(m.AuditEntry.seq, m.AuditEntry.id)
        .where(m.AuditEntry.seq <= checkpoint.seq)
        .order_by(m.AuditEntry.seq)
        .limit(walker.max_problems)
    )
    for seq, entry_id in rows:
        walker.add(
            "inserted",
            seq,
            entry_id,
            f"entry {seq} lies before the purge checkpoint {checkpoint.seq}",
            f"第 {seq} 条位于清理检查点 {checkpoint.seq} 之前（被插入）",
        )


def _checkpoint_recorded(session: Session, walker: Walker, checkpoint: m.AuditCheckpoint) -> None:
    """Every purge records itself in the chain; a checkpoint without that entry was forged."""
    details: Sequence[Any] = session.scalars(
        select(m.AuditEntry.detail).where(
            m.AuditEntry.action == actions.AUDIT_PURGE,
            m.AuditEntry.target_type == actions.AUDIT_CHECKPOINT,
            m.AuditEntry.target_id == checkpoint.id,
        )
    ).all()
    expected = {"through_seq": checkpoint.seq, "through_hash": checkpoint.entry_hash}
    if any({k: d.get(k) for k in expected} == expected for d in details if isinstance(d, dict)):
        return
    walker.add(
        "checkpoint_unrecorded",
        checkpoint.seq,
        None,
        f"the purge checkpoint at entry {checkpoint.seq} has no matching purge entry in the log",
        f"第 {checkpoint.seq} 条处的清理检查点在日志中没有对应的清理记录",
    )


def _anchored_start(session: Session, anchor: Anchor) -> tuple[int, str] | None:
    """Where an incremental walk starts: at the anchored entry, if it is still as recorded."""
    row = session.execute(
        select(m.AuditEntry.prev_hash, m.AuditEntry.entry_hash).where(
            m.AuditEntry.seq == anchor.seq
        )
    ).first()
    if row is None or row.entry_hash != anchor.entry_hash:
        return None  # walk everything: the report then shows what changed
    return anchor.seq - 1, row.prev_hash or ""


def verify(
    session: Session,
    *,
    anchor: Anchor | None = None,
    from_anchor: bool = False,
    max_problems: int = 1000,
) -> VerifyReport:
    """Walks the chain in order and names every entry where it breaks.

    With ``anchor`` (a head recorded outside the database) it also proves the chain still
    contains that head: a rebuilt or truncated chain cannot match it. With ``from_anchor`` the
    walk starts at the anchored entry instead of the oldest one: the entries before it were
    proven when the anchor was taken, so a long chain is checked in the time of its new part.
    """
    head = session.get(m.AuditHead, HEAD_ID)
    checkpoint = latest_checkpoint(session)
    start_seq = checkpoint.seq if checkpoint else 0
    start_hash = checkpoint.entry_hash if checkpoint else GENESIS
    if from_anchor and anchor is not None and anchor.seq > start_seq:
        start_seq, start_hash = _anchored_start(session, anchor) or (start_seq, start_hash)
    walker = Walker(
        start_seq=start_seq,
        start_hash=start_hash,
        head_seq=head.seq if head else None,
        anchor=anchor,
        max_problems=max_problems,
    )
    if checkpoint is not None:
        _before_checkpoint(session, walker, checkpoint)
    for link in _links(session, start_seq):
        walker.feed(link)
    if head is None and (walker.entries or checkpoint is not None):
        walker.add("head_missing", None, None, "the chain head row is missing", "链头记录缺失")
    walker.finish(head.entry_hash if head else None)
    if checkpoint is not None:
        _checkpoint_recorded(session, walker, checkpoint)
    report = VerifyReport(
        entries=walker.entries,
        first_seq=start_seq + 1,
        head_seq=head.seq if head else 0,
        head_hash=head.entry_hash if head else GENESIS,
        unsealed=unsealed_count(session),
        checkpoint_seq=checkpoint.seq if checkpoint else None,
        truncated=walker.truncated,
        problems=walker.problems,
    )
    if anchor is not None:
        report.anchor = str(anchor)
        report.anchor_status = walker.anchor_status()
    return report
