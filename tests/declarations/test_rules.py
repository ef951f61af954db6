"""Pure lifecycle rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from singlewindow.declarations.rules import (
    ALLOWED,
    AgencyState,
    Aggregate,
    aggregate,
    can_move,
    entry_no_problem,
)


def test_release_after_rejection_is_illegal() -> None:
    assert not can_move(AgencyState.rejected, AgencyState.released)


def test_inspection_must_be_completed_before_release() -> None:
    assert not can_move(AgencyState.inspection_required, AgencyState.released)
    assert can_move(AgencyState.inspection_required, AgencyState.inspected)
    assert can_move(AgencyState.inspected, AgencyState.released)


def test_same_state_is_an_idempotent_replay() -> None:
    for state in AgencyState:
        assert can_move(state, state)


def test_terminal_states_have_no_exit() -> None:
    assert ALLOWED[AgencyState.released] == frozenset()
    assert ALLOWED[AgencyState.rejected] == frozenset()


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], Aggregate.submitted),
        ([("customs", AgencyState.pending)], Aggregate.submitted),
        ([("customs", AgencyState.received)], Aggregate.submitted),
        ([("customs", AgencyState.accepted)], Aggregate.accepted),
        (
            [("customs", AgencyState.released), ("licensing", AgencyState.pending)],
            Aggregate.accepted,
        ),
        (
            [("customs", AgencyState.released), ("licensing", AgencyState.released)],
            Aggregate.released,
        ),
        (
            [("customs", AgencyState.accepted), ("licensing", AgencyState.rejected)],
            Aggregate.rejected,
        ),
        ([("customs", AgencyState.inspection_required)], Aggregate.inspection),
        ([("customs", AgencyState.inspected)], Aggregate.inspection),
    ],
)
def test_aggregate(pairs: list[tuple[str, AgencyState]], expected: Aggregate) -> None:
    assert aggregate(pairs) == expected


@given(st.lists(st.tuples(st.sampled_from(["customs", "licensing"]), st.sampled_from(AgencyState))))
def test_any_rejection_rejects_the_whole(pairs: list[tuple[str, AgencyState]]) -> None:
    result = aggregate(pairs)
    if any(s == AgencyState.rejected for _, s in pairs):
        assert result == Aggregate.rejected
    elif pairs and all(s == AgencyState.released for _, s in pairs):
        assert result == Aggregate.released
    else:
        assert result != Aggregate.released


@pytest.mark.parametrize(
    ("entry_no", "master", "flag", "problem"),
    [
        ("530020261000000123", "5300", "I", None),
        ("530020260000000123", "5300", "E", None),
        ("530020260000000123", "5300", "I", "ie_flag"),
        ("510020261000000123", "5300", "I", "district"),
        ("53002026100000012", "5300", "I", "format"),
        ("5300202610000001AB", "5300", "I", "format"),
    ],
)
def test_entry_number_shape(entry_no: str, master: str, flag: str, problem: str | None) -> None:
    assert entry_no_problem(entry_no, customs_master=master, ie_flag=flag) == problem
