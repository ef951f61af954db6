"""Pure rules of joint inspection: statuses, results, container numbers, numbers and slots."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from stdnum import iso6346


class CaseStatus(StrEnum):
    open = "open"
    booked = "booked"
    positioned = "positioned"
    inspecting = "inspecting"
    partially_released = "partially_released"
    released = "released"
    closed = "closed"
    cancelled = "cancelled"


class OrderStatus(StrEnum):
    open = "open"
    resulted = "resulted"
    released = "released"
    withdrawn = "withdrawn"


class BookingStatus(StrEnum):
    booked = "booked"
    rescheduled = "rescheduled"
    no_show = "no_show"
    cancelled = "cancelled"
    done = "done"


class Result(StrEnum):
    passed = "pass"
    fail = "fail"
    sample_taken = "sample_taken"
    hold = "hold"


class InstructionKind(StrEnum):
    physical = "physical"
    machine = "machine"
    sampling = "sampling"
    document = "document"


class PortEventKind(StrEnum):
    gate_in = "gate_in"
    gate_out = "gate_out"
    positioned = "positioned"
    discharged = "discharged"
    loaded = "loaded"


# A case still being worked (one per declaration at a time).
ACTIVE = frozenset(
    {
        CaseStatus.open,
        CaseStatus.booked,
        CaseStatus.positioned,
        CaseStatus.inspecting,
        CaseStatus.partially_released,
    }
)
FINISHED = frozenset({CaseStatus.released, CaseStatus.closed, CaseStatus.cancelled})
# Results recorded / releases given while the containers are at the bay (or some left).
WORKING = frozenset({CaseStatus.positioned, CaseStatus.inspecting, CaseStatus.partially_released})
# Bookings that hold a bay in their slot.
HOLDING_BAY = frozenset({BookingStatus.booked, BookingStatus.done})


def normalise_container(value: str) -> str:
    return "".join(value.split()).upper()


def container_ok(value: str) -> bool:
    """ISO 6346 owner code, category, serial and check digit."""
    return bool(iso6346.is_valid(value))


def merge(*lists: Iterable[str]) -> list[str]:
    """Union keeping first-seen order."""
    out: list[str] = []
    for items in lists:
        for item in items:
            if item not in out:
                out.append(item)
    return out


def case_no(day: date, serial: int) -> str:
    """JI + China business date + serial: JI20261129000042."""
    return f"JI{day:%Y%m%d}{serial:06d}"


def release_no(day: date, serial: int) -> str:
    """RL + China business date + serial: RL20261129000042."""
    return f"RL{day:%Y%m%d}{serial:06d}"


def is_whole_hour(at: datetime) -> bool:
    return at.minute == 0 and at.second == 0 and at.microsecond == 0


def status_after_release(containers: list[str], released: list[str]) -> CaseStatus:
    """Released once every container of the case is released; partially before that."""
    if not containers or all(c in released for c in containers):
        return CaseStatus.released
    return CaseStatus.partially_released if released else CaseStatus.inspecting
