"""Recording and sealing on both backends: what is stored is what is hashed."""

from __future__ import annotations

import dataclasses
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from singlewindow import audit
from singlewindow.audit.models import AuditEntry
from singlewindow.audit.verify import verify
from singlewindow.kit.db import Database
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from tests.audit.conftest import fill, problems

OPERATOR = Principal(
    party_id="p1",
    party_code="GD",
    kind=PartyKind.platform,
    agency_type=None,
    uscc=None,
    customs_code=None,
    key_id="k1",
)


def entries(db: Database) -> list[AuditEntry]:
    with db.read_only() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        session.expunge_all()
        return rows


def test_record_is_unsealed_until_the_sealer_runs(db: Database) -> None:
    with db.unit_of_work() as session:
        entry_id = audit.record(
            session,
            actor="GD",
            action=audit.actions.PARTY_CHANGED,
            target_type="party",
            target_id="TRADER",
            detail={"before": {"active": True}, "after": {"active": False}},
        )
    [row] = entries(db)
    assert (row.id, row.seq, row.entry_hash, row.outcome) == (entry_id, None, None, "ok")
    with db.read_only() as session:
        report = verify(session)
        assert (report.ok, report.entries, report.unsealed) == (True, 0, 1)
    with db.unit_of_work() as session:
        assert audit.seal(session) == 1
        assert audit.seal(session) == 0
    [row] = entries(db)
    assert row.seq == 1
    assert row.prev_hash == "0" * 64
    with db.read_only() as session:
        head = audit.current_head(session)
        report = verify(session)
    assert (head.seq, head.entry_hash, head.unsealed) == (1, row.entry_hash, 0)
    assert (report.ok, report.entries, report.unsealed) == (True, 1, 0)


def test_sealing_in_rounds_continues_one_chain(db: Database) -> None:
    ids = fill(db, 10, seal_in=4)
    rows = sorted(entries(db), key=lambda r: r.seq or 0)
    assert [r.id for r in rows] == ids
    assert all(b.prev_hash == a.entry_hash for a, b in pairwise(rows))
    assert problems(db) == []


def failing_request(db: Database, *, detached: bool) -> None:
    """A request that records, then fails: its transaction rolls back."""
    with db.unit_of_work() as session:
        if detached:
            audit.record_detached(
                db,
                actor="someone",
                action=audit.actions.LOGIN_FAILED,
                target_type="user",
                target_id="someone",
                outcome="failed",
                ip="192.0.2.7",
            )
        else:
            audit.record(session, actor="x", action="a.b", target_type="t", target_id=None)
        raise RuntimeError("401")


def test_entry_rolls_back_with_the_callers_work(db: Database) -> None:
    with pytest.raises(RuntimeError):
        failing_request(db, detached=False)
    assert entries(db) == []


def test_record_detached_survives_the_requests_rollback(db: Database) -> None:
    with pytest.raises(RuntimeError):
        failing_request(db, detached=True)
    [row] = entries(db)
    assert (row.action, row.outcome, row.ip) == ("identity.login_failed", "failed", "192.0.2.7")


def test_record_principal_names_party_and_key(db: Database) -> None:
    with db.unit_of_work() as session:
        audit.record_principal(
            session,
            OPERATOR,
            action=audit.actions.DECLARATION_READ,
            target_type="declaration",
            target_id="D1",
            detail={"why": "inspection"},
            ip="::1",
        )
    [row] = entries(db)
    assert (row.actor, row.org, row.ip) == ("GD", "GD", "::1")
    assert row.detail == {"why": "inspection", "key_id": "k1", "via": "api_key"}


def test_record_principal_names_the_signed_in_user(db: Database) -> None:
    user = dataclasses.replace(OPERATOR, key_id=None, user_id="u-42", via="session")
    with db.unit_of_work() as session:
        audit.record_principal(
            session, user, action="party.changed", target_type="party", target_id="TRADER"
        )
    [row] = entries(db)
    assert (row.actor, row.org, row.detail) == ("u-42", "GD", {"via": "session"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "Login"),
        ("action", "login"),
        ("action", "a.b\n"),
        ("action", "a." + "b" * 60),
        ("target_type", "Declaration"),
        ("target_type", "a.b"),
        ("outcome", "maybe"),
    ],
)
def test_record_refuses_a_malformed_vocabulary(db: Database, field: str, value: str) -> None:
    fields: dict[str, Any] = {"action": "a.b", "target_type": "t", "outcome": "ok"} | {field: value}
    with db.unit_of_work() as session, pytest.raises(ValueError, match=field):
        audit.record(session, actor="x", target_id=None, **fields)


def test_hostile_text_is_stored_and_chained(db: Database) -> None:
    """A failed login's user name is whatever was typed: it must not break the transaction."""
    with db.unit_of_work() as session:
        audit.record(
            session,
            actor="evil\x00" + "x" * 500 + "\ud800",
            action=audit.actions.LOGIN_FAILED,
            target_type="user",
            target_id="y" * 300,
            outcome="failed",
            ip="1" * 100,
            detail={"typed\ud800": "a\x00b", 1: 2**70, "nan": float("nan")},
        )
    with db.unit_of_work() as session:
        audit.seal(session)
    [row] = entries(db)
    assert row.actor.startswith("evil\ufffdxxx")
    assert len(row.actor) == 120
    assert row.actor.endswith("…")
    assert row.target_id is not None
    assert len(row.target_id) == 120
    assert row.ip is not None
    assert len(row.ip) == 45
    assert row.detail == {"typed?": "a\x00b", "1": str(2**70), "nan": "nan"}
    assert problems(db) == []


json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    details=st.lists(
        st.dictionaries(st.text(max_size=6), json_values, max_size=4), min_size=1, max_size=4
    )
)
def test_any_json_detail_survives_the_database_round_trip(
    db: Database, details: list[dict[str, Any]]
) -> None:
    """The hash is computed from what the backend gives back, so storage must not alter it."""
    with db.unit_of_work() as session:
        for detail in details:
            audit.record(
                session, actor="p", action="a.b", target_type="t", target_id="中文", detail=detail
            )
    with db.unit_of_work() as session:
        audit.seal(session)
    with db.read_only() as session:
        report = verify(session)
        total = session.scalar(select(func.count()).select_from(AuditEntry))
    assert report.ok, report.problems
    assert report.entries == total
