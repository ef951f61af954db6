"""Cross-field rules of the transport documents (docs/transport.md).

As for the goods declaration, each rule reads only well-typed values (malformed ones are
reported by the structural rules) and skips the rest, so all findings come back at once.
Rules that apply to several types read the definition (which blocks and fields it has),
so one rule serves every type that carries the block.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.model import BlockDef, FieldDef
from singlewindow.standards.rules.context import Context, field_finding, finding
from singlewindow.standards.rules.identifiers import (
    check_container,
    imo_number,
    imo_problems,
)
from singlewindow.standards.rules.mrz import Mrz, MrzError, parse_mrz
from singlewindow.standards.rules.values import (
    as_date,
    as_datetime,
    as_decimal,
    as_integer,
    is_present,
    pointer,
)

Rule = Callable[[Context], list[Finding]]

# The object block holding the means and journey of each type, and its time pairs
# (earlier, later, strictly before?).
_JOURNEY = {
    "ship_report": "voyage",
    "aircraft_report": "flight",
    "vehicle_report": "vehicle",
    "train_report": "train",
    "manifest": "head",
    "person_list": "call",
    "dangerous_goods": "call",
}
_TIME_PAIRS = (("eta", "etd", True), ("sta", "std", True), ("ata", "atd", False))
_ACTUAL_TIMES = ("ata", "atd")


def _object(ctx: Context, block: str) -> dict[str, Any]:
    value = ctx.document.get(block)
    return value if isinstance(value, dict) else {}


def _items(ctx: Context, block: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = ctx.document.get(block)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _text(value: Any) -> str | None:
    """A non-empty string, else ``None`` (malformed values are the structural rules' job)."""
    return value if isinstance(value, str) and value else None


def _has_block(ctx: Context, name: str) -> bool:
    return any(b.name == name for b in ctx.definition.blocks)


def _field(ctx: Context, block: str, name: str) -> FieldDef:
    return ctx.definition.block(block).field(name)


def _aware(value: Any) -> datetime | None:
    moment = as_datetime(value)
    return moment if moment is not None and moment.tzinfo is not None else None


def times_in_order(ctx: Context) -> list[Finding]:
    """eta < etd, sta < std (strictly: a call has a stay), ata <= atd."""
    name = _JOURNEY[ctx.definition.type]
    journey, block = _object(ctx, name), ctx.definition.block(name)
    names = {f.name for f in block.json_fields}
    out = []
    for earlier, later, strict in _TIME_PAIRS:
        if earlier not in names or later not in names:
            continue
        first, second = _aware(journey.get(earlier)), _aware(journey.get(later))
        if first is None or second is None or (first < second if strict else first <= second):
            continue
        relation_en = "after" if strict else "not before"
        relation_zh = "晚于" if strict else "不早于"
        out.append(
            field_finding(
                pointer(name, later), "time_order", block.field(later),
                f"must be {relation_en} {earlier} ({journey[earlier]})",
                f"应{relation_zh} {earlier}({journey[earlier]})",
            )
        )  # fmt: skip
    return out


def actual_times_not_in_future(ctx: Context) -> list[Finding]:
    """An actual time (ata, atd) is a fact: not later than today, China time."""
    name = _JOURNEY[ctx.definition.type]
    journey, block = _object(ctx, name), ctx.definition.block(name)
    names = {f.name for f in block.json_fields}
    out = []
    for key in _ACTUAL_TIMES:
        moment = _aware(journey.get(key)) if key in names else None
        if moment is None or moment.astimezone(CHINA_TZ).date() <= ctx.today:
            continue
        out.append(
            field_finding(
                pointer(name, key), "date_in_future", block.field(key),
                f"{journey[key]} is after today ({ctx.today.isoformat()})",
                f"{journey[key]} 晚于今天({ctx.today.isoformat()})",
            )
        )  # fmt: skip
    return out


_COUNTS = (("crew_count", "crew"), ("passenger_count", "passengers"), ("wagons", "wagons"))


def counts_match_lists(ctx: Context) -> list[Finding]:
    """crew_count, passenger_count (and a train's wagons) equal the rows of the list,
    when the list is given in the same document."""
    name = _JOURNEY[ctx.definition.type]
    journey, block = _object(ctx, name), ctx.definition.block(name)
    names = {f.name for f in block.json_fields}
    out = []
    for key, list_name in _COUNTS:
        rows = ctx.document.get(list_name)
        declared = as_integer(journey.get(key)) if key in names else None
        if declared is None or not _has_block(ctx, list_name) or not isinstance(rows, list):
            continue
        if declared != len(rows):
            out.append(
                field_finding(
                    pointer(name, key), "count_mismatch", block.field(key),
                    f"is {declared} but {list_name} has {len(rows)} rows",
                    f"为 {declared}，但{ctx.definition.block(list_name).label_zh}有 {len(rows)} 行",
                )
            )  # fmt: skip
    return out


def _seq_groups(ctx: Context, block: BlockDef) -> dict[Any, list[tuple[int, dict[str, Any]]]]:
    """Rows numbered together: all rows, or per bill for manifest goods items."""
    groups: dict[Any, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    per_bill = block.name == "items"
    for index, item in _items(ctx, block.name):
        groups[_text(item.get("bill_no")) if per_bill else None].append((index, item))
    return groups


def sequence_numbers(ctx: Context) -> list[Finding]:
    """``seq`` runs 1..n without gaps in every repeated block that has it (manifest goods
    items: within each bill)."""
    out = []
    for block in ctx.definition.blocks:
        if not block.repeated or "seq" not in {f.name for f in block.json_fields}:
            continue
        seq = block.field("seq")
        for rows in _seq_groups(ctx, block).values():
            for expected, (index, item) in enumerate(rows, start=1):
                number = as_integer(item.get("seq"))
                if number is None or number == expected:
                    continue
                out.append(
                    field_finding(
                        pointer(block.name, index, "seq"), "seq_gap", seq,
                        f"is {number}, expected {expected} (numbered 1..n without gaps)",
                        f"为 {number}，应为 {expected}(须从1连续编号)",
                    )
                )  # fmt: skip
    return out


def crew_effects_name_crew(ctx: Context) -> list[Finding]:
    """Each crew's effects row names a crew member, when the crew list is given."""
    if not isinstance(ctx.document.get("crew"), list):
        return []
    crew = {as_integer(member.get("seq")) for _, member in _items(ctx, "crew")}
    f = _field(ctx, "crew_effects", "crew_seq")
    out = []
    for index, row in _items(ctx, "crew_effects"):
        number = as_integer(row.get("crew_seq"))
        if number is not None and number not in crew:
            out.append(
                field_finding(
                    pointer("crew_effects", index, "crew_seq"), "crew_not_listed", f,
                    f"no crew member with seq {number}", f"船员名单中没有序号 {number}",
                )
            )  # fmt: skip
    return out


def movements_for_movement_report(ctx: Context) -> list[Finding]:
    """A CSM005 (movement in port) reports at least one movement."""
    if ctx.document.get("message_type") != "CSM005":
        return []
    rows = ctx.document.get("movements")
    if isinstance(rows, list) and rows:
        return []
    return [
        finding(
            "/movements",
            "required",
            "Movements in port: at least one required for CSM005",
            "港内移泊：CSM005 至少需要 1 项",
        )
    ]


# --- persons ---------------------------------------------------------------------------

_PERSON_LISTS = ("crew", "passengers")


def _mrz_fields(mrz: Mrz, person: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field, value in the person, value in the MRZ) for every field that disagrees."""
    doc_no = person.get("doc_no")
    if isinstance(doc_no, str) and doc_no:
        plain = "".join(c for c in doc_no.upper() if c.isascii() and c.isalnum())
        if plain != mrz.document_number:
            yield "doc_no", doc_no, mrz.document_number
    for name, printed in (("birth_date", mrz.birth_date), ("doc_expiry", mrz.expiry_date)):
        day = as_date(person.get(name))
        if day is None:
            continue
        wanted = day.strftime("%y%m%d")
        # "<" in an MRZ date means unknown (day or month of birth): it matches anything.
        if any(p != "<" and p != w for p, w in zip(printed, wanted, strict=True)):
            yield name, day.isoformat(), f"{printed[4:6]}.{printed[2:4]}.{printed[0:2]}"
    nationality = person.get("nationality")
    if isinstance(nationality, str) and nationality and nationality != mrz.nationality:
        yield "nationality", nationality, mrz.nationality


def _mrz_findings(
    ctx: Context, block: BlockDef, at: str, person: dict[str, Any], mrz_key: str
) -> list[Finding]:
    value = person.get(mrz_key)
    if not isinstance(value, str) or not value:
        return []
    try:
        mrz = parse_mrz(value)
    except MrzError:
        return []  # reported by the field's check
    out = []
    for name, given, printed in _mrz_fields(mrz, person):
        out.append(
            field_finding(
                at + pointer(name), "mrz_mismatch", block.field(name),
                f"{given} does not agree with the machine readable zone ({printed})",
                f"{given} 与机读区({printed})不一致",
            )
        )  # fmt: skip
    return out


def persons_agree_with_mrz(ctx: Context) -> list[Finding]:
    """When a person's MRZ is given, its document number, birth date, expiry and
    nationality agree with the person's fields."""
    out = []
    for name in _PERSON_LISTS:
        if not _has_block(ctx, name):
            continue
        block = ctx.definition.block(name)
        for index, person in _items(ctx, name):
            out += _mrz_findings(ctx, block, pointer(name, index), person, "mrz")
    return out


def person_lists_match_message(ctx: Context) -> list[Finding]:
    """person_list: ``crew`` needs crew, ``passengers`` needs passengers, ``both`` both;
    a list the message type does not announce is refused rather than silently routed."""
    wanted = {
        "crew": ("crew",),
        "passengers": ("passengers",),
        "both": ("crew", "passengers"),
    }.get(str(ctx.document.get("message_type")))
    if wanted is None:
        return []
    out = []
    for name in _PERSON_LISTS:
        block = ctx.definition.block(name)
        rows = ctx.document.get(name)
        given = isinstance(rows, list) and bool(rows)
        if name in wanted and not given:
            out.append(
                finding(
                    pointer(name), "required",
                    f"{block.label_en}: at least 1 required for message type "
                    f"{ctx.document['message_type']}",
                    f"{block.label_zh}：报文类型 {ctx.document['message_type']} 至少需要 1 项",
                )
            )  # fmt: skip
        if name not in wanted and rows is not None:
            out.append(
                finding(
                    pointer(name), "not_allowed",
                    f"{block.label_en}: not part of message type {ctx.document['message_type']}",
                    f"{block.label_zh}：不属于报文类型 {ctx.document['message_type']}",
                )
            )  # fmt: skip
    return out


# --- means of transport ----------------------------------------------------------------


def sea_means_is_imo(ctx: Context) -> list[Finding]:
    """A sea call or manifest names its vessel by IMO number (``UN``/``IMO`` prefix
    accepted: the manifest XML writes ``UN`` + IMO)."""
    name = _JOURNEY[ctx.definition.type]
    journey = _object(ctx, name)
    if journey.get("mode") not in ("2", "sea"):
        return []
    means = journey.get("means_id")
    if not isinstance(means, str) or not means:
        return []
    f = ctx.definition.block(name).field("means_id")
    return [
        field_finding(pointer(name, "means_id"), code, f, en, zh)
        for code, en, zh in imo_problems(means)
    ]


def vehicle_has_plate(ctx: Context) -> list[Finding]:
    vehicle = ctx.document.get("vehicle")
    if not isinstance(vehicle, dict):
        return []
    if any(is_present(vehicle.get(k)) for k in ("plate_cn", "plate_hk", "plate_mo")):
        return []
    return [
        field_finding(
            "/vehicle/plate_cn", "plate_required", _field(ctx, "vehicle", "plate_cn"),
            "at least one of plate_cn, plate_hk, plate_mo is required",
            "内地、香港、澳门车牌至少填写一项",
        )
    ]  # fmt: skip


_CONTAINER_LIST = re.compile(r"[A-Z]{4}\d{7}( [A-Z]{4}\d{7})*", re.ASCII)


def vehicle_containers_valid(ctx: Context) -> list[Finding]:
    """Each number in the space-separated ``containers`` is a valid ISO 6346 number, once."""
    text = _object(ctx, "vehicle").get("containers")
    if not isinstance(text, str) or not text:
        return []
    f = _field(ctx, "vehicle", "containers")
    out, seen = [], set()
    if not _CONTAINER_LIST.fullmatch(text):
        return []  # the field's pattern reports it
    for number in text.split():
        for code, en, zh in check_container(number, ctx):
            out.append(
                field_finding("/vehicle/containers", code, f, f"{number}: {en}", f"{number}：{zh}")
            )
        if number in seen:
            out.append(
                field_finding(
                    "/vehicle/containers", "duplicate_container", f,
                    f"{number} is listed twice", f"{number} 重复",
                )
            )  # fmt: skip
        seen.add(number)
    return out


# --- dangerous goods -------------------------------------------------------------------

_PACKING_GROUP_CLASSES = frozenset({"3", "4.1", "4.2", "4.3", "5.1", "6.1", "8", "9"})
_NO_PACKING_GROUP_CLASSES = frozenset(
    {"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "5.2", "6.2", "7"}
)
# Entries of the classes above that have no packing group in the Dangerous Goods List
# (IMDG Code 3.2, column 5 "—"): articles, batteries, vehicles, fuel cells, self-reactive
# substances. Not exhaustive; when the operator loads a ``un_number`` table whose entries
# carry ``packing_groups``, that table decides instead.
_NO_PACKING_GROUP_ENTRIES = frozenset(
    {
        "2990", "3072", "3090", "3091", "3166", "3171", "3245", "3268", "3292", "3363",
        "3473", "3476", "3477", "3478", "3479", "3480", "3481", "3496", "3499", "3508",
        "3509", "3530", "3536", "3548", "3551", "3552", "3556", "3557", "3558",
        *(str(n) for n in range(3221, 3241)),
    }
)  # fmt: skip


def _packing_group_optional(ctx: Context, un_number: Any) -> bool:
    if not isinstance(un_number, str):
        return False
    has_table = getattr(ctx.codes, "has_table", None)
    if callable(has_table) and has_table("un_number"):
        entry = ctx.codes.get("un_number", un_number, on=ctx.today)
        groups = entry.attrs.get("packing_groups") if entry is not None else None
        if isinstance(groups, str):
            return not groups.strip() or groups.strip() in ("-", "—")
    return un_number in _NO_PACKING_GROUP_ENTRIES


def _dg_row_findings(ctx: Context, block: BlockDef, at: str, row: dict[str, Any]) -> list[Finding]:
    out = []
    klass, group = _text(row.get("imdg_class")), row.get("packing_group")
    if (
        klass in _PACKING_GROUP_CLASSES
        and not is_present(group)
        and not _packing_group_optional(ctx, row.get("un_number"))
    ):
        out.append(
            field_finding(
                at + "/packing_group", "packing_group_required", block.field("packing_group"),
                f"is required for class {klass}", f"第 {klass} 类必须填写",
            )
        )  # fmt: skip
    if klass in _NO_PACKING_GROUP_CLASSES and is_present(group):
        out.append(
            field_finding(
                at + "/packing_group", "packing_group_not_applicable",
                block.field("packing_group"), f"class {klass} has no packing groups",
                f"第 {klass} 类不适用包装类别",
            )
        )  # fmt: skip
    if klass == "3" and not is_present(row.get("flash_point_c")):
        out.append(
            field_finding(
                at + "/flash_point_c", "flash_point_required", block.field("flash_point_c"),
                "is required for class 3 (flammable liquids)", "第 3 类(易燃液体)必须填写",
            )
        )  # fmt: skip
    if klass is not None and row.get("subsidiary_risk") == klass:
        out.append(
            field_finding(
                at + "/subsidiary_risk", "subsidiary_same_as_class",
                block.field("subsidiary_risk"), "repeats the primary class",
                "与主要危险类别相同",
            )
        )  # fmt: skip
    gross, net = as_decimal(row.get("gross_mass_kg")), as_decimal(row.get("net_mass_kg"))
    if gross is not None and net is not None and net > gross:
        out.append(
            field_finding(
                at + "/net_mass_kg", "net_exceeds_gross", block.field("net_mass_kg"),
                f"net mass {net} exceeds gross mass {gross}", f"净重 {net} 大于毛重 {gross}",
            )
        )  # fmt: skip
    return out


def dangerous_goods_consistent(ctx: Context) -> list[Finding]:
    """Packing group by class, flash point for class 3, subsidiary risk, net <= gross."""
    if not _has_block(ctx, "dangerous_goods"):
        return []
    block = ctx.definition.block("dangerous_goods")
    out = []
    for index, row in _items(ctx, "dangerous_goods"):
        out += _dg_row_findings(ctx, block, pointer("dangerous_goods", index), row)
    return out


# --- vehicle driver --------------------------------------------------------------------


def driver_agrees_with_mrz(ctx: Context) -> list[Finding]:
    """The driver's MRZ carries the driver's document number."""
    vehicle = _object(ctx, "vehicle")
    value = vehicle.get("driver_mrz")
    doc_no = vehicle.get("driver_doc_no")
    if not isinstance(value, str) or not value or not isinstance(doc_no, str) or not doc_no:
        return []
    try:
        mrz = parse_mrz(value)
    except MrzError:
        return []
    plain = "".join(c for c in doc_no.upper() if c.isascii() and c.isalnum())
    if plain == mrz.document_number:
        return []
    return [
        field_finding(
            "/vehicle/driver_doc_no", "mrz_mismatch", _field(ctx, "vehicle", "driver_doc_no"),
            f"{doc_no} does not agree with the machine readable zone ({mrz.document_number})",
            f"{doc_no} 与机读区({mrz.document_number})不一致",
        )
    ]  # fmt: skip


# --- manifest --------------------------------------------------------------------------

_ARRIVAL_REPORTS = frozenset({"MT3101", "MT3201"})


def manifest_has_content(ctx: Context) -> list[Finding]:
    """At least one consignment; an arrival report may list containers only."""
    consignments = ctx.document.get("consignments")
    if isinstance(consignments, list) and consignments:
        return []
    if not isinstance(consignments, list | None):
        return []  # not an array: reported by the structural rules
    if _text(ctx.document.get("message_type")) in _ARRIVAL_REPORTS:
        containers = ctx.document.get("containers")
        if isinstance(containers, list) and containers:
            return []
        return [
            finding(
                "/consignments", "required",
                "An arrival report lists at least one container or consignment",
                "运抵报告至少需要 1 个集装箱或提运单",
            )
        ]  # fmt: skip
    return [
        finding(
            "/consignments", "required", "Consignments (bills): at least 1 required",
            "提运单：至少需要 1 项",
        )
    ]  # fmt: skip


def _bill_key(item: dict[str, Any]) -> tuple[str | None, str | None]:
    return _text(item.get("bill_no")), _text(item.get("house_bill_no"))


def manifest_bills_consistent(ctx: Context) -> list[Finding]:
    """Consignments are unique by (bill_no, house_bill_no); containers and goods items name
    a consignment of the message; containers are not listed twice for one bill."""
    out = []
    bills: set[Any] = set()
    seen: set[tuple[Any, Any]] = set()
    consignments = ctx.definition.block("consignments")
    for index, item in _items(ctx, "consignments"):
        key = _bill_key(item)
        if isinstance(key[0], str) and key in seen:
            out.append(
                field_finding(
                    pointer("consignments", index, "bill_no"), "duplicate_bill",
                    consignments.field("bill_no"), f"{key[0]} is listed twice",
                    f"{key[0]} 重复申报",
                )
            )  # fmt: skip
        seen.add(key)
        bills.add(key[0])
    for name in ("containers", "items"):
        block = ctx.definition.block(name)
        boxes: set[tuple[Any, Any]] = set()
        for index, item in _items(ctx, name):
            bill = _text(item.get("bill_no"))
            if bill is not None and bill not in bills:
                out.append(
                    field_finding(
                        pointer(name, index, "bill_no"), "bill_not_in_message",
                        block.field("bill_no"), f"{bill} is not a consignment of this message",
                        f"{bill} 不是本报文的提运单",
                    )
                )  # fmt: skip
            if name == "containers":
                box = (bill, _text(item.get("container_no")))
                if isinstance(box[1], str) and box in boxes:
                    out.append(
                        field_finding(
                            pointer(name, index, "container_no"), "duplicate_container",
                            block.field("container_no"), f"{box[1]} is listed twice for {bill}",
                            f"{box[1]} 在 {bill} 下重复申报",
                        )
                    )  # fmt: skip
                boxes.add(box)
    return out


def manifest_packages_add_up(ctx: Context) -> list[Finding]:
    """A consignment's packages equal the sum of its goods items' packages, when items are
    given for it and every one of them states its packages."""
    sums: dict[Any, Decimal] = defaultdict(Decimal)
    complete: dict[Any, bool] = defaultdict(lambda: True)
    for _, item in _items(ctx, "items"):
        packages = as_integer(item.get("packages"))
        bill = _text(item.get("bill_no"))
        if packages is None:
            complete[bill] = False
        else:
            sums[bill] += packages
    f = _field(ctx, "consignments", "packages")
    out = []
    for index, item in _items(ctx, "consignments"):
        bill, packages = _text(item.get("bill_no")), as_integer(item.get("packages"))
        if packages is None or bill not in sums or not complete[bill] or sums[bill] == packages:
            continue
        out.append(
            field_finding(
                pointer("consignments", index, "packages"), "packages_mismatch", f,
                f"is {packages} but its goods items add up to {sums[bill]}",
                f"为 {packages}，但货物明细合计 {sums[bill]}",
            )
        )  # fmt: skip
    return out


_COMMON: tuple[Rule, ...] = (sequence_numbers,)
_CALL_RULES: tuple[Rule, ...] = (
    times_in_order,
    actual_times_not_in_future,
    counts_match_lists,
    persons_agree_with_mrz,
    dangerous_goods_consistent,
)

RULES: dict[str, tuple[Rule, ...]] = {
    "ship_report": (
        *_COMMON, *_CALL_RULES, crew_effects_name_crew, movements_for_movement_report,
    ),
    "aircraft_report": (*_COMMON, *_CALL_RULES),
    "vehicle_report": (
        *_COMMON, actual_times_not_in_future, vehicle_has_plate, vehicle_containers_valid,
        driver_agrees_with_mrz,
    ),
    "train_report": (*_COMMON, *_CALL_RULES),
    "manifest": (
        *_COMMON, sea_means_is_imo, manifest_has_content, manifest_bills_consistent,
        manifest_packages_add_up,
    ),
    "person_list": (
        *_COMMON, sea_means_is_imo, counts_match_lists, persons_agree_with_mrz,
        person_lists_match_message,
    ),
    "dangerous_goods": (*_COMMON, sea_means_is_imo, dangerous_goods_consistent),
}  # fmt: skip


def normalise_means(doc_type: str, document: dict[str, Any]) -> dict[str, Any]:
    """Canonical form of a sea vessel id: the 7 IMO digits (``UN9074729`` -> ``9074729``).

    Only a well-formed IMO number with a valid check digit is rewritten; anything else is
    left for validation to report. Returns a new dict when something changed.
    """
    name = _JOURNEY.get(doc_type)
    if name not in ("head", "call"):
        return document
    journey = document.get(name)
    if not isinstance(journey, dict) or journey.get("mode") not in ("2", "sea"):
        return document
    means = journey.get("means_id")
    number = imo_number(means) if isinstance(means, str) else None
    if number is None or number == means or imo_problems(number):
        return document
    return {**document, name: {**journey, "means_id": number}}
