"""Recording and sealing audit entries.

``record`` is the hot path: one INSERT in the caller's transaction, no lock, no read. Entries are
numbered and chained later by ``seal``, which one process at a time runs under the head-row lock
(a row lock on PostgreSQL, the write lock on SQLite) — so writers never queue behind each other,
and a racing sealer would fail on the unique ``seq`` rather than fork the chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from singlewindow.audit import models as m
from singlewindow.audit.chain import (
    GENESIS,
    canonical,
    clean_text,
    entry_content,
    link_hash,
    normalise,
)
from singlewindow.kit import clock
from singlewindow.kit.db import Database, chain_link_update
from singlewindow.kit.ids import new_id

HEAD_ID = 1
Outcome = Literal["ok", "failed", "denied", "error"]
OUTCOMES: tuple[str, ...] = ("ok", "failed", "denied", "error")
ACTION_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
TARGET_TYPE_PATTERN = r"^[a-z][a-z0-9_]*$"
_ACTION = re.compile(ACTION_PATTERN)
_TARGET_TYPE = re.compile(TARGET_TYPE_PATTERN)
# A Core INSERT on the table skips the ORM bulk-insert machinery (the hot path needs no object).
_ENTRY_TABLE = cast(Table, m.AuditEntry.__table__)


class PrincipalLike(Protocol):
    """What ``record_principal`` needs of a caller (``parties.auth.Principal`` has it).

    ``user_id`` and ``via`` are read when present.
    """

    @property
    def party_code(self) -> str: ...

    @property
    def key_id(self) -> str | None: ...


def _text(value: str, limit: int) -> str:
    # Actors of failed logins are whatever an attacker typed: never let the audit row fail
    # the transaction (PostgreSQL refuses NUL and over-long values), keep a visible mark.
    value = clean_text(value).replace("\x00", "\ufffd")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _optional(value: str | None, limit: int) -> str | None:
    return None if value is None else _text(value, limit)


def _row(
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None,
    outcome: str,
    detail: dict[str, Any] | None,
    org: str | None,
    ip: str | None,
) -> dict[str, Any]:
    if not _ACTION.fullmatch(action) or len(action) > m.ACTION_MAX:
        raise ValueError(f"audit action must look like 'context.verb', got {action!r}")
    if not _TARGET_TYPE.fullmatch(target_type) or len(target_type) > m.TARGET_TYPE_MAX:
        raise ValueError(f"audit target_type must be a lower-case word, got {target_type!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {OUTCOMES}, got {outcome!r}")
    return {
        "id": new_id(),
        "at": clock.now(),
        "actor": _text(actor, m.ACTOR_MAX),
        "action": action,
        "target_type": target_type,
        "target_id": _optional(target_id, m.TARGET_ID_MAX),
        "outcome": outcome,
        "org": _optional(org, m.ORG_MAX),
        "ip": _optional(ip, m.IP_MAX),
        "detail": normalise(detail or {}),
    }


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None,
    outcome: Outcome = "ok",
    detail: dict[str, Any] | None = None,
    org: str | None = None,
    ip: str | None = None,
) -> str:
    """Appends one entry in the caller's transaction and returns its id.

    ``action`` is ``context.verb`` (see ``audit.actions``), ``target_type`` a lower-case word.
    ``detail`` is stored as JSON: values that are not JSON become strings. Over-long strings
    are cut (ending in "…"). The entry commits or rolls back with the caller's work.
    """
    row = _row(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        detail=detail,
        org=org,
        ip=ip,
    )
    session.execute(insert(_ENTRY_TABLE), [row])
    return str(row["id"])


def record_principal(
    session: Session,
    principal: PrincipalLike,
    *,
    action: str,
    target_type: str,
    target_id: str | None,
    outcome: Outcome = "ok",
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> str:
    """``record`` for an authenticated caller.

    The actor is the signed-in user (``user_id``) when there is one, else the party; ``org`` is
    the party acted for; the key id and how the caller signed in (``via``) go into ``detail``.
    """
    detail = dict(detail or {})
    user_id: str | None = getattr(principal, "user_id", None)
    via: str | None = getattr(principal, "via", None)
    if principal.key_id is not None:
        detail.setdefault("key_id", principal.key_id)
    if via is not None:
        detail.setdefault("via", via)
    return record(
        session,
        actor=user_id or principal.party_code,
        action=action,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        detail=detail,
        org=principal.party_code,
        ip=ip,
    )


def record_detached(
    db: Database,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None,
    outcome: Outcome = "ok",
    detail: dict[str, Any] | None = None,
    org: str | None = None,
    ip: str | None = None,
) -> str:
    """``record`` in a transaction of its own, committed at once.

    For events whose request fails and rolls back (a failed login, a refused access): the
    entry must survive the rollback. Do not call it from a thread whose session has already
    written on SQLite: that session holds the process's write lock, and this would wait on it.
    """
    with db.unit_of_work() as session:
        return record(
            session,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            outcome=outcome,
            detail=detail,
            org=org,
            ip=ip,
        )


def lock_head(session: Session) -> m.AuditHead:
    """Takes the chain-head lock for this transaction (creating the row on first use)."""
    now = clock.now()
    taken = session.execute(
        update(m.AuditHead).where(m.AuditHead.id == HEAD_ID).values(updated_at=now)
    )
    if taken.rowcount == 0:  # type: ignore[attr-defined]  # CursorResult has rowcount
        dialect = session.get_bind().dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            make(m.AuditHead)
            .values(id=HEAD_ID, seq=0, entry_hash=GENESIS, updated_at=now)
            .on_conflict_do_nothing()
        )
        session.execute(update(m.AuditHead).where(m.AuditHead.id == HEAD_ID).values(updated_at=now))
    head = session.get(m.AuditHead, HEAD_ID, populate_existing=True)
    assert head is not None
    return head


class Recorded(Protocol):
    """What the chain hashes of an entry (an ``AuditEntry`` or a row of its columns)."""

    id: str
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str | None
    outcome: str
    org: str | None
    ip: str | None
    detail: Any


def content_of(entry: Recorded) -> dict[str, Any]:
    return entry_content(
        entry_id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        outcome=entry.outcome,
        org=entry.org,
        ip=entry.ip,
        detail=entry.detail,
    )


_ENTRIES = cast(Table, m.AuditEntry.__table__)
_UNSEALED = (
    select(
        _ENTRIES.c.id,
        _ENTRIES.c.at,
        _ENTRIES.c.actor,
        _ENTRIES.c.action,
        _ENTRIES.c.target_type,
        _ENTRIES.c.target_id,
        _ENTRIES.c.outcome,
        _ENTRIES.c.org,
        _ENTRIES.c.ip,
        _ENTRIES.c.detail,
    )
    .where(_ENTRIES.c.seq.is_(None))
    .order_by(_ENTRIES.c.id)
)
_SEAL_ONE = chain_link_update(_ENTRIES)


def seal(session: Session, *, limit: int = 1000) -> int:
    """Numbers and chains up to ``limit`` unsealed entries, oldest id first; returns how many.

    Entries are read as plain rows and numbered with one executemany UPDATE (a unit-of-work
    flush of the same changes cost most of the sealer's time).
    """
    candidates = session.execute(_UNSEALED.limit(limit)).all()
    if not candidates:
        return 0
    # Canonical encoding is most of the work: do it before taking the head lock, which on
    # SQLite is the one writer slot that every request is waiting for.
    prepared = {e.id: canonical(content_of(e)) for e in candidates}
    head = lock_head(session)
    entries = session.execute(_UNSEALED.limit(limit)).all()  # again under the lock: another
    # sealer may have taken some meanwhile
    now = clock.now()
    seq, prev = head.seq, head.entry_hash
    links: list[dict[str, Any]] = []
    for entry in entries:
        body = prepared.get(entry.id) or canonical(content_of(entry))
        seq += 1
        link = link_hash(prev, body)
        links.append({"e_id": entry.id, "e_seq": seq, "e_prev": prev, "e_hash": link, "e_at": now})
        prev = link
    if links:
        session.execute(_SEAL_ONE, links)
        for obj in list(session.identity_map.values()):  # loaded before: now out of date
            if isinstance(obj, m.AuditEntry):
                session.expire(obj)
    head.seq, head.entry_hash = seq, prev
    session.flush()
    return len(entries)


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    entry_hash: str
    updated_at: datetime | None
    unsealed: int
    checkpoint_seq: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "anchor": f"{self.seq}:{self.entry_hash}",
            "updated_at": self.updated_at,
            "unsealed": self.unsealed,
            "checkpoint_seq": self.checkpoint_seq,
        }


def unsealed_count(session: Session) -> int:
    count = select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.seq.is_(None))
    return int(session.scalar(count) or 0)


def latest_checkpoint(session: Session) -> m.AuditCheckpoint | None:
    return session.scalar(select(m.AuditCheckpoint).order_by(m.AuditCheckpoint.seq.desc()).limit(1))


def current_head(session: Session) -> Head:
    """The sealed head to record elsewhere (``seq:entry_hash``), with the unsealed backlog."""
    head = session.get(m.AuditHead, HEAD_ID)
    checkpoint = latest_checkpoint(session)
    return Head(
        seq=head.seq if head else 0,
        entry_hash=head.entry_hash if head else GENESIS,
        updated_at=head.updated_at if head else None,
        unsealed=unsealed_count(session),
        checkpoint_seq=checkpoint.seq if checkpoint else None,
    )
