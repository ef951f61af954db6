"""BAPLIE (bayplan, UN/EDIFACT D.95B, SMDG 2.x user guide) <-> a container list.

Canonical container list::

    {"ref", "prepared_at", "voyage", "port", "next_port",
     "vessel": {"imo", "call_sign", "name_en", "carrier_code"},
     "containers": [{"container_no", "size_type", "position", "loading_port",
                     "discharge_port", "gross_weight_kg", "fullness", "un_number",
                     "imdg_class", "temperature_c", "operator",
                     "dangerous_goods": [{"un_number", "imdg_class"}]  # only when 2 or more
                     }]}

Layout::

    UNH+1+BAPLIE:D:95B:UN:SMDG21'  BGM++{ref}+9'  DTM+137:{prepared_at}:304'
    TDT+20+{voyage}+++{carrier_code}:172:20+++{imo}:146:11:{name_en}'   (or {call_sign}:103::)
    LOC+5+{port}:139:6'  LOC+61+{next_port}:139:6'
    per container: LOC+147+{position}::5'  MEA+WT++KGM:{gross}'  TMP+2+{temp}:CEL'
      LOC+9+{loading}:139:6'  LOC+11+{discharge}:139:6'
      EQD+CN+{container_no}+{size_type}+++{fullness}'  NAD+CA+{operator}:172:20'
      DGS+IMD+{imdg_class}+{un_number}'

The vessel is identified by IMO number (code list 146, agency 11) when given, else by call
sign (code list 103): a list with both keeps the IMO only. ``position`` is the ISO 9711
stowage cell (bay-row-tier, e.g. ``0340682``); every container needs one (it opens the
container's segment group). SMDG 2.2 ``MEA+VGM`` is read as the gross weight.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from singlewindow.standards.edifact.envelope import Message
from singlewindow.standards.edifact.mapping import (
    Reader,
    Source,
    edi_moment,
    edi_number,
    location,
    pointer_at,
    put,
)
from singlewindow.standards.edifact.spec import MessageSpec, codes
from singlewindow.standards.edifact.syntax import Segment, build, value
from singlewindow.standards.edifact.writer import write_interchange

MESSAGE = "BAPLIE:D:95B:UN:SMDG21"

SPEC = MessageSpec(
    message_type="BAPLIE",
    versions=frozenset({"D:95B:UN"}),
    segments={
        "BGM": (),
        "DTM": (codes("137", "178", "132", "133", "136"),),
        "RFF": (codes("VON", "BM", "ET", "BN"),),
        "NAD": (codes("CA"),),
        "TDT": (codes("20"),),
        "LOC": (codes("5", "61", "147", "9", "11", "83", "76", "6"),),
        "GID": (),
        "GDS": (),
        "FTX": (codes("AAA", "AAI", "AAD", "HAN", "CLR", "SIN", "ZZZ"),),
        "MEA": (codes("WT", "VGM", "AAE"),),
        "DIM": (),
        "TMP": (codes("2"),),
        "RNG": (),
        "EQD": (codes("CN"),),
        "EQA": (),
        "DGS": (codes("IMD"),),
        "CNT": (),
    },
    mandatory=("BGM", "TDT"),
    title_en="Bayplan/stowage plan occupied and empty locations",
    title_zh="船图(积载图)",
)


# -- container list -> BAPLIE -----------------------------------------------------------


def container_list_to_baplie(
    doc: dict[str, Any],
    *,
    sender: str,
    recipient: str,
    reference: str,
    prepared_at: datetime | None = None,
) -> str:
    """A complete interchange with one BAPLIE for the container list ``doc``."""
    return write_interchange(
        [container_list_segments(doc)],
        message=MESSAGE,
        sender=sender,
        recipient=recipient,
        reference=reference,
        prepared_at=prepared_at,
    )


def container_list_segments(doc: dict[str, Any]) -> list[Segment]:
    src = Source()
    root = src.object(doc, "", required=True)
    vessel = src.object(root.get("vessel"), "/vessel")
    t = src.text
    out = [build("BGM", None, t(root, "ref", ""), "9")]
    prepared = src.moment(root, "prepared_at", "")
    if prepared:
        out.append(build("DTM", ["137", *prepared]))
    imo, call_sign = t(vessel, "imo", "/vessel"), t(vessel, "call_sign", "/vessel")
    name = t(vessel, "name_en", "/vessel") or ""
    if imo:
        means = [imo, "146", "11", name]
    else:
        means = [call_sign or "", "103" if call_sign else "", "", name]
    carrier = t(vessel, "carrier_code", "/vessel")
    out.append(
        build(
            "TDT",
            "20",
            t(root, "voyage", ""),
            None,
            None,
            [carrier, "172", "20"] if carrier else None,
            None,
            None,
            means,
        )
    )
    for key, qualifier in (("port", "5"), ("next_port", "61")):
        port = t(root, key, "")
        if port:
            out.append(build("LOC", qualifier, location(port)))
    for path, row in src.rows(root.get("containers"), "/containers"):
        out += _container(src, path, row)
    src.check()
    return out


def _container(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    t = src.text
    position = t(row, "position", path)
    if not position:
        src.problem(
            pointer_at(path, "position"),
            "required",
            "Every container in a bayplan needs its stowage position (bay-row-tier)",
            "船图中每个集装箱都需要积载位置(贝-列-层)",
        )
        return []
    out = [build("LOC", "147", [position, "", "5"])]
    gross = src.number(row, "gross_weight_kg", path)
    if gross:
        out.append(build("MEA", "WT", None, ["KGM", gross]))
    temperature = src.number(row, "temperature_c", path)
    if temperature:
        out.append(build("TMP", "2", [temperature, "CEL"]))
    for key, qualifier in (("loading_port", "9"), ("discharge_port", "11")):
        port = t(row, key, path)
        if port:
            out.append(build("LOC", qualifier, location(port)))
    number = t(row, "container_no", path)
    if not number:
        src.problem(
            pointer_at(path, "container_no"),
            "required",
            "Every container in a bayplan needs its number (EQD)",
            "船图中每个集装箱都需要箱号(EQD)",
        )
    else:
        out.append(
            build(
                "EQD", "CN", number, t(row, "size_type", path), None, None, t(row, "fullness", path)
            )
        )
    operator = t(row, "operator", path)
    if operator:
        out.append(build("NAD", "CA", [operator, "172", "20"]))
    goods = src.rows(row.get("dangerous_goods"), pointer_at(path, "dangerous_goods"))
    if not goods:
        goods = [(path, row)]
    for goods_path, entry in goods:
        un, hazard = t(entry, "un_number", goods_path), t(entry, "imdg_class", goods_path)
        if un or hazard:
            out.append(build("DGS", "IMD", hazard, un))
    return out


# -- BAPLIE -> container list -----------------------------------------------------------


def baplie_to_container_list(message: Message) -> dict[str, Any]:
    """The container list in a BAPLIE message; ``EdifactError`` with every finding."""
    reader = Reader(message, SPEC)
    doc: dict[str, Any] = {}
    vessel: dict[str, Any] = {}
    containers: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for position, segment in reader.body():
        tag, qualifier = segment.tag, value(segment, 1, 1)
        if tag == "LOC" and qualifier == "147":
            current = {}
            put(current, "position", value(segment, 2, 1))
            containers.append(current)
        elif current is None:
            _header(reader, doc, vessel, position, segment)
        else:
            _in_container(reader, current, position, segment)
    reader.done()
    if vessel:
        doc["vessel"] = vessel
    doc["containers"] = [_dangerous(c) for c in containers]
    return doc


def _header(
    reader: Reader, doc: dict[str, Any], vessel: dict[str, Any], position: int, segment: Segment
) -> None:
    tag, qualifier = segment.tag, value(segment, 1, 1)
    if tag == "BGM":
        put(doc, "ref", value(segment, 2))
    elif tag == "DTM" and qualifier == "137":
        put(doc, "prepared_at", edi_moment(value(segment, 1, 2), value(segment, 1, 3)))
    elif tag == "TDT":
        if "voyage" in doc or vessel:
            reader.duplicate(position, segment)
            return
        put(doc, "voyage", value(segment, 2))
        put(vessel, "carrier_code", value(segment, 5, 1))
        ident, code_list = value(segment, 8, 1), value(segment, 8, 2)
        put(vessel, "imo" if code_list == "146" else "call_sign", ident)
        put(vessel, "name_en", value(segment, 8, 4))
    elif tag == "LOC" and qualifier in ("5", "61"):
        put(doc, "port" if qualifier == "5" else "next_port", value(segment, 2, 1))
    elif tag in ("DTM", "RFF", "FTX", "NAD", "CNT"):
        return  # header information the container list does not carry
    else:
        reader.misplaced(
            position,
            segment,
            "before the first stowage location (LOC+147)",
            "第一个积载位置(LOC+147)之前",
        )


def _in_container(reader: Reader, current: dict[str, Any], position: int, segment: Segment) -> None:
    tag, qualifier = segment.tag, value(segment, 1, 1)

    def once(key: str, item: Any) -> None:
        if item is None or item == "":
            return
        if key in current:
            reader.duplicate(position, segment)
        else:
            current[key] = item

    if tag == "MEA" and qualifier in ("WT", "VGM"):
        once("gross_weight_kg", reader.kilograms(position, segment, 3))
    elif tag == "TMP":
        if value(segment, 2, 2) not in ("CEL", ""):
            reader.problem(
                position,
                "unsupported_unit",
                "Temperatures must be in CEL",
                "温度单位应为 CEL",
                2,
                2,
            )
        once("temperature_c", edi_number(value(segment, 2, 1)))
    elif tag == "LOC" and qualifier in ("9", "11"):
        once("loading_port" if qualifier == "9" else "discharge_port", value(segment, 2, 1))
    elif tag == "EQD":
        if "container_no" in current:
            reader.duplicate(position, segment)
            return
        put(current, "container_no", value(segment, 2, 1))
        put(current, "size_type", value(segment, 3, 1))
        put(current, "fullness", value(segment, 6))
    elif tag == "NAD":
        once("operator", value(segment, 2, 1))
    elif tag == "DGS":
        entry: dict[str, Any] = {}
        put(entry, "un_number", value(segment, 3, 1))
        put(entry, "imdg_class", value(segment, 2, 1))
        current.setdefault("dangerous_goods", []).append(entry)
    elif tag in ("BGM", "TDT", "CNT") or (tag == "DTM" and qualifier == "137"):
        reader.misplaced(
            position,
            segment,
            "inside a container's group (after LOC+147)",
            "集装箱组(LOC+147 之后)中",
        )
    # other SMDG details (GID, GDS, FTX, DIM, RNG, EQA, RFF, LOC+83 …) are not mapped


def _dangerous(container: dict[str, Any]) -> dict[str, Any]:
    goods = container.get("dangerous_goods")
    if not goods:
        container.pop("dangerous_goods", None)
        return container
    for key in ("un_number", "imdg_class"):
        put(container, key, goods[0].get(key))
    if len(goods) == 1:
        del container["dangerous_goods"]
    return container


__all__ = [
    "MESSAGE",
    "SPEC",
    "baplie_to_container_list",
    "container_list_segments",
    "container_list_to_baplie",
]
