"""Pure rules of a transport call (docs/transport.md): the call key of a report, the lifecycle
(which message may follow which), the clearance phases and their aggregate, and how a report
merges into the call's current document. No database, no web framework.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from singlewindow.audit import actions
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import Finding

# Report type -> transport mode of the call (persons and dangerous goods name it themselves).
MEANS_TYPES: dict[str, str] = {
    "ship_report": "sea",
    "aircraft_report": "air",
    "vehicle_report": "road",
    "train_report": "rail",
}
CALL_TYPES = ("person_list", "dangerous_goods")
REPORT_TYPES = (*MEANS_TYPES, *CALL_TYPES)
MODES = ("sea", "air", "road", "rail")

VESSEL_RECORD = "CSM001"  # a vessel record: upserts the vessel, belongs to no call

# Audit vocabulary of this context (``context.verb``, like ``audit.actions``).
AUDIT_REPORT_SUBMITTED = actions.TRANSPORT_REPORT_SUBMITTED
AUDIT_CLEARANCE = actions.TRANSPORT_CLEARANCE
AUDIT_REPORT_READ = actions.TRANSPORT_REPORT_READ
AUDIT_CALL = actions.TRANSPORT_CALL
AUDIT_REPORT = "transport_report"


class Stage(StrEnum):
    """The last lifecycle step reported for a call, in lifecycle order."""

    announced = "announced"  # only a person list or DG declaration so far
    pre_arrival = "pre_arrival"
    arrival_confirmed = "arrival_confirmed"
    arrived = "arrived"
    in_port = "in_port"
    pre_departure = "pre_departure"
    departed = "departed"


RANK: dict[Stage, int] = {stage: rank for rank, stage in enumerate(Stage)}


class Phase(StrEnum):
    arrival = "arrival"
    departure = "departure"


class Decision(StrEnum):
    cleared = "cleared"
    refused = "refused"
    hold = "hold"


PENDING = "pending"
NONE = "none"  # no agency has to clear this phase (yet)


@dataclass(frozen=True)
class Step:
    """What a message type means for the call: the stage it reports and its phase."""

    stage: Stage
    phase: Phase | None
    final: bool = False  # the confirmed departure closes the call


_ARRIVAL, _DEPARTURE = Phase.arrival, Phase.departure
SHIP_STEPS: dict[str, Step] = {
    "CSM002": Step(Stage.pre_arrival, _ARRIVAL),
    "CSM003": Step(Stage.arrival_confirmed, _ARRIVAL),
    "CSM004": Step(Stage.arrived, _ARRIVAL),
    "CSM005": Step(Stage.in_port, None),
    "CSM006": Step(Stage.pre_departure, _DEPARTURE),
    "CSM007": Step(Stage.departed, _DEPARTURE, final=True),
}
MEANS_STEPS: dict[str, Step] = {
    "pre_arrival": Step(Stage.pre_arrival, _ARRIVAL),
    "arrival": Step(Stage.arrived, _ARRIVAL),
    "pre_departure": Step(Stage.pre_departure, _DEPARTURE),
    "departure": Step(Stage.departed, _DEPARTURE, final=True),
}


def step_of(doc_type: str, message_type: str | None) -> Step | None:
    """The lifecycle step of a means report (None for CSM001, persons, dangerous goods)."""
    if doc_type == "ship_report":
        return SHIP_STEPS.get(message_type or "")
    if doc_type in MEANS_TYPES:
        return MEANS_STEPS.get(message_type or "")
    return None


def phase_of_direction(direction: Any) -> Phase:
    """Persons and dangerous goods belong to the arrival (``I``) or departure (``E``) phase."""
    return Phase.departure if direction == "E" else Phase.arrival


# ---------------------------------------------------------------------------------------------
# The call key and the indexed facts of a report


@dataclass(frozen=True)
class CallKey:
    mode: str
    means_id: str
    journey_id: str


@dataclass
class Facts:
    """What a report says about its call: the key and the indexed columns, with the JSON
    pointer of each field so that findings name what the filer sent."""

    key: CallKey | None
    paths: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)  # column -> value (only those given)
    direction: str | None = None


def _block(document: dict[str, Any], name: str) -> dict[str, Any]:
    value = document.get(name)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time; one without an offset is read as China time."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA_TZ)


_TIMES = ("eta", "etd", "ata", "atd")
_SPEC: dict[str, dict[str, Any]] = {
    # column -> (block, field); "times" maps a column to the block's field name
    "ship_report": {
        "block": "voyage",
        "means": ("vessel", "imo"),
        "journey": ("voyage", "voyage_in"),
        "journey_out": ("voyage", "voyage_out"),
        "port": ("voyage", "port_of_call"),
        "customs_office": ("voyage", "customs_office"),
        "times": {"eta": "eta", "etd": "etd", "ata": "ata", "atd": "atd"},
    },
    "aircraft_report": {
        "block": "flight",
        "means": ("flight", "registration"),
        "journey": ("flight", "flight_no"),
        "port": ("flight", "airport"),
        "customs_office": ("flight", "customs_office"),
        "times": {"eta": "sta", "etd": "std", "ata": "ata", "atd": "atd"},
    },
    "vehicle_report": {
        "block": "vehicle",
        "journey": ("vehicle", "trip_no"),
        "port": ("vehicle", "port"),
        "customs_office": ("vehicle", "crossing"),
        "times": {"eta": "eta", "ata": "ata"},
    },
    "train_report": {
        "block": "train",
        "means": ("train", "train_no"),
        "journey": ("train", "run_date"),
        "port": ("train", "port"),
        "customs_office": ("train", "crossing"),
        "times": {"eta": "eta", "etd": "etd", "ata": "ata", "atd": "atd"},
    },
}
PLATES = ("plate_cn", "plate_hk", "plate_mo")


def _get(document: dict[str, Any], where: tuple[str, str]) -> str | None:
    return _text(_block(document, where[0]).get(where[1]))


def _ptr(where: tuple[str, str]) -> str:
    return f"/{where[0]}/{where[1]}"


def facts_of(doc_type: str, document: dict[str, Any]) -> Facts:
    """The call key and indexed values a report carries (key None when incomplete)."""
    if doc_type in CALL_TYPES:
        return _call_facts(document)
    return _means_facts(doc_type, document)


def _call_facts(document: dict[str, Any]) -> Facts:
    """Persons and dangerous goods name their call in the ``call`` block."""
    call = _block(document, "call")
    paths = {"means_id": "/call/means_id", "journey_id": "/call/journey_id"}
    mode, means, journey = (_text(call.get(k)) for k in ("mode", "means_id", "journey_id"))
    values: dict[str, Any] = {
        k: v for k in ("port", "customs_office") if (v := _text(call.get(k))) is not None
    }
    key = CallKey(mode, means, journey) if mode in MODES and means and journey else None
    return Facts(key, paths, values, _text(call.get("direction")))


def _means_facts(doc_type: str, document: dict[str, Any]) -> Facts:
    spec = _SPEC[doc_type]
    mode = MEANS_TYPES[doc_type]
    block: str = spec["block"]
    values: dict[str, Any] = {}
    paths: dict[str, str] = {}
    if doc_type == "vehicle_report":
        vehicle = _block(document, "vehicle")
        plates = [p for name in PLATES if (p := _text(vehicle.get(name)))]
        means = plates[0] if plates else None
        paths["means_id"] = "/vehicle/" + next(
            (n for n in PLATES if _text(vehicle.get(n))), "plate_cn"
        )
        if plates:
            values["means_name"] = " / ".join(plates)
    else:
        means = _get(document, spec["means"])
        paths["means_id"] = _ptr(spec["means"])
    journey = _get(document, spec["journey"])
    paths["journey_id"] = _ptr(spec["journey"])
    if doc_type == "aircraft_report":
        flight_date = _get(document, ("flight", "flight_date"))
        journey = f"{journey}/{flight_date}" if journey and flight_date else None
        if (flight_no := _get(document, ("flight", "flight_no"))) is not None:
            values["means_name"] = flight_no
    if doc_type == "ship_report":
        vessel = _block(document, "vessel")
        name = _text(vessel.get("name_en")) or _text(vessel.get("name_cn"))
        if name:
            values["means_name"] = name
        if (out := _get(document, spec["journey_out"])) is not None:
            values["journey_out"] = out
    if doc_type == "train_report" and (train_no := means) is not None:
        values["means_name"] = train_no
    for column in ("port", "customs_office"):
        if (text := _get(document, spec[column])) is not None:
            values[column] = text
    for column, name in spec["times"].items():
        paths[column] = f"/{block}/{name}"
        if (when := parse_time(_block(document, block).get(name))) is not None:
            values[column] = when
    direction = _text(_block(document, block).get("direction"))
    key = CallKey(mode, means, journey) if means and journey else None
    return Facts(key, paths, values, direction)


def key_findings(doc_type: str, facts: Facts) -> list[Finding]:
    """A report that does not name its call (the validator normally reports these first)."""
    if facts.key is not None:
        return []
    if doc_type in CALL_TYPES:
        return [
            Finding(
                "/call",
                "call_key_required",
                "call needs mode (sea, air, road, rail), means_id and journey_id",
                "call（运输工具航次）须给出 mode（sea、air、road、rail）、means_id 和 journey_id",
            )
        ]
    return [
        Finding(
            facts.paths[name],
            "required",
            f"{facts.paths[name]} is required: it identifies the call",
            f"{facts.paths[name]} 必填：用于识别运输工具航次",
        )
        for name in ("means_id", "journey_id")
    ]


# ---------------------------------------------------------------------------------------------
# Lifecycle


@dataclass(frozen=True)
class Problem:
    """Why a report may not be filed now: 409 (``conflict``) or 422 (a field)."""

    status: int
    code: str
    path: str
    en: str
    zh: str


def lifecycle_problem(
    *,
    mode: str,
    stage: Stage,
    step: Step | None,
    departure_clearance: str,
) -> Problem | None:
    """Whether a report of ``step`` (None: persons, DG) may follow the call's ``stage``.

    A closed call (confirmed departure) takes nothing more; steps never go back (a repeated
    step is an amendment); a ship moves in port and leaves only after it arrived; the
    confirmed departure needs the departure clearance.
    """
    if stage is Stage.departed:
        return Problem(
            409,
            "call_closed",
            "/message_type",
            "The call has departed and is closed; nothing more can be filed for it",
            "该运输工具已确认离境，本航次已关闭，不能再申报",
        )
    if step is None:
        return None
    if RANK[step.stage] < RANK[stage] and not (
        step.stage is Stage.in_port and stage is Stage.pre_departure
    ):
        return Problem(
            409,
            "out_of_order",
            "/message_type",
            f"A {step.stage.value} report cannot follow {stage.value}",
            f"当前阶段为 {stage.value}，不能再申报 {step.stage.value}",
        )
    arrived = RANK[stage] >= RANK[Stage.arrived]
    if mode == "sea" and RANK[step.stage] > RANK[Stage.arrived] and not arrived:
        return Problem(
            409,
            "not_arrived",
            "/message_type",
            f"The ship has not arrived yet (CSM004); {step.stage.value} is not possible",
            f"船舶尚未抵港（CSM004），不能申报 {step.stage.value}",
        )
    if step.final and departure_clearance != Decision.cleared:
        return Problem(
            409,
            "departure_not_cleared",
            "/message_type",
            f"The departure is not cleared by every agency (departure clearance: "
            f"{departure_clearance}); the confirmed departure must wait",
            f"出境尚未获得全部监管部门放行（当前：{departure_clearance}），不能确认离境",
        )
    return None


def times_problem(
    facts: Facts, recorded_ata: datetime | None, recorded_atd: datetime | None
) -> Problem | None:
    """The actual departure may not be before the actual arrival (recorded or in the report)."""
    ata = facts.values.get("ata", recorded_ata)
    atd = facts.values.get("atd", recorded_atd)
    if ata is not None and atd is not None and atd < ata:
        return Problem(
            422,
            "atd_before_ata",
            facts.paths.get("atd", "/atd"),
            f"The actual departure ({atd.isoformat()}) is before the actual arrival "
            f"({ata.isoformat()})",
            f"实际离港时间（{atd.isoformat()}）早于实际抵港时间（{ata.isoformat()}）",
        )
    return None


def next_stage(stage: Stage, step: Step | None) -> Stage:
    """Stages only move forward (a movement in port after the pre-departure keeps it)."""
    if step is None or RANK[step.stage] < RANK[stage]:
        return stage
    return step.stage


# ---------------------------------------------------------------------------------------------
# Clearance


def aggregate(statuses: Iterable[str]) -> str:
    """One phase of a call: ``none`` without agencies; ``refused`` if any refused, else
    ``hold`` if any holds, else ``pending`` until every agency cleared, then ``cleared``."""
    seen = list(statuses)
    if not seen:
        return NONE
    for outcome in (Decision.refused, Decision.hold):
        if outcome.value in seen:
            return outcome.value
    if all(s == Decision.cleared for s in seen):
        return Decision.cleared.value
    return PENDING


NEEDS_REASON = (Decision.refused, Decision.hold)


# ---------------------------------------------------------------------------------------------
# The call's current document


_HEADER = ("client_ref", "message_type", "call")


def _movement_key(item: Any) -> Any:
    return {k: v for k, v in item.items() if k != "seq"} if isinstance(item, dict) else item


def merge(current: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """The call's document after ``report``: objects merge field by field (the report wins),
    lists are replaced by the report's, and movements in port accumulate (renumbered)."""
    out = dict(current)
    for key, value in report.items():
        if key in _HEADER:
            continue
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key] = {**old, **value}
        elif key == "movements" and isinstance(value, list) and isinstance(old, list):
            known = [_movement_key(m) for m in old]
            added = [m for m in value if _movement_key(m) not in known]
            out[key] = [
                {**m, "seq": i} if isinstance(m, dict) else m
                for i, m in enumerate([*old, *added], start=1)
            ]
        else:
            out[key] = value
    return out
