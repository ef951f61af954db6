"""CUSCAR -> manifest (layout in the package docstring)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from singlewindow.standards.edifact.cuscar.layout import FROM_REC19, SPEC
from singlewindow.standards.edifact.envelope import Message
from singlewindow.standards.edifact.mapping import (
    Reader,
    alpha3,
    edi_integer,
    edi_moment,
    edi_number,
    edi_party_id,
    joined,
    put,
)
from singlewindow.standards.edifact.syntax import Segment, value
from singlewindow.standards.rules.values import as_decimal, as_integer, decimal_text

_HEAD = {"DTM", "LOC", "TDT", "NAD", "CTA", "FTX"}
_CONSIGNMENT = {"RFF", "LOC", "PAC", "MEA", "MOA", "CPI", "NAD", "DGS", "FTX"}
_ITEM = {"FTX", "PIA", "MEA", "SGP", "DGS"}
_EQUIPMENT = {"RFF", "SEL"}


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
