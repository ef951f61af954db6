"""Pure lifecycle rules: per-agency transitions and the aggregate declaration status."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum


class AgencyState(StrEnum):
    pending = "pending"
    received = "received"
    accepted = "accepted"
    rejected = "rejected"
    inspection_required = "inspection_required"
    inspected = "inspected"
    released = "released"


class Aggregate(StrEnum):
    draft = "draft"
    submitted = "submitted"
    accepted = "accepted"
    rejected = "rejected"
    inspection = "inspection"
    released = "released"
    cleared = "cleared"
    withdrawn = "withdrawn"


class Decision(StrEnum):
    """What an agency may post. Licensing authorities verify or refuse a licence."""

    received = "received"
    accepted = "accepted"
    rejected = "rejected"
    inspection_required = "inspection_required"
    inspected = "inspected"
    released = "released"
    licence_verified = "licence_verified"
    licence_refused = "licence_refused"


# Licence verification maps onto the common per-agency states: verified = released (the
# licensing authority has nothing more to do), refused = rejected.
DECISION_TARGET: dict[Decision, AgencyState] = {
    Decision.received: AgencyState.received,
    Decision.accepted: AgencyState.accepted,
    Decision.rejected: AgencyState.rejected,
    Decision.inspection_required: AgencyState.inspection_required,
    Decision.inspected: AgencyState.inspected,
    Decision.released: AgencyState.released,
    Decision.licence_verified: AgencyState.released,
    Decision.licence_refused: AgencyState.rejected,
}

ALLOWED: dict[AgencyState, frozenset[AgencyState]] = {
    AgencyState.pending: frozenset(
        {AgencyState.received, AgencyState.accepted, AgencyState.rejected, AgencyState.released}
    ),
    AgencyState.received: frozenset(
        {AgencyState.accepted, AgencyState.rejected, AgencyState.released}
    ),
    AgencyState.accepted: frozenset(
        {AgencyState.inspection_required, AgencyState.released, AgencyState.rejected}
    ),
    AgencyState.inspection_required: frozenset({AgencyState.inspected}),
    AgencyState.inspected: frozenset({AgencyState.released, AgencyState.rejected}),
    AgencyState.rejected: frozenset(),
    AgencyState.released: frozenset(),
}

# Decisions only the licensing authority may post, and decisions it may not.
LICENCE_DECISIONS = frozenset({Decision.licence_verified, Decision.licence_refused})
CUSTOMS_ONLY = frozenset(
    {Decision.accepted, Decision.inspection_required, Decision.inspected, Decision.released}
)

FINAL_AGGREGATES = frozenset({Aggregate.rejected, Aggregate.withdrawn, Aggregate.cleared})
WITHDRAWABLE = frozenset({Aggregate.draft, Aggregate.submitted, Aggregate.accepted})


def can_move(current: AgencyState, target: AgencyState) -> bool:
    """Same-state posts are idempotent replays and allowed; anything else must be listed."""
    return current == target or target in ALLOWED[current]


def aggregate(states: Iterable[tuple[str, AgencyState]]) -> Aggregate:
    """Aggregate status from (role, state) pairs of every agency a declaration went to.

    Rejected if anyone rejected; inspection while customs inspects; released when every agency
    released (licences verified count as released); accepted when customs has accepted (or
    released while another agency, e.g. the licensing authority, is still working);
    otherwise submitted.
    """
    pairs = list(states)
    if not pairs:
        return Aggregate.submitted
    values = [s for _, s in pairs]
    if AgencyState.rejected in values:
        return Aggregate.rejected
    if any(s in (AgencyState.inspection_required, AgencyState.inspected) for s in values):
        return Aggregate.inspection
    if all(s == AgencyState.released for s in values):
        return Aggregate.released
    customs = [s for role, s in pairs if role == "customs"]
    if customs and all(s in (AgencyState.accepted, AgencyState.released) for s in customs):
        return Aggregate.accepted
    return Aggregate.submitted


ENTRY_NO = re.compile(r"^(\d{4})(\d{4})([01])(\d{9})$")


def entry_no_problem(entry_no: str, *, customs_master: str | None, ie_flag: str) -> str | None:
    """The customs entry number (海关编号): district(4) + year(4) + I/E(1: 1 import, 0 export)
    + serial(9). Returns a reason when it does not fit the declaration, else None."""
    match = ENTRY_NO.match(entry_no)
    if match is None:
        return "format"
    district, _year, flag, _serial = match.groups()
    if customs_master and district != customs_master:
        return "district"
    if flag != ("1" if ie_flag == "I" else "0"):
        return "ie_flag"
    return None
