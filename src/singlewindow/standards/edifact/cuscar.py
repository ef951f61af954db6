"""CUSCAR (customs cargo report, UN/EDIFACT D.95B) <-> the ``manifest`` document.

D.95B is the directory of the China port EDI generation of messages (BAPLIE, COARRI,
CODECO) and of the WCO customs message guidelines of that time; one directory for every
message we read keeps segment layouts consistent. Layout (our implementation guide;
full table in README.md):

    UNH+1+CUSCAR:D:95B:UN'
    BGM+785:::{message_type}+{client_ref}+{function}'      function: 9 2 5 3 (1225)
    DTM+132:{arrival_date}:304'  DTM+133:{departure_date}:304'
    LOC+22+{customs_office}'  LOC+9+{loading_port}:139:6'
    LOC+11+{unloading_port}:139:6+{terminal_code}'  LOC+24+{first_arrival_port}:139:6'
    TDT+20+{journey_id}+{mode: Rec 19}++{carrier_code}+++{IMO}:146:11:{means_name}'
    NAD+AG+{agent_code}'  CTA+IC+:{representative}'  FTX+ACD+++{change_reason}'
    EQD+CN+{container_no}+{size_type}+++{fullness}'  RFF+BM:{bill_no}'  SEL+{seal}'
    CNI+{n}'  RFF+BM:{bill_no}'  RFF+BH:{house_bill_no}'  LOC+9/11/7'
      PAC+{packages}++{package_type}'  MEA+AAE+G+KGM:{gross}'  MEA+AAE+AAW+MTQ:{volume}'
      MOA+44:{value}:{currency}'  CPI++{freight_payment}'
      NAD+CZ+{id}:{id type}++{name}+++++{country α2}'  NAD+CN+…+{address}+…'  NAD+N1+++{name}'
      DGS+IMD++{un}'  FTX+ACD+++{change_reason}'
      GID+{seq}+{packages}:{package_type}'  FTX+AAA+++{description}'  PIA+5+{hs}:HS'
        MEA+AAE+G+KGM:{gross}'  SGP+{container_no}'  DGS+IMD++{un_number}'
    CNT+11:{total packages}'  CNT+7:{total gross}:KGM'
    UNT+n+1'

Mode of transport: China TrafMode 2/3/4/5 <-> UN Rec 19 1/2/3/4. Countries: ISO alpha-3
in JSON, alpha-2 in EDIFACT. Items and containers are read back grouped by consignment.
Containers may also be read from EQD groups inside a consignment (then they belong to it).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from singlewindow.standards.edifact.envelope import Message
from singlewindow.standards.edifact.mapping import (
    Reader,
    Source,
    alpha2,
    alpha3,
    chunks,
    edi_integer,
    edi_moment,
    edi_number,
    edi_party_id,
    joined,
    location,
    party_id,
    pointer_at,
    put,
)
from singlewindow.standards.edifact.spec import MessageSpec, codes
from singlewindow.standards.edifact.syntax import Segment, build, value
from singlewindow.standards.edifact.writer import write_interchange
from singlewindow.standards.rules.values import as_decimal, as_integer, decimal_text

MESSAGE = "CUSCAR:D:95B:UN"
TO_REC19 = {"2": "1", "3": "2", "4": "3", "5": "4"}
FROM_REC19 = {rec: china for china, rec in TO_REC19.items()}

SPEC = MessageSpec(
    message_type="CUSCAR",
    versions=frozenset({"D:95B:UN"}),
    segments={
        "BGM": (codes("785", "85"),),
        "DTM": (codes("132", "133", "178", "186", "137"),),
        "LOC": (codes("5", "7", "8", "9", "11", "13", "22", "24", "76", "88"),),
        "TDT": (codes("20"),),
        "NAD": (codes("AG", "CA", "MS", "CZ", "CN", "N1"),),
        "CTA": (codes("IC"),),
        "FTX": (codes("ACD", "AAA", "AAI"),),
        "EQD": (codes("CN"),),
        "SEL": (),
        "CNI": (),
        "RFF": (codes("BM", "BH"),),
        "PAC": (),
        "MEA": (codes("AAE", "WT"), codes("G", "AAW", element=2)),
        "MOA": (codes("44"),),
        "CPI": (),
        "DGS": (codes("IMD"),),
        "GID": (),
        "PIA": (codes("5", "1"),),
        "SGP": (),
        "CNT": (codes("7", "11"),),
    },
    mandatory=("BGM", "TDT", "CNI"),
    title_en="Customs cargo report",
    title_zh="海关货物报告(舱单)",
)

_HEAD = {"DTM", "LOC", "TDT", "NAD", "CTA", "FTX"}
_CONSIGNMENT = {"RFF", "LOC", "PAC", "MEA", "MOA", "CPI", "NAD", "DGS", "FTX"}
_ITEM = {"FTX", "PIA", "MEA", "SGP", "DGS"}
_EQUIPMENT = {"RFF", "SEL"}


# -- manifest -> CUSCAR -----------------------------------------------------------------


def manifest_to_cuscar(
    doc: dict[str, Any],
    *,
    sender: str,
    recipient: str,
    reference: str,
    prepared_at: datetime | None = None,
) -> str:
    """A complete interchange with one CUSCAR for the manifest ``doc``.

    ``ValidationFailed`` (422) naming the JSON field when a value cannot be written."""
    return write_interchange(
        [manifest_segments(doc)],
        message=MESSAGE,
        sender=sender,
        recipient=recipient,
        reference=reference,
        prepared_at=prepared_at,
    )


def manifest_segments(doc: dict[str, Any]) -> list[Segment]:
    """The CUSCAR body (BGM … CNT) for a manifest."""
    src = Source()
    root = src.object(doc, "", required=True)
    head = src.object(root.get("head"), "/head", required=True)
    consignments = src.rows(root.get("consignments"), "/consignments")
    containers = src.rows(root.get("containers"), "/containers")
    items = src.rows(root.get("items"), "/items")
    out = _head(src, root, head)
    for path, container in containers:
        out += _container(src, path, container)
    bills = [src.text(c, "bill_no", path) for path, c in consignments]
    by_bill: dict[str, list[tuple[str, dict[str, Any]]]] = {b: [] for b in bills if b}
    for path, item in items:
        bill = src.text(item, "bill_no", path)
        if bill is None or bill not in by_bill:
            src.problem(
                pointer_at(path, "bill_no"),
                "unknown_bill",
                "Items are written "
                "inside their consignment: bill_no must name a consignment of the "
                "message",
                "货物明细写在所属提运单下：bill_no 必须是本报文中的提运单",
            )
            continue
        by_bill[bill].append((path, item))
    for number, (path, consignment) in enumerate(consignments, 1):
        bill = bills[number - 1]
        rows = by_bill.pop(bill, []) if bill else []
        out += _consignment(src, number, path, consignment, rows)
    out += _totals(src, consignments)
    src.check()
    return out


def _head(src: Source, root: dict[str, Any], head: dict[str, Any]) -> list[Segment]:
    t = src.text
    out = [
        build(
            "BGM",
            ["785", "", "", t(root, "message_type", "") or ""],
            t(root, "client_ref", ""),
            t(head, "function", "/head"),
        )
    ]
    for key, qualifier in (("arrival_date", "132"), ("departure_date", "133")):
        moment = src.moment(head, key, "/head")
        if moment:
            out.append(build("DTM", [qualifier, *moment]))
    office = t(head, "customs_office", "/head")
    if office:
        out.append(build("LOC", "22", office))
    loading = t(head, "loading_port", "/head")
    if loading:
        out.append(build("LOC", "9", location(loading)))
    unloading, terminal = t(head, "unloading_port", "/head"), t(head, "terminal_code", "/head")
    if unloading or terminal:
        out.append(build("LOC", "11", location(unloading) if unloading else None, terminal))
    first = t(head, "first_arrival_port", "/head")
    if first:
        out.append(build("LOC", "24", location(first)))
    mode = t(head, "mode", "/head")
    rec19 = TO_REC19.get(mode or "", "")
    if mode and not rec19:
        src.problem(
            "/head/mode",
            "not_representable",
            "Only modes 2 (sea), 3 (rail), 4 (road) and 5 (air) have a UN Rec 19 code",
            "只有运输方式 2、3、4、5 可转换为 UN Rec 19 代码",
        )
    means_id, name = t(head, "means_id", "/head"), t(head, "means_name", "/head")
    if mode == "2" and means_id:
        means = [means_id, "146", "11", name or ""]
    else:
        means = [means_id or "", "", "", name or ""]
    out.append(
        build(
            "TDT",
            "20",
            t(head, "journey_id", "/head"),
            rec19,
            None,
            t(head, "carrier_code", "/head"),
            None,
            None,
            means,
        )
    )
    agent, representative = t(head, "agent_code", "/head"), t(head, "representative", "/head")
    if agent or representative:
        out.append(build("NAD", "AG", agent))
        if representative:
            out.append(build("CTA", "IC", ["", representative]))
    reason = t(head, "change_reason", "/head")
    if reason:
        out.append(build("FTX", "ACD", None, None, chunks(reason, 70)))
    return out


def _container(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    number = src.text(row, "container_no", path)
    if not number:
        src.problem(
            pointer_at(path, "container_no"),
            "required",
            "A container needs its number",
            "集装箱号必填",
        )
        return []
    out = [
        build(
            "EQD",
            "CN",
            number,
            src.text(row, "size_type", path),
            None,
            None,
            src.text(row, "fullness", path),
        )
    ]
    bill = src.text(row, "bill_no", path)
    if bill:
        out.append(build("RFF", ["BM", bill]))
    out += [build("SEL", seal) for seal in (src.text(row, "seals", path) or "").split()]
    return out


def _consignment(
    src: Source,
    number: int,
    path: str,
    row: dict[str, Any],
    items: list[tuple[str, dict[str, Any]]],
) -> list[Segment]:
    t = src.text
    out = [build("CNI", str(number))]
    for key, qualifier in (("bill_no", "BM"), ("house_bill_no", "BH")):
        ref = t(row, key, path)
        if ref:
            out.append(build("RFF", [qualifier, ref]))
    for key, qualifier in (("loading_port", "9"), ("unloading_port", "11")):
        port = t(row, key, path)
        if port:
            out.append(build("LOC", qualifier, location(port)))
    place = t(row, "delivery_place", path)
    if place:
        out.append(build("LOC", "7", location(place) if len(place) == 5 else ["", "", "", place]))
    packages, kind = src.integer(row, "packages", path), t(row, "package_type", path)
    if packages or kind:
        out.append(build("PAC", packages, None, kind))
    gross, volume = src.number(row, "gross_weight_kg", path), src.number(row, "volume_m3", path)
    if gross:
        out.append(build("MEA", "AAE", "G", ["KGM", gross]))
    if volume:
        out.append(build("MEA", "AAE", "AAW", ["MTQ", volume]))
    amount, currency = src.number(row, "value", path), t(row, "currency", path)
    if amount or currency:
        out.append(build("MOA", ["44", amount or "", currency or ""]))
    payment = t(row, "freight_payment", path)
    if payment:
        out.append(build("CPI", None, payment))
    out += _parties(src, path, row)
    out += [build("DGS", "IMD", None, un) for un in (t(row, "un_numbers", path) or "").split()]
    reason = t(row, "change_reason", path)
    if reason:
        out.append(build("FTX", "ACD", None, None, chunks(reason, 70)))
    for item_path, item in items:
        out += _item(src, item_path, item)
    return out


def _parties(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    t = src.text
    out = []
    for role, qualifier in (("consignor", "CZ"), ("consignee", "CN")):
        ident, name = t(row, f"{role}_id", path), t(row, f"{role}_name", path)
        country = t(row, f"{role}_country", path)
        address = t(row, "consignee_address", path) if role == "consignee" else None
        if ident or name or country or address:
            out.append(
                build(
                    "NAD",
                    qualifier,
                    party_id(ident) if ident else None,
                    None,
                    chunks(name, 35) if name else None,
                    chunks(address, 35, 4) if address else None,
                    None,
                    None,
                    None,
                    alpha2(country) if country else None,
                )
            )
    notify = t(row, "notify_name", path)
    if notify:
        out.append(build("NAD", "N1", None, None, chunks(notify, 35)))
    return out


def _item(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    t = src.text
    seq = src.integer(row, "seq", path)
    if seq is None:
        src.problem(
            pointer_at(path, "seq"),
            "required",
            "A goods item needs its seq (GID 1496)",
            "货物明细需要序号(GID 1496)",
        )
        return []
    out = [
        build(
            "GID",
            seq,
            [src.integer(row, "packages", path) or "", t(row, "package_type", path) or ""],
        )
    ]
    description = t(row, "description", path)
    if description:
        out.append(build("FTX", "AAA", None, None, chunks(description, 70)))
    hs = t(row, "hs_code", path)
    if hs:
        out.append(build("PIA", "5", [hs, "HS"]))
    gross = src.number(row, "gross_weight_kg", path)
    if gross:
        out.append(build("MEA", "AAE", "G", ["KGM", gross]))
    container = t(row, "container_no", path)
    if container:
        out.append(build("SGP", container))
    un = t(row, "un_number", path)
    if un:
        out.append(build("DGS", "IMD", None, un))
    return out


def _totals(src: Source, consignments: list[tuple[str, dict[str, Any]]]) -> list[Segment]:
    if not consignments:
        return []
    out = []
    packages = [as_integer(row.get("packages")) for _, row in consignments]
    if all(p is not None for p in packages):
        out.append(build("CNT", ["11", str(sum(p for p in packages if p is not None))]))
    weights = [as_decimal(row.get("gross_weight_kg")) for _, row in consignments]
    if all(w is not None for w in weights):
        total = sum((w for w in weights if w is not None), Decimal(0))
        out.append(build("CNT", ["7", decimal_text(total), "KGM"]))
    return out


# -- CUSCAR -> manifest -----------------------------------------------------------------


def cuscar_to_manifest(message: Message) -> dict[str, Any]:
    """The manifest in a CUSCAR message. ``EdifactError`` (422) with every finding when the
    message does not follow the layout (unknown qualifiers, misplaced segments …)."""
    reader = Reader(message, SPEC)
    state = _State(reader)
    for position, segment in reader.body():
        state.segment(position, segment)
    state.totals_check()
    reader.done()
    return state.document()


class _State:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.root: dict[str, Any] = {}
        self.head: dict[str, Any] = {}
        self.consignments: list[dict[str, Any]] = []
        self.items: list[list[dict[str, Any]]] = []  # per consignment
        self.containers: list[dict[str, Any]] = []
        self.owned: list[list[dict[str, Any]]] = []  # containers inside each consignment
        self.subject = "head"
        self.current: dict[str, Any] = self.head
        self.totals: dict[str, tuple[int, str]] = {}

    def set(
        self, target: dict[str, Any], key: str, item: Any, position: int, segment: Segment
    ) -> None:
        if item is None or item == "":
            return
        if key in target:
            self.reader.duplicate(position, segment)
            return
        target[key] = item

    def segment(self, position: int, segment: Segment) -> None:
        tag = segment.tag
        if tag == "BGM":
            if position != 2:
                self.reader.misplaced(position, segment, "after the message header", "报文头之后")
            put(self.root, "client_ref", value(segment, 2))
            put(self.root, "message_type", value(segment, 1, 4))
            put(self.head, "function", value(segment, 3))
        elif tag == "CNI":
            self.subject, self.current = "consignment", {}
            self.consignments.append(self.current)
            self.items.append([])
            self.owned.append([])
        elif tag == "GID":
            self._item(position, segment)
        elif tag == "EQD":
            self._equipment(position, segment)
        elif tag == "CNT":
            self.subject = "totals"
            self.totals[value(segment, 1, 1)] = (position, value(segment, 1, 2))
        elif tag in {
            "head": _HEAD,
            "consignment": _CONSIGNMENT,
            "item": _ITEM,
            "equipment": _EQUIPMENT,
        }.get(self.subject, set()):
            getattr(self, f"_{self.subject}_{tag.lower()}")(position, segment)
        else:
            where = {
                "head": ("in the message header", "报文头部"),
                "consignment": ("in a consignment (CNI group)", "提运单(CNI 组)中"),
                "item": ("in a goods item (GID group)", "货物明细(GID 组)中"),
                "equipment": ("in an equipment group (EQD)", "集装箱(EQD 组)中"),
                "totals": ("after the control totals (CNT)", "控制总数(CNT)之后"),
            }
            en, zh = where[self.subject]
            self.reader.misplaced(position, segment, en, zh)

    # head -----------------------------------------------------------------------------

    def _head_dtm(self, position: int, segment: Segment) -> None:
        key = {
            "132": "arrival_date",
            "178": "arrival_date",
            "133": "departure_date",
            "186": "departure_date",
        }.get(value(segment, 1, 1))
        if key:
            moment = edi_moment(value(segment, 1, 2), value(segment, 1, 3))
            self.set(self.head, key, moment, position, segment)

    def _head_loc(self, position: int, segment: Segment) -> None:
        key = {
            "22": "customs_office",
            "9": "loading_port",
            "11": "unloading_port",
            "24": "first_arrival_port",
        }.get(value(segment, 1))
        if key:
            self.set(self.head, key, value(segment, 2, 1), position, segment)
        if key == "unloading_port":
            self.set(self.head, "terminal_code", value(segment, 3, 1), position, segment)

    def _head_tdt(self, position: int, segment: Segment) -> None:
        if "journey_id" in self.head or "mode" in self.head or "means_id" in self.head:
            self.reader.duplicate(position, segment)
            return
        put(self.head, "journey_id", value(segment, 2))
        mode = value(segment, 3, 1)
        if mode and mode not in FROM_REC19:
            self.reader.problem(
                position,
                "unsupported_transport_mode",
                f"Mode of transport "
                f"{mode[:3]!r} (UN Rec 19) has no China customs code; use 1 "
                "sea, 2 rail, 3 road or 4 air",
                f"运输方式 {mode[:3]!r} 无对应的海关代码",
                3,
                1,
            )
        put(self.head, "mode", FROM_REC19.get(mode))
        put(self.head, "carrier_code", value(segment, 5, 1))
        means = value(segment, 8, 1)
        if mode == "1" or value(segment, 8, 2) == "146":
            for prefix in ("IMO", "UN"):  # the XML writes UN+IMO; we keep the 7 digits
                rest = means.removeprefix(prefix)
                if rest != means and rest.isdigit() and len(rest) == 7:
                    means = rest
        put(self.head, "means_id", means)
        put(self.head, "means_name", value(segment, 8, 4))

    def _head_nad(self, position: int, segment: Segment) -> None:
        if value(segment, 1) == "AG":
            self.set(self.head, "agent_code", value(segment, 2, 1) or None, position, segment)
        elif value(segment, 1) not in ("CA", "MS"):
            self.reader.misplaced(
                position,
                segment,
                "in the message header (consignor, "
                "consignee and notify party belong to a consignment)",
                "报文头部(收发货人、通知人应在提运单中)",
            )

    def _head_cta(self, position: int, segment: Segment) -> None:
        self.set(self.head, "representative", value(segment, 2, 2), position, segment)

    def _head_ftx(self, position: int, segment: Segment) -> None:
        if value(segment, 1) == "ACD":
            self.set(self.head, "change_reason", joined(segment, 4), position, segment)

    # equipment ------------------------------------------------------------------------

    def _equipment(self, position: int, segment: Segment) -> None:
        if self.subject == "totals":
            self.reader.misplaced(
                position, segment, "after the control totals (CNT)", "控制总数(CNT)之后"
            )
            return
        container: dict[str, Any] = {}
        put(container, "container_no", value(segment, 2, 1))
        put(container, "size_type", value(segment, 3, 1))
        put(container, "fullness", value(segment, 6))
        if self.consignments:
            self.owned[-1].append(container)
        else:
            self.containers.append(container)
        self.subject, self.current = "equipment", container

    def _equipment_rff(self, position: int, segment: Segment) -> None:
        if value(segment, 1, 1) == "BM" and not self.consignments:
            self.set(self.current, "bill_no", value(segment, 1, 2), position, segment)
        else:
            self.reader.misplaced(
                position, segment, "in an equipment group (EQD)", "集装箱(EQD 组)中"
            )

    def _equipment_sel(self, position: int, segment: Segment) -> None:
        seal = value(segment, 1)
        if seal:
            seals = self.current.get("seals")
            self.current["seals"] = f"{seals} {seal}" if seals else seal

    # consignment ----------------------------------------------------------------------

    def _consignment_rff(self, position: int, segment: Segment) -> None:
        key = {"BM": "bill_no", "BH": "house_bill_no"}.get(value(segment, 1, 1))
        if key:
            self.set(self.current, key, value(segment, 1, 2), position, segment)

    def _consignment_loc(self, position: int, segment: Segment) -> None:
        key = {"9": "loading_port", "11": "unloading_port", "7": "delivery_place"}.get(
            value(segment, 1)
        )
        if key:
            place = value(segment, 2, 1) or value(segment, 2, 4)
            self.set(self.current, key, place, position, segment)

    def _consignment_pac(self, position: int, segment: Segment) -> None:
        self.set(self.current, "packages", edi_integer(value(segment, 1)), position, segment)
        self.set(self.current, "package_type", value(segment, 3, 1), position, segment)

    def _consignment_mea(self, position: int, segment: Segment) -> None:
        self._measure(position, segment, {"G": "gross_weight_kg", "AAW": "volume_m3"})

    def _measure(self, position: int, segment: Segment, keys: dict[str, str]) -> None:
        key = keys.get(value(segment, 2, 1))
        if key is None:
            return
        if key == "volume_m3":
            if value(segment, 3, 1) not in ("MTQ", ""):
                self.reader.problem(
                    position, "unsupported_unit", "Volumes must be in MTQ", "体积单位应为 MTQ", 3, 1
                )
            amount = edi_number(value(segment, 3, 2))
        else:
            amount = self.reader.kilograms(position, segment, 3)
        self.set(self.current, key, amount, position, segment)

    def _consignment_moa(self, position: int, segment: Segment) -> None:
        self.set(self.current, "value", edi_number(value(segment, 1, 2)), position, segment)
        self.set(self.current, "currency", value(segment, 1, 3), position, segment)

    def _consignment_cpi(self, position: int, segment: Segment) -> None:
        self.set(self.current, "freight_payment", value(segment, 2, 1), position, segment)

    def _consignment_nad(self, position: int, segment: Segment) -> None:
        role = {"CZ": "consignor", "CN": "consignee", "N1": "notify"}.get(value(segment, 1))
        if role is None:
            self.reader.misplaced(position, segment, "in a consignment", "提运单中")
            return
        if role == "notify":
            self.set(self.current, "notify_name", joined(segment, 4), position, segment)
            return
        if f"{role}_seen" in self.current:
            self.reader.duplicate(position, segment)
            return
        self.current[f"{role}_seen"] = True
        put(self.current, f"{role}_id", edi_party_id(segment, 2))
        put(self.current, f"{role}_name", joined(segment, 4))
        country = value(segment, 9)
        put(self.current, f"{role}_country", alpha3(country) if country else None)
        if role == "consignee":
            put(self.current, "consignee_address", joined(segment, 5))

    def _consignment_dgs(self, position: int, segment: Segment) -> None:
        un = value(segment, 3, 1)
        if un:
            numbers = self.current.get("un_numbers")
            self.current["un_numbers"] = f"{numbers} {un}" if numbers else un

    def _consignment_ftx(self, position: int, segment: Segment) -> None:
        if value(segment, 1) == "ACD":
            self.set(self.current, "change_reason", joined(segment, 4), position, segment)

    # items ----------------------------------------------------------------------------

    def _item(self, position: int, segment: Segment) -> None:
        if not self.consignments or self.subject == "totals":
            self.reader.misplaced(
                position, segment, "outside a consignment (CNI group)", "提运单(CNI 组)之外"
            )
            return
        item: dict[str, Any] = {}
        put(item, "seq", edi_integer(value(segment, 1)))
        put(item, "packages", edi_integer(value(segment, 2, 1)))
        put(item, "package_type", value(segment, 2, 2))
        self.items[-1].append(item)
        self.subject, self.current = "item", item

    def _item_ftx(self, position: int, segment: Segment) -> None:
        if value(segment, 1) == "AAA":
            self.set(self.current, "description", joined(segment, 4), position, segment)

    def _item_pia(self, position: int, segment: Segment) -> None:
        self.set(self.current, "hs_code", value(segment, 2, 1), position, segment)

    def _item_mea(self, position: int, segment: Segment) -> None:
        self._measure(position, segment, {"G": "gross_weight_kg"})

    def _item_sgp(self, position: int, segment: Segment) -> None:
        self.set(self.current, "container_no", value(segment, 1, 1), position, segment)

    def _item_dgs(self, position: int, segment: Segment) -> None:
        self.set(self.current, "un_number", value(segment, 3, 1), position, segment)

    # result ---------------------------------------------------------------------------

    def totals_check(self) -> None:
        for qualifier, key, convert in (
            ("11", "packages", as_integer),
            ("7", "gross_weight_kg", as_decimal),
        ):
            if qualifier not in self.totals:
                continue
            position, declared = self.totals[qualifier]
            parts = [convert(c.get(key)) for c in self.consignments]
            total = convert(declared.replace(",", "."))
            if total is None or any(p is None for p in parts):
                continue
            actual = sum((Decimal(p) for p in parts if p is not None), Decimal(0))
            if Decimal(total) != actual:
                self.reader.problem(
                    position,
                    "control_total_mismatch",
                    f"CNT {qualifier} "
                    f"declares {declared}; the consignments add up to "
                    f"{decimal_text(Decimal(actual))}",
                    f"CNT {qualifier} 申报为 "
                    f"{declared}，各提运单合计为 {decimal_text(Decimal(actual))}",
                    1,
                    2,
                )

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {**self.root, "head": self.head}
        consignments, items, containers = [], [], list(self.containers)
        for consignment, rows, owned in zip(self.consignments, self.items, self.owned, strict=True):
            consignment.pop("consignor_seen", None)
            consignment.pop("consignee_seen", None)
            consignments.append(consignment)
            bill = consignment.get("bill_no")
            for row in (*rows, *owned):
                if bill:
                    row["bill_no"] = bill
            items += rows
            containers += owned
        doc["consignments"] = consignments
        if containers:
            doc["containers"] = containers
        if items:
            doc["items"] = items
        return doc


__all__ = ["MESSAGE", "SPEC", "cuscar_to_manifest", "manifest_segments", "manifest_to_cuscar"]
