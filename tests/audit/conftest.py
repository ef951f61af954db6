"""Audit fixtures: a filled and sealed log, an attacker's raw-SQL toolbox, parties with keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from singlewindow import audit
from singlewindow.audit.chain import entry_content, entry_hash
from singlewindow.audit.models import AuditEntry
from singlewindow.audit.verify import verify
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.ids import new_id
from singlewindow.parties.schemas import PartyIn
from singlewindow.parties.service import create_api_key, create_party

ACTIONS = ["identity.login", "declaration.read", "declaration.status_changed", "party.changed"]


def fill(db: Database, n: int = 8, *, seal_in: int = 2) -> list[str]:
    """Records ``n`` varied entries and seals them in ``seal_in`` rounds; returns ids in order."""
    ids = []
    with db.unit_of_work() as session:
        for i in range(n):
            ids.append(
                audit.record(
                    session,
                    actor=f"user-{i % 3}",
                    action=ACTIONS[i % len(ACTIONS)],
                    target_type="declaration",
                    target_id=f"D{i}",
                    outcome="ok" if i % 4 else "failed",
                    detail={"i": i, "zh": "放行", "nested": {"list": [1, 2.5, None]}},
                    org="TRADER",
                    ip="10.0.0.1",
                )
            )
    per_round = -(-n // seal_in)
    sealed = 0
    while sealed < n:
        with db.unit_of_work() as session:
            sealed += audit.seal(session, limit=per_round)
    return ids


def problems(db: Database, **options: Any) -> list[tuple[str, int | None, str | None]]:
    with db.read_only() as session:
        return [(p.code, p.seq, p.entry_id) for p in verify(session, **options).problems]


def raw(db: Database, sql: str, **params: Any) -> None:
    """What an attacker with SQL access does: a statement outside every service function."""
    with db.unit_of_work() as session:
        session.execute(text(sql), params)


def entry_at(db: Database, seq: int) -> AuditEntry:
    with db.read_only() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == seq))
        assert entry is not None
        session.expunge(entry)  # keeps its loaded values after the read-only rollback
        return entry


def shift(db: Database, from_seq: int, by: int) -> None:
    """Renumbers entries ``>= from_seq`` (in two steps: PostgreSQL checks uniqueness per row)."""
    raw(db, "UPDATE audit_entry SET seq = -seq WHERE seq >= :s", s=from_seq)
    raw(db, "UPDATE audit_entry SET seq = -seq + :by WHERE seq < 0", by=by)


def forge(
    db: Database, *, seq: int, prev_hash: str, at: datetime | None = None, correct: bool = True
) -> str:
    """Inserts a sealed-looking entry; with ``correct`` its hash is computed as the sealer would."""
    fields: dict[str, Any] = {
        "id": new_id(),
        "at": at or clock.now(),
        "actor": "mallory",
        "action": "party.changed",
        "target_type": "party",
        "target_id": "EVIL",
        "outcome": "ok",
        "org": None,
        "ip": None,
        "detail": {"forged": True},
    }
    content = entry_content(entry_id=fields["id"], **{k: v for k, v in fields.items() if k != "id"})
    digest = entry_hash(prev_hash, content) if correct else "f" * 64
    with db.unit_of_work() as session:
        session.add(
            AuditEntry(
                **fields, seq=seq, prev_hash=prev_hash, entry_hash=digest, sealed_at=clock.now()
            )
        )
    return str(fields["id"])


@dataclass
class Register:
    tokens: dict[str, str]

    def auth(self, code: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[code]}"}


@pytest.fixture
def register(db: Database) -> Register:
    """An operator (platform), an agency and a trader, each with an API key."""
    specs: list[dict[str, Any]] = [
        {"kind": "platform", "code": "GD", "name_zh": "省平台"},
        {"kind": "agency", "code": "CUS-5300", "name_zh": "广州海关", "agency_type": "customs"},
        {
            "kind": "enterprise",
            "code": "TRADER",
            "name_zh": "贸易公司",
            "uscc": "91440300MA5G00000R",
        },
    ]
    tokens = {}
    with db.unit_of_work() as session:
        for spec in specs:
            party = create_party(session, PartyIn(**spec))
            tokens[party.code] = create_api_key(session, party)[1]
    return Register(tokens)
