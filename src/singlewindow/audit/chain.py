"""The hash chain, as pure functions: what is hashed, and how a chain is checked.

No database here: the same walker checks the live table, the range a purge is about to delete,
and an exported JSON Lines file.

    entry_hash = SHA-256( prev_hash (64 lowercase hex chars, ASCII) || JCS(content) )

where JCS is the JSON Canonicalization Scheme (RFC 8785) and ``content`` is the object built by
``entry_content``. The sequence number is not hashed: it is a position label, and the links fix
the order. That is what lets ``verify`` tell an entry slipped in between two others (the next
entry still links past it) from one rewritten in place.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import rfc8785

GENESIS = "0" * 64
HASH_VERSION = 1
_SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE doubles
_MAX_DEPTH = 32


def clean_text(value: str) -> str:
    """Text every backend stores and RFC 8785 accepts: no lone surrogates (they become "?")."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def normalise(value: Any, depth: int = 0) -> Any:
    """A JSON value RFC 8785 accepts; anything else becomes a string.

    Applied when an entry is recorded, so what is stored is what is hashed, and again when
    hashing, so hashing never fails (a sealer stuck on one odd row would stop the whole chain).
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and not isinstance(value, Enum):
        return clean_text(str(value))
    if isinstance(value, Enum):
        return normalise(value.value, depth)
    if isinstance(value, int):
        return value if -_SAFE_INT <= value <= _SAFE_INT else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= _MAX_DEPTH:
        return str(value)
    if isinstance(value, Mapping):
        return {clean_text(str(k)): normalise(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v, depth + 1) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def timestamp(at: datetime) -> str:
    """The hashed form of a time: UTC, ISO 8601, always with microseconds."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_content(
    *,
    entry_id: str,
    at: datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None,
    outcome: str,
    org: str | None,
    ip: str | None,
    detail: Any,
) -> dict[str, Any]:
    """Everything an entry says, as the object that is hashed (and exported)."""
    return {
        "v": HASH_VERSION,
        "id": entry_id,
        "at": timestamp(at),
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "outcome": outcome,
        "org": org,
        "ip": ip,
        "detail": detail,
    }


def canonical(content: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of ``content``; never raises.

    Recorded content is already normalised, so the direct encoding nearly always succeeds;
    only a row written around ``record`` (raw SQL) takes the normalising second try.
    """
    try:
        return rfc8785.dumps(content)
    except (ValueError, TypeError):  # CanonicalizationError, UnicodeEncodeError, odd types
        return rfc8785.dumps(normalise(content))


def link_hash(prev_hash: str, canonical_content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii", "replace") + canonical_content).hexdigest()


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return link_hash(prev_hash, canonical(content))


@dataclass(frozen=True, slots=True)
class Link:
    """What the walker needs to know about one sealed entry."""

    seq: int
    entry_id: str
    prev_hash: str
    entry_hash: str
    content: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of a verification, naming the entry (by number and id) where it shows."""

    code: str  # changed | inserted | missing | broken_link | head_mismatch | ...
    seq: int | None
    entry_id: str | None
    message: str
    message_zh: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "seq": self.seq,
            "entry_id": self.entry_id,
            "message": self.message,
            "message_zh": self.message_zh,
        }


@dataclass(frozen=True, slots=True)
class Anchor:
    """A head recorded outside the database: ``seq:entry_hash``."""

    seq: int
    entry_hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        seq, sep, digest = text.strip().partition(":")
        digest = digest.lower()
        if (
            not sep
            or not seq.isdigit()
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise ValueError("expected SEQ:HASH (a number, a colon, 64 hex digits)")
        return cls(int(seq), digest)

    def __str__(self) -> str:
        return f"{self.seq}:{self.entry_hash}"


@dataclass
class Walker:
    """Checks sealed entries fed in sequence order, starting after ``start_seq``/``start_hash``.

    ``head_seq`` is the recorded chain head (None when checking an export, which has none).
    """

    start_seq: int = 0
    start_hash: str = GENESIS
    head_seq: int | None = None
    anchor: Anchor | None = None
    max_problems: int = 1000
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    anchor_seen: bool = False

    def __post_init__(self) -> None:
        self.expected = self.start_seq + 1
        self.last_seq = self.start_seq
        self.last_hash = self.start_hash
        self.last_id: str | None = None
        self.before_last: str | None = None  # the hash the previous entry linked to
        self.before_last_id: str | None = None  # and the entry that hash belongs to
        self.skip_flags: dict[str, Problem] = {}  # "inserted" findings from a skipped link
        self.hash_at_head: str | None = None  # hash of the entry numbered ``head_seq``

    def add(self, code: str, seq: int | None, entry_id: str | None, en: str, zh: str) -> None:
        if len(self.problems) >= self.max_problems:
            self.truncated = True
            return
        self.problems.append(Problem(code, seq, entry_id, en, zh))

    def feed(self, link: Link) -> None:
        self.entries += 1
        seq, eid = link.seq, link.entry_id
        if self.head_seq is not None and seq > self.head_seq:
            self.add(
                "inserted",
                seq,
                eid,
                f"entry {seq} lies beyond the recorded chain head {self.head_seq}",
                f"第 {seq} 条位于已记录的链头 {self.head_seq} 之后（被插入）",
            )
        if seq < self.expected:
            self.add(
                "inserted",
                seq,
                eid,
                f"entry {seq} repeats a sequence number already in the chain",
                f"第 {seq} 条与链中已有序号重复（被插入）",
            )
            return
        if seq > self.expected:
            first, last = self.expected, seq - 1
            span = f"{first}" if first == last else f"{first}..{last}"
            self.add(
                "missing",
                first,
                None,
                f"entry {span} is missing (deleted)",
                f"第 {span} 条缺失（已被删除）",
            )
        elif link.prev_hash != self.last_hash:
            if self.last_id is not None and link.prev_hash == self.before_last:
                self._inserted_before(seq)
            else:
                self.add(
                    "broken_link",
                    seq,
                    eid,
                    f"entry {seq} does not link to entry {self.last_seq}: entry {self.last_seq} "
                    "was rewritten, or entries before this one were deleted",
                    f"第 {seq} 条未链接到第 {self.last_seq} 条：第 {self.last_seq} 条被改写，"
                    "或其前的条目被删除",
                )
        if entry_hash(link.prev_hash, link.content) != link.entry_hash:
            self.add(
                "changed",
                seq,
                eid,
                f"entry {seq} was changed: its content does not match its hash",
                f"第 {seq} 条被篡改：内容与其哈希不符",
            )
        if self.anchor is not None and seq == self.anchor.seq:
            self.anchor_seen = True
            if link.entry_hash != self.anchor.entry_hash:
                self._anchor_mismatch(f"entry {seq} has another hash", f"第 {seq} 条的哈希不同")
        if seq == self.head_seq:
            self.hash_at_head = link.entry_hash
        self.before_last, self.last_hash = self.last_hash, link.entry_hash
        self.before_last_id = self.last_id
        self.last_seq, self.last_id = seq, eid
        self.expected = seq + 1

    def _inserted_before(self, seq: int) -> None:
        # The entry just before this one links back correctly, yet this one links past it to
        # the entry before: it was slipped in (its own link and hash may even be right).
        forged_seq, forged_id = self.last_seq, self.last_id
        assert forged_id is not None
        # Linking to the entry before vouches for that entry: a forgery whose garbage link
        # happened to skip over it made it look inserted; withdraw that finding.
        vouched = self.skip_flags.pop(self.before_last_id or "", None)
        self.problems = [
            p
            for p in self.problems
            if p is not vouched and not (p.seq == forged_seq and p.entry_id == forged_id)
        ]
        self.add(
            "inserted",
            forged_seq,
            forged_id,
            f"entry {forged_seq} was inserted: entry {seq} links past it",
            f"第 {forged_seq} 条系插入：第 {seq} 条越过它链接到前一条",
        )
        if self.problems and self.problems[-1].entry_id == forged_id:
            self.skip_flags[forged_id] = self.problems[-1]

    def _anchor_mismatch(self, en: str, zh: str) -> None:
        assert self.anchor is not None
        self.add(
            "anchor_mismatch",
            self.anchor.seq,
            None,
            f"the anchored head {self.anchor} does not match: {en}",
            f"外部记录的链头 {self.anchor} 不符：{zh}",
        )

    def finish(self, head_hash: str | None) -> None:
        """Closing checks against the recorded head and the external anchor."""
        head_seq = self.head_seq
        if head_seq is not None and head_hash is not None:
            if head_seq >= self.expected:
                first = self.expected
                span = f"{first}" if first == head_seq else f"{first}..{head_seq}"
                self.add(
                    "missing",
                    first,
                    None,
                    f"entry {span} is missing at the end of the chain (deleted)",
                    f"链尾第 {span} 条缺失（已被删除）",
                )
            else:
                known = self.start_hash if head_seq == self.start_seq else self.hash_at_head
                if known is not None and known != head_hash:
                    self.add(
                        "head_mismatch",
                        head_seq,
                        None,
                        f"the recorded chain head {head_seq} has another hash than the entry",
                        f"已记录的链头 {head_seq} 与该条目的哈希不符",
                    )
        anchor = self.anchor
        if anchor is None or self.anchor_seen or anchor.seq < self.start_seq:
            return
        if anchor.seq == self.start_seq:
            if anchor.entry_hash != self.start_hash:
                self._anchor_mismatch(
                    "the purge checkpoint has another hash", "清理检查点的哈希不同"
                )
            return
        self._anchor_mismatch(
            f"entry {anchor.seq} is not in the chain (deleted at the tail?)",
            f"链中没有第 {anchor.seq} 条（链尾被删除？）",
        )

    def anchor_status(self) -> str | None:
        """matched | mismatch | purged (older than the checkpoint: no longer checkable)."""
        if self.anchor is None:
            return None
        if any(p.code == "anchor_mismatch" for p in self.problems):
            return "mismatch"
        return "purged" if self.anchor.seq < self.start_seq else "matched"
