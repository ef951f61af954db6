"""Tampering with raw SQL: verify names the changed, inserted or deleted entry."""

from __future__ import annotations

from singlewindow import audit
from singlewindow.audit.chain import Anchor
from singlewindow.audit.verify import verify
from singlewindow.kit.db import Database
from tests.audit.conftest import entry_at, fill, forge, problems, raw, shift


def test_intact_chain_verifies(db: Database) -> None:
    ids = fill(db, 8, seal_in=3)
    assert problems(db) == []
    assert [entry_at(db, s).id for s in range(1, 9)] == ids  # sealed in id order


def test_changed_content_is_named(db: Database) -> None:
    ids = fill(db)
    raw(db, "UPDATE audit_entry SET action = 'identity.logout' WHERE seq = 3")
    assert problems(db) == [("changed", 3, ids[2])]


def test_changed_detail_is_named(db: Database) -> None:
    ids = fill(db)
    raw(db, "UPDATE audit_entry SET outcome = 'ok', ip = NULL WHERE seq = 1")
    assert problems(db) == [("changed", 1, ids[0])]


def test_rewritten_entry_with_recomputed_hash_breaks_the_next_link(db: Database) -> None:
    ids = fill(db)
    victim = entry_at(db, 5)
    raw(db, "DELETE FROM audit_entry WHERE seq = 5")
    # The attacker re-adds entry 5 with other content and a correctly computed hash.
    forged = forge(db, seq=5, prev_hash=victim.prev_hash or "")
    found = problems(db)
    assert found[0] == ("broken_link", 6, ids[5])
    assert "entry 5 was rewritten" in _messages(db)[0]
    assert forged not in {p[2] for p in found}  # its own hash is right: the next link tells


def test_deleted_entry_is_named_by_its_number(db: Database) -> None:
    fill(db)
    raw(db, "DELETE FROM audit_entry WHERE seq = 4")
    assert problems(db) == [("missing", 4, None)]


def test_deleted_run_of_entries(db: Database) -> None:
    fill(db)
    raw(db, "DELETE FROM audit_entry WHERE seq IN (3, 4, 5)")
    assert problems(db) == [("missing", 3, None)]
    assert "3..5" in _messages(db)[0]


def test_deleted_tail_is_named(db: Database) -> None:
    fill(db)
    raw(db, "DELETE FROM audit_entry WHERE seq = 8")
    assert problems(db) == [("missing", 8, None)]


def test_deleted_and_renumbered_breaks_the_link(db: Database) -> None:
    ids = fill(db)
    raw(db, "DELETE FROM audit_entry WHERE seq = 4")
    shift(db, 5, -1)
    raw(db, "UPDATE audit_head SET seq = seq - 1")
    assert problems(db)[0] == ("broken_link", 4, ids[4])


def test_inserted_entry_between_two_is_named(db: Database) -> None:
    """A careful forger: renumbers, links and hashes correctly, even moves the head."""
    fill(db)
    before = entry_at(db, 3)
    shift(db, 4, +1)
    raw(db, "UPDATE audit_head SET seq = seq + 1")
    forged = forge(db, seq=4, prev_hash=before.entry_hash or "")
    assert problems(db) == [("inserted", 4, forged)]


def test_inserted_entry_with_garbage_hash_is_named_once(db: Database) -> None:
    fill(db)
    shift(db, 2, +1)
    raw(db, "UPDATE audit_head SET seq = seq + 1")
    forged = forge(db, seq=2, prev_hash="0" * 64, correct=False)
    assert problems(db) == [("inserted", 2, forged)]


def test_inserted_entry_beyond_the_head_is_named(db: Database) -> None:
    fill(db)
    last = entry_at(db, 8)
    forged = forge(db, seq=9, prev_hash=last.entry_hash or "")
    assert problems(db) == [("inserted", 9, forged)]


def test_unsealed_entry_made_to_look_sealed_is_caught(db: Database) -> None:
    ids = fill(db)
    raw(db, "UPDATE audit_entry SET seq = NULL, prev_hash = NULL WHERE seq = 2")
    assert problems(db) == [("missing", 2, None)]
    assert ids  # the entry is back in the queue; resealing it does not heal the gap
    with db.unit_of_work() as session:
        assert audit.seal(session) == 1
    assert ("missing", 2, None) in problems(db)


def test_head_rewound_is_caught_by_the_anchor_only(db: Database) -> None:
    fill(db)
    with db.read_only() as session:
        head = audit.current_head(session)
    anchor = Anchor(head.seq, head.entry_hash)
    assert problems(db, anchor=anchor) == []
    # Truncating the tail and rewinding the head is consistent inside the database...
    seventh = entry_at(db, 7)
    raw(db, "DELETE FROM audit_entry WHERE seq = 8")
    raw(db, "UPDATE audit_head SET seq = 7, entry_hash = :h", h=seventh.entry_hash)
    assert problems(db) == []
    # ...but not with the head recorded outside it.
    assert problems(db, anchor=anchor) == [("anchor_mismatch", 8, None)]


def test_rebuilt_chain_is_caught_by_the_anchor(db: Database) -> None:
    fill(db)
    anchor = Anchor(8, entry_at(db, 8).entry_hash or "")
    # An attacker who rewrites entry 8 and recomputes its hash and the head.
    victim = entry_at(db, 8)
    raw(db, "DELETE FROM audit_entry WHERE seq = 8")
    forged = forge(db, seq=8, prev_hash=victim.prev_hash or "")
    new = entry_at(db, 8)
    raw(db, "UPDATE audit_head SET entry_hash = :h", h=new.entry_hash)
    assert new.id == forged
    assert problems(db) == []
    assert problems(db, anchor=anchor) == [("anchor_mismatch", 8, None)]


def test_head_row_changed_or_deleted(db: Database) -> None:
    fill(db)
    raw(db, "UPDATE audit_head SET entry_hash = :h", h="a" * 64)
    assert problems(db) == [("head_mismatch", 8, None)]
    raw(db, "DELETE FROM audit_head")
    assert problems(db) == [("head_missing", None, None)]


def _messages(db: Database) -> list[str]:
    with db.read_only() as session:
        return [p.message for p in verify(session).problems]


def test_incremental_verify_walks_from_the_anchor(db: Database) -> None:
    ids = fill(db)
    anchor = Anchor(5, entry_at(db, 5).entry_hash or "")
    with db.read_only() as session:
        report = verify(session, anchor=anchor, from_anchor=True)
    assert (report.ok, report.first_seq, report.entries, report.anchor_status) == (
        True,
        5,
        4,
        "matched",
    )
    raw(db, "UPDATE audit_entry SET target_id = 'X' WHERE seq IN (2, 7)")
    # Before the anchor is taken as proven; after it, every change is still named.
    assert problems(db, anchor=anchor, from_anchor=True) == [("changed", 7, ids[6])]
    assert problems(db) == [("changed", 2, ids[1]), ("changed", 7, ids[6])]
    raw(db, "UPDATE audit_entry SET actor = 'X' WHERE seq = 5")
    assert problems(db, anchor=anchor, from_anchor=True) == [
        ("changed", 5, ids[4]),
        ("changed", 7, ids[6]),
    ]


def test_incremental_verify_with_a_stale_anchor_walks_everything(db: Database) -> None:
    ids = fill(db)
    wrong = Anchor(5, "c" * 64)
    raw(db, "UPDATE audit_entry SET target_id = 'X' WHERE seq = 2")
    assert problems(db, anchor=wrong, from_anchor=True) == [
        ("changed", 2, ids[1]),
        ("anchor_mismatch", 5, None),
    ]
