"""The hash-chained message log.

Writers (``route``/``send``/``record_inbound``) add unsealed entries in their own transaction. One
sealer at a time extends the chain: it first updates the one-row ``exchange_log_head`` (a row lock
on PostgreSQL, the write lock on SQLite), then numbers the unsealed entries in id (time) order and
links each to the previous hash. ``seq`` is unique, so even a sealer that somehow raced would fail
rather than fork the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from singlewindow.exchange.models import LogEntry, LogHead, Message
from singlewindow.kit import clock
from singlewindow.kit.db import chain_link_update, table_of
from singlewindow.kit.digest import canonical_json, digest_of, sha256_hex

GENESIS = "0" * 64
HEAD_ID = 1


class Logged(Protocol):
    """What the chain hashes of an entry (a ``LogEntry`` or a row of its columns)."""

    envelope_id: str
    direction: str
    kind: str
    sender: str
    recipient: str
    correlation_id: str
    digest: str
    created_at: datetime


def entry_hash(prev_hash: str, entry: Logged, seq: int) -> str:
    fields = {
        "seq": seq,
        "envelope_id": entry.envelope_id,
        "direction": entry.direction,
        "kind": entry.kind,
        "sender": entry.sender,
        "recipient": entry.recipient,
        "correlation_id": entry.correlation_id,
        "digest": entry.digest,
        "created_at": entry.created_at.isoformat(),
    }
    return sha256_hex(prev_hash.encode() + canonical_json(fields))


def _lock_head(session: Session) -> LogHead:
    now = clock.now()
    taken = session.execute(update(LogHead).where(LogHead.id == HEAD_ID).values(updated_at=now))
    if taken.rowcount == 0:  # type: ignore[attr-defined]
        session.add(LogHead(id=HEAD_ID, seq=0, entry_hash=GENESIS, updated_at=now))
        session.flush()
    head = session.get(LogHead, HEAD_ID, populate_existing=True)
    assert head is not None
    return head


_LOG = table_of(LogEntry)
_UNSEALED = (
    select(
        _LOG.c.id,
        _LOG.c.envelope_id,
        _LOG.c.direction,
        _LOG.c.kind,
        _LOG.c.sender,
        _LOG.c.recipient,
        _LOG.c.correlation_id,
        _LOG.c.digest,
        _LOG.c.created_at,
    )
    .where(_LOG.c.seq.is_(None))
    .order_by(_LOG.c.id)
)
_SEAL_ONE = chain_link_update(_LOG)


def seal(session: Session, *, limit: int = 1000) -> int:
    """Chains up to ``limit`` unsealed entries. Returns how many were sealed.

    The entries are read as plain rows and numbered with one executemany UPDATE: a
    unit-of-work flush of the same changes cost most of the sealer's time.
    """
    if session.scalar(select(_LOG.c.id).where(_LOG.c.seq.is_(None)).limit(1)) is None:
        return 0
    head = _lock_head(session)
    rows = session.execute(_UNSEALED.limit(limit)).all()
    now = clock.now()
    seq, prev = head.seq, head.entry_hash
    links: list[dict[str, Any]] = []
    for row in rows:
        seq += 1
        link = entry_hash(prev, row, seq)
        links.append({"e_id": row.id, "e_seq": seq, "e_prev": prev, "e_hash": link, "e_at": now})
        prev = link
    if links:
        session.execute(_SEAL_ONE, links)
        for obj in list(session.identity_map.values()):  # loaded before: now out of date
            if isinstance(obj, LogEntry):
                session.expire(obj)
    head.seq, head.entry_hash = seq, prev
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class Problem:
    code: str  # changed | missing | inserted | payload_changed | broken_link | head_mismatch
    seq: int | None
    envelope_id: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "seq": self.seq,
            "envelope_id": self.envelope_id,
            "message": self.message,
        }


@dataclass
class VerifyReport:
    entries: int = 0
    head_seq: int = 0
    unsealed: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "unsealed": self.unsealed,
            "problems": [p.as_dict() for p in self.problems],
        }


def _compare(entry: LogEntry, message: Message | None) -> Problem | None:
    seq, eid = entry.seq, entry.envelope_id
    if message is None:
        return Problem(
            "inserted", seq, eid, "log entry without an envelope (inserted or envelope deleted)"
        )
    mine = (entry.direction, entry.kind, entry.sender, entry.recipient, entry.correlation_id)
    theirs = (
        message.direction,
        message.kind,
        message.sender,
        message.recipient,
        message.correlation_id,
    )
    if mine != theirs:
        return Problem("changed", seq, eid, "envelope fields differ from the log entry")
    if message.digest != entry.digest or digest_of(message.payload) != entry.digest:
        return Problem("payload_changed", seq, eid, "payload no longer matches the logged digest")
    return None


def verify_log(session: Session) -> VerifyReport:
    """Walks the chain in order; names the sequence number and envelope of every problem."""
    report = VerifyReport()
    head = session.get(LogHead, HEAD_ID)
    report.head_seq = head.seq if head else 0
    report.unsealed = (
        session.scalar(select(func.count()).select_from(LogEntry).where(LogEntry.seq.is_(None)))
        or 0
    )
    rows = session.execute(
        select(LogEntry, Message)
        .outerjoin(Message, Message.id == LogEntry.envelope_id)
        .where(LogEntry.seq.is_not(None))
        .order_by(LogEntry.seq)
        .execution_options(yield_per=1000)
    )
    expected, prev = 1, GENESIS
    for entry, message in rows:
        seq = entry.seq or 0
        report.entries += 1
        add = report.problems.append
        if seq > report.head_seq:
            add(Problem("inserted", seq, entry.envelope_id, "entry beyond the chain head"))
        if seq != expected:
            add(Problem("missing", expected, None, f"entries {expected}..{seq - 1} are missing"))
        elif entry.prev_hash != prev:
            add(Problem("broken_link", seq, entry.envelope_id, "previous-hash link does not match"))
        if entry.entry_hash != entry_hash(entry.prev_hash or "", entry, seq):
            add(Problem("changed", seq, entry.envelope_id, "entry fields do not match its hash"))
        mismatch = _compare(entry, message)
        if mismatch is not None:
            add(mismatch)
        expected, prev = seq + 1, entry.entry_hash or ""
    if report.head_seq >= expected:
        report.problems.append(
            Problem("missing", expected, None, f"entries {expected}..{report.head_seq} are missing")
        )
    elif head is not None and report.entries and head.entry_hash != prev:
        report.problems.append(Problem("head_mismatch", head.seq, None, "chain head hash differs"))
    return report
