"""Pure manifest rules: message families, journeys, the consignment view stored per B/L,
reconciliation differences, and the mappings prefill uses. No SQLAlchemy, no FastAPI."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from singlewindow.kit.errors import Finding

DOC_TYPE = "manifest"

# Cargo manifests (consignments with versions) and their direction.
CARGO: dict[str, str] = {
    "MT1101": "I",
    "MT2101": "E",
    "MT4101": "E",
    "MT1201": "I",
    "MT2201": "E",
    "MT4201": "E",
}
ARRIVAL = frozenset({"MT3101", "MT3201"})
TALLY: dict[str, str] = {"MT5101": "I", "MT5102": "E", "MT5201": "I", "MT5202": "E"}

# Loading manifest -> the pre-load manifest it is reconciled with.
LOADING_VS_PRELOAD = {"MT4101": "MT2101", "MT4201": "MT2201"}
# Tally report -> the manifests it is compared with, first one filed wins (what was loaded
# is the better reference for an export tally than what was pre-announced).
TALLY_VS: dict[str, tuple[str, ...]] = {
    "MT5101": ("MT1101",),
    "MT5102": ("MT4101", "MT2101"),
    "MT5201": ("MT1201",),
    "MT5202": ("MT4201", "MT2201"),
}

# head/mode (TrafMode) -> the transport call's mode word, and back.
MODES = {"2": "sea", "5": "air", "4": "road", "3": "rail"}
TRAF_MODES = {word: code for code, word in MODES.items()}

# The manifests a goods declaration's B/L is looked up on: (ie_flag, traf_mode) -> types.
_DECLARATION_TYPES = {
    ("I", "2"): ("MT1101",),
    ("I", "5"): ("MT1201",),
    ("E", "2"): ("MT2101",),
    ("E", "5"): ("MT2201",),
}

FUNCTIONS = {"9": "original", "2": "add", "5": "amend", "3": "delete"}
ACTIVE = "active"
DELETED = "deleted"

LOADING = "loading_vs_preload"
TALLY_KIND = "tally_vs_manifest"


def family(message_type: str) -> str:
    """``cargo``, ``arrival`` or ``tally`` (the validator has already checked the type)."""
    if message_type in CARGO:
        return "cargo"
    if message_type in ARRIVAL:
        return "arrival"
    if message_type in TALLY:
        return "tally"
    raise ValueError(f"not a manifest message type: {message_type}")


def direction_of(message_type: str) -> str:
    """I (import) or E (export); arrival reports concern export cargo."""
    return CARGO.get(message_type) or TALLY.get(message_type) or "E"


def mode_word(traf_mode: Any) -> str:
    return MODES.get(str(traf_mode), "sea") if traf_mode is not None else "sea"


def declaration_manifest_types(ie_flag: str | None, traf_mode: str | None) -> tuple[str, ...]:
    """The manifests a declaration's B/L must be on. No mode: sea and air; a mode without a
    manifest family here (road, rail, post, …): none, so nothing is checked."""
    flag = "E" if ie_flag == "E" else "I"
    if traf_mode is None or traf_mode == "":
        return tuple(t for (f, _m), types in _DECLARATION_TYPES.items() if f == flag for t in types)
    return _DECLARATION_TYPES.get((flag, str(traf_mode)), ())


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def packages_of(consignment: Mapping[str, Any]) -> int | None:
    value = consignment.get("packages")
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def consignment_document(
    document: Mapping[str, Any], consignment: Mapping[str, Any]
) -> dict[str, Any]:
    """What is stored per B/L version: the consignment with its containers and items."""
    bill = consignment.get("bill_no")
    return {
        **consignment,
        "containers": [c for c in _rows(document, "containers") if c.get("bill_no") == bill],
        "items": [i for i in _rows(document, "items") if i.get("bill_no") == bill],
    }


def _rows(document: Mapping[str, Any], block: str) -> list[dict[str, Any]]:
    rows = document.get(block)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def consignments_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return _rows(document, "consignments")


def containers_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return _rows(document, "containers")


def duplicate_bill_findings(document: Mapping[str, Any]) -> list[Finding]:
    """A B/L may appear once per message (the definition cannot say so on its own)."""
    seen: set[str] = set()
    out = []
    for i, consignment in enumerate(consignments_of(document)):
        bill = consignment.get("bill_no")
        if not isinstance(bill, str):
            continue
        if bill in seen:
            out.append(
                Finding(
                    f"/consignments/{i}/bill_no",
                    "duplicate_bill",
                    f"B/L {bill} appears more than once in this message",
                    f"提运单号 {bill} 在本报文中重复出现",
                )
            )
        seen.add(bill)
    return out


def bill_not_on_manifest(index: int, bill: str, journey: str) -> Finding:
    return Finding(
        f"/consignments/{index}/bill_no",
        "bill_not_on_manifest",
        f"B/L {bill} is not on the manifest of journey {journey}",
        f"提运单号 {bill} 不在航次 {journey} 的舱单上",
    )


# --- Reconciliation -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Facts:
    """What reconciliation compares of one B/L."""

    packages: int | None
    gross_weight_kg: str | None
    containers: frozenset[str]


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # loading_vs_preload | tally_vs_manifest
    bill_no: str
    field: str  # bill_no | container_no | packages | gross_weight_kg
    expected: str | None
    found: str | None
    container_no: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None, str, str | None, str | None]:
        return (self.kind, self.bill_no, self.container_no, self.field, self.expected, self.found)


def difference_code(field: str | None, expected: str | None, found: str | None) -> str:
    """A stable code for a difference: bill_missing, bill_extra, container_missing,
    container_extra, packages_differ, weight_differ."""
    if field in ("bill_no", "container_no"):
        noun = "bill" if field == "bill_no" else "container"
        return f"{noun}_missing" if found is None else f"{noun}_extra"
    if field == "packages":
        return "packages_differ"
    return "weight_differ"


DIFFERENCE_TEXT: dict[str, tuple[str, str]] = {
    "bill_missing": ("B/L expected but not found", "应有的提运单缺失"),
    "bill_extra": ("B/L found but not expected", "出现了不应有的提运单"),
    "container_missing": ("container expected but not found", "应有的集装箱缺失"),
    "container_extra": ("container found but not expected", "出现了不应有的集装箱"),
    "packages_differ": ("number of packages differs", "件数不一致"),
    "weight_differ": ("gross weight differs", "毛重不一致"),
}


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _compare_one(
    kind: str, bill: str, expected: Facts, found: Facts, *, containers: bool
) -> list[Difference]:
    out = []
    if (
        expected.packages is not None
        and found.packages is not None
        and expected.packages != found.packages
    ):
        out.append(Difference(kind, bill, "packages", str(expected.packages), str(found.packages)))
    want, got = _decimal(expected.gross_weight_kg), _decimal(found.gross_weight_kg)
    if want is not None and got is not None and want != got:
        out.append(
            Difference(
                kind, bill, "gross_weight_kg", expected.gross_weight_kg, found.gross_weight_kg
            )
        )
    if containers:
        for box in sorted(expected.containers - found.containers):
            out.append(Difference(kind, bill, "container_no", box, None, box))
        for box in sorted(found.containers - expected.containers):
            out.append(Difference(kind, bill, "container_no", None, box, box))
    return out


def compare_loading(preload: Mapping[str, Facts], loading: Mapping[str, Facts]) -> list[Difference]:
    """MT4101 (what was loaded) against MT2101 (what was announced): B/Ls and containers
    missing or extra, packages and weight that differ."""
    out: list[Difference] = []
    for bill in sorted(preload.keys() | loading.keys()):
        if bill not in loading:
            out.append(Difference(LOADING, bill, "bill_no", bill, None))
        elif bill not in preload:
            out.append(Difference(LOADING, bill, "bill_no", None, bill))
        else:
            out += _compare_one(LOADING, bill, preload[bill], loading[bill], containers=True)
    return out


def compare_tally(manifest: Mapping[str, Facts], tally: Mapping[str, Facts]) -> list[Difference]:
    """A tally against the manifest, for the B/Ls the tally counted (a tally may arrive in
    parts, so a B/L not yet tallied is not a difference). Containers are compared when the
    tally lists them."""
    out: list[Difference] = []
    for bill in sorted(tally):
        counted = tally[bill]
        if bill not in manifest:
            out.append(Difference(TALLY_KIND, bill, "bill_no", None, bill))
            continue
        out += _compare_one(
            TALLY_KIND, bill, manifest[bill], counted, containers=bool(counted.containers)
        )
    return out


# --- Goods-declaration check ----------------------------------------------------------


def _name(value: str | None) -> str:
    return re.sub(r"\s+", " ", value or "").strip().upper()


def means_matches(traf_name: str | None, means_id: str, means_name: str | None) -> bool:
    """Does a declaration's ``head/traf_name`` name this transport means? The vessel name
    (case and spacing aside), or its id as customs writes it (IMO, ``UN``+IMO). A manifest
    without a means name cannot contradict it."""
    wanted = _name(traf_name)
    if not wanted or not means_name:
        return True
    return wanted in {_name(means_name), _name(means_id), "UN" + _name(means_id)}


def bill_check(
    rows: Sequence[tuple[str, str, str | None]],
    *,
    bill_no: str,
    voy_no: str | None,
    traf_name: str | None,
    severity: str,
) -> Finding | None:
    """``rows``: (journey_id, means_id, means_name) of the active consignments with this B/L
    on the declaration's manifests. None when one of them is the declaration's journey."""
    voyage = (voy_no or "").strip().upper()
    for journey_id, means_id, means_name in rows:
        if voyage and journey_id.strip().upper() != voyage:
            continue
        if means_matches(traf_name, means_id, means_name):
            return None
    if not rows:
        en = f"B/L {bill_no} is not on any manifest filed for this direction"
        zh = f"提运单号 {bill_no} 不在任何已申报的舱单上"
    else:
        journeys = ", ".join(sorted({r[0] for r in rows}))
        en = f"B/L {bill_no} is on the manifest of journey {journeys}, not of this voyage/vessel"
        zh = f"提运单号 {bill_no} 在航次 {journeys} 的舱单上，与本报关单的航次或运输工具不符"
    return Finding("/head/bill_no", "bill_not_on_manifest", en, zh, severity)


# --- Prefill mappings -----------------------------------------------------------------

_ISO_LENGTH = {"2": "20", "4": "40", "L": "40"}  # 45' boxes are declared as 40' (2*标准箱)
_CUSTOMS_SIZE = re.compile(r"^(20|40|45)([A-Z]{2})$")


def container_md(size_type: str | None) -> str | None:
    """The declaration's container spec (集装箱规格, table ``container_size``) for a manifest
    size-type: ISO 6346 (``22G1``, ``45R1``) or the customs short form (``20GP``, ``40HC``).
    The caller keeps the answer only if the code table has it."""
    if not size_type:
        return None
    code = size_type.strip().upper()
    short = _CUSTOMS_SIZE.match(code)
    if short:
        length = "20" if short.group(1) == "20" else "40"
        group = {"RF": "R", "RH": "R", "TK": "T"}.get(short.group(2), "G")
    elif len(code) == 4 and code[0] in _ISO_LENGTH:
        length = _ISO_LENGTH[code[0]]
        group = code[2] if code[2] in "GRT" else "O"
    else:
        return None
    size = {
        ("40", "G"): "11",
        ("40", "R"): "12",
        ("40", "T"): "13",
        ("20", "G"): "21",
        ("20", "R"): "22",
        ("20", "T"): "23",
        ("20", "O"): "31",
        ("40", "O"): "32",
    }
    return size[(length, group)]


def container_weights(items: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Goods weight per container (sum of the items' gross weights stowed in it)."""
    totals: dict[str, Decimal] = {}
    for item in items:
        box, weight = item.get("container_no"), _decimal(_text(item.get("gross_weight_kg")))
        if isinstance(box, str) and weight is not None:
            totals[box] = totals.get(box, Decimal(0)) + weight
    return {box: format(total, "f") for box, total in totals.items()}


def party_uscc(party_id: Any) -> str | None:
    """The USCC in a manifest party id written ``USCI+<code>`` (else None)."""
    if not isinstance(party_id, str):
        return None
    kind, _, value = party_id.partition("+")
    if kind.strip().upper() != "USCI":
        return None
    return value.strip() or None
