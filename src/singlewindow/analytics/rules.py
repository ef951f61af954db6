"""The WCO Time Release Study milestones of one consignment, from its recorded facts.

Pure functions: they take the declaration's timeline events, its agencies' roles and what
the transport side recorded (the ship call, the terminal's arrival reports) and return the
milestones; no database, no clock. docs/inspection.md ("Time Release Study") defines them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Events that start or finish the inspection segment (the joint inspection's events and the
# agency decisions that predate it).
INSPECTION_START = frozenset(
    {"inspection_ordered", "inspection_booked", "agency_inspection_required"}
)
INSPECTION_END = frozenset({"inspection_result", "agency_inspected"})
INSPECTION_ANY = (
    INSPECTION_START | INSPECTION_END | {"inspection_positioned", "inspection_released"}
)
# Agency events that are a decision (not a receipt).
DECISIONS = frozenset(
    {
        "agency_accepted",
        "agency_rejected",
        "agency_inspection_required",
        "agency_inspected",
        "agency_released",
        "agency_licence_verified",
        "agency_licence_refused",
    }
)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    at: datetime
    event: str
    detail: Mapping[str, Any]

    @property
    def agency(self) -> str | None:
        value = self.detail.get("agency")
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Transport:
    """What the transport side recorded for the consignment."""

    call_id: str | None = None
    ata: datetime | None = None
    atd: datetime | None = None
    arrival_reported_at: datetime | None = None  # earliest terminal arrival report (MT3101)


@dataclass(slots=True)
class AgencyTimes:
    agency_code: str
    role: str | None = None
    routed_at: datetime | None = None
    received_at: datetime | None = None
    first_decision_at: datetime | None = None
    inspection_ordered_at: datetime | None = None
    inspection_result_at: datetime | None = None
    released_at: datetime | None = None


@dataclass(slots=True)
class Milestones:
    arrived_at: datetime | None = None
    arrival_source: str | None = None
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    inspection_started_at: datetime | None = None
    inspection_finished_at: datetime | None = None
    released_at: datetime | None = None
    exited_at: datetime | None = None
    exit_source: str | None = None
    inspected: bool = False
    agencies: dict[str, AgencyTimes] = field(default_factory=dict)


def _first(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _last(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _acceptance(events: Sequence[Event], roles: Mapping[str, str]) -> datetime | None:
    """Customs' acceptance; any agency's when no customs agency was routed the declaration."""
    accepted = [e for e in events if e.event == "agency_accepted"]
    by_customs = [e.at for e in accepted if roles.get(e.agency or "") == "customs"]
    if by_customs or "customs" in roles.values():
        return _first(by_customs)
    return _first(e.at for e in accepted)


def _agencies(
    events: Sequence[Event], roles: Mapping[str, str], submitted_at: datetime | None
) -> dict[str, AgencyTimes]:
    out = {code: AgencyTimes(code, role, routed_at=submitted_at) for code, role in roles.items()}
    for e in events:
        if e.event == "submitted":
            for code in e.detail.get("recipients") or []:
                if isinstance(code, str):
                    out.setdefault(code, AgencyTimes(code, roles.get(code), routed_at=e.at))
        code = e.agency
        if code is None:
            continue
        times = out.setdefault(code, AgencyTimes(code, roles.get(code), routed_at=submitted_at))
        if e.event == "agency_received":
            times.received_at = _first((times.received_at, e.at))
        if e.event in DECISIONS:
            times.first_decision_at = _first((times.first_decision_at, e.at))
        if e.event in ("inspection_ordered", "agency_inspection_required"):
            times.inspection_ordered_at = _first((times.inspection_ordered_at, e.at))
        if e.event in INSPECTION_END:
            times.inspection_result_at = _last((times.inspection_result_at, e.at))
        if e.event in ("agency_released", "inspection_released"):
            times.released_at = _first((times.released_at, e.at))
    return out


def milestones(
    ie_flag: str,
    events: Sequence[Event],
    roles: Mapping[str, str],
    transport: Transport,
) -> Milestones:
    """The milestones of one declaration (events in any order; ``roles`` by agency code).

    Arrival: imports the ship call's ``ata`` (else the terminal's arrival report); exports
    the terminal's arrival report of the goods (运抵报告). Exit: imports the gate-out of the
    last container (``gate_out`` with ``all_out``); exports the vessel's departure (``atd``).
    """
    m = Milestones()
    m.submitted_at = _first(e.at for e in events if e.event == "submitted")
    m.accepted_at = _acceptance(events, roles)
    m.inspection_started_at = _first(e.at for e in events if e.event in INSPECTION_START)
    m.inspection_finished_at = _last(e.at for e in events if e.event in INSPECTION_END)
    m.inspected = any(e.event in INSPECTION_ANY for e in events)
    m.released_at = _first(e.at for e in events if e.event == "release_notice")
    if ie_flag == "E":
        m.arrived_at = transport.arrival_reported_at
        m.arrival_source = "arrival_report" if m.arrived_at else None
        # The departure counts as the exit only after the release (goods shut out of an
        # earlier sailing have not left).
        if (
            transport.atd is not None
            and m.released_at is not None
            and transport.atd >= m.released_at
        ):
            m.exited_at, m.exit_source = transport.atd, "departure"
    else:
        if transport.ata is not None:
            m.arrived_at, m.arrival_source = transport.ata, "call"
        elif transport.arrival_reported_at is not None:
            m.arrived_at, m.arrival_source = transport.arrival_reported_at, "arrival_report"
        out = _first(e.at for e in events if e.event == "gate_out" and e.detail.get("all_out"))
        if out is not None:
            m.exited_at, m.exit_source = out, "gate_out"
    m.agencies = _agencies(events, roles, m.submitted_at)
    return m
