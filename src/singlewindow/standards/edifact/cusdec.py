"""CUSDEC (customs declaration, UN/EDIFACT D.95B) <-> the goods declaration.

What round-trips (JSON -> EDIFACT -> JSON gives the same canonical values):

* the whole header (``head``), ``client_ref``, and ``free_text``;
* every goods line (``lines``), container (``containers``), licence (``licences``) and
  attached document (``attachments``).

Fields with an international meaning use UN segments and qualifiers (table below);
China-specific fields travel in mutually defined form, named by their DecMessage tag:
codes as ``GIS+{value}:{Tag}:ZZZ`` and text as ``FTX+ZZZ++{Tag}+{text}``, inside the
group of the block they belong to. Not representable (the writer answers 422 when they
are not empty; the reader never returns them): ``request_certs``, ``other_packs``,
``cop_limits``, ``cop_promises``. The ``sign`` block (the DecMessage signature) is not
written: an EDIFACT interchange is signed on its own terms.

    BGM+929|830+{client_ref}+9'               929 import, 830 export (ie_flag)
    DTM+178|186:{ie_date}:102'                LOC+22 custom_master, LOC+9 desp_port_code,
                                              LOC+8 distinate_port, LOC+24 enty_port_code
    RFF+BM:{bill_no}'  RFF+CT:{contr_no}'     TDT+20+{voy_no}+++++++:::{traf_name}'
    NAD+CN|CZ|UC|SU|AE+{customs code}++{name}+{address}'  RFF+XA:{USCC}'
        import: CN trade, CZ overseas consignor, UC owner; export: CZ trade,
        CN overseas consignee, SU owner; AE agent (declarant's representative)
    MEA+AAE+G+KGM:{gross_wet}'  MEA+AAE+N+KGM:{net_wt}'  PAC+{pack_no}++{wrap_type}'
    EQD+CN+{container_id}+{container_md}'  DOC+{docu_code}:LIC:ZZZ+{cert_code}'
    DOC+{edoc_code}:EDOC:ZZZ:{edoc_fomat_type}+{edoc_id}'
    UNS+D'
    CST+{g_no}+{code_ts}:HS'  FTX+AAA+++{g_name}'  FTX+ACB+++{g_model}'
      QTY+47:{g_qty}:{g_unit}'  PRI+INV:{decl_price}'  MOA+38:{decl_total}:{trade_curr}'
      LOC+27+{origin α2}'  LOC+28+{destination α2}'
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from singlewindow.standards.documents.goods_declaration import GOODS_DECLARATION
from singlewindow.standards.documents.model import FieldDef, FieldType
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
    joined,
    location,
    pointer_at,
    put,
)
from singlewindow.standards.edifact.spec import MessageSpec, codes
from singlewindow.standards.edifact.syntax import Segment, build, value
from singlewindow.standards.edifact.writer import write_interchange

MESSAGE = "CUSDEC:D:95B:UN"
NOT_REPRESENTABLE = ("request_certs", "other_packs", "cop_limits", "cop_promises")
MUTUAL = "ZZZ"

SPEC = MessageSpec(
    message_type="CUSDEC",
    versions=frozenset({"D:95B:UN"}),
    segments={
        "BGM": (codes("929", "830"),),
        "DTM": (codes("178", "186", "137"),),
        "LOC": (codes("22", "9", "8", "24", "27", "28"),),
        "GIS": (),
        "FTX": (codes("ZZZ", "AAA", "ACB"),),
        "RFF": (codes("BM", "CT", "XA"),),
        "TDT": (codes("20"),),
        "NAD": (codes("CN", "CZ", "UC", "SU", "AE"),),
        "MEA": (codes("AAE"), codes("G", "N", element=2)),
        "PAC": (),
        "EQD": (codes("CN"),),
        "DOC": (codes("LIC", "EDOC", component=2),),
        "UNS": (codes("D", "S"),),
        "CST": (),
        "QTY": (codes("47"),),
        "PRI": (codes("INV"),),
        "MOA": (codes("38"),),
    },
    mandatory=("BGM", "CST"),
    title_en="Customs declaration",
    title_zh="海关货物申报",
)

_BLOCKS = {block.name: block for block in GOODS_DECLARATION.blocks}
_PARTY_FIELDS: dict[str, tuple[str, str | None, str, str | None]] = {
    "trade": ("trade_code", "trade_co_scc", "trade_name", None),
    "owner": ("owner_code", "owner_code_scc", "owner_name", None),
    "agent": ("agent_code", "agent_code_scc", "agent_name", None),
    "overseas_consignor": (
        "overseas_consignor_code",
        None,
        "overseas_consignor_ename",
        "overseas_consignor_addr",
    ),
    "overseas_consignee": ("overseas_consignee_code", None, "overseas_consignee_ename", None),
}
_ROLES = {
    "I": {"trade": "CN", "overseas_consignor": "CZ", "owner": "UC", "agent": "AE"},
    "E": {"trade": "CZ", "overseas_consignee": "CN", "owner": "SU", "agent": "AE"},
}
_NATIVE = {
    "head": {
        "ie_flag",
        "custom_master",
        "desp_port_code",
        "distinate_port",
        "enty_port_code",
        "ie_date",
        "bill_no",
        "contr_no",
        "traf_name",
        "gross_wet",
        "net_wt",
        "pack_no",
        "wrap_type",
    }
    | {f for fields in _PARTY_FIELDS.values() for f in fields if f},
    "free_text": {"voy_no"},
    "lines": {
        "g_no",
        "code_ts",
        "g_name",
        "g_model",
        "g_qty",
        "g_unit",
        "decl_price",
        "decl_total",
        "trade_curr",
        "origin_country",
        "destination_country",
    },
    "containers": {"container_id", "container_md"},
    "licences": {"docu_code", "cert_code"},
    "attachments": {"edoc_code", "edoc_id", "edoc_fomat_type"},
}
_HEAD_LOCATIONS = {
    "custom_master": "22",
    "desp_port_code": "9",
    "distinate_port": "8",
    "enty_port_code": "24",
}
_LINE_LOCATIONS = {"origin_country": "27", "destination_country": "28"}


def _generic(names: Iterable[str]) -> dict[str, tuple[str, FieldDef]]:
    """XML tag -> (block, field) for the fields of ``names`` without a UN home."""
    out: dict[str, tuple[str, FieldDef]] = {}
    for name in names:
        for f in _BLOCKS[name].fields:
            if f.name not in _NATIVE[name] and not f.at_root:
                assert f.xml_tag not in out, f.xml_tag
                out[f.xml_tag] = (name, f)
    return out


_GENERIC = {
    "head": _generic(("head", "free_text")),
    "lines": _generic(("lines",)),
    "containers": _generic(("containers",)),
    "attachments": _generic(("attachments",)),
}


def _coded(f: FieldDef) -> bool:
    return f.type is FieldType.ENUM or f.code_table is not None


# -- goods declaration -> CUSDEC ---------------------------------------------------------


def goods_declaration_to_cusdec(
    doc: dict[str, Any],
    *,
    sender: str,
    recipient: str,
    reference: str,
    prepared_at: datetime | None = None,
) -> str:
    """A complete interchange with one CUSDEC for the goods declaration ``doc``."""
    return write_interchange(
        [goods_declaration_segments(doc)],
        message=MESSAGE,
        sender=sender,
        recipient=recipient,
        reference=reference,
        prepared_at=prepared_at,
    )


def goods_declaration_segments(doc: dict[str, Any]) -> list[Segment]:
    src = Source()
    root = src.object(doc, "", required=True)
    head = src.object(root.get("head"), "/head", required=True)
    free_text = src.object(root.get("free_text"), "/free_text")
    for name in NOT_REPRESENTABLE:
        if root.get(name):
            src.problem(
                f"/{name}",
                "not_representable",
                f"{name} cannot be written in CUSDEC",
                f"{name} 无法写入 CUSDEC",
            )
    t = src.text
    ie_flag = t(head, "ie_flag", "/head") or ""
    if ie_flag not in ("I", "E"):
        src.problem(
            "/head/ie_flag",
            "not_representable",
            "ie_flag must be I or E to choose the CUSDEC document code",
            "ie_flag 必须为 I 或 E",
        )
        ie_flag = "I"
    out = [build("BGM", "929" if ie_flag == "I" else "830", t(root, "client_ref", ""), "9")]
    ie_date = src.moment(head, "ie_date", "/head")
    if ie_date:
        out.append(build("DTM", ["178" if ie_flag == "I" else "186", *ie_date]))
    for key, qualifier in _HEAD_LOCATIONS.items():
        place = t(head, key, "/head")
        if place:
            out.append(build("LOC", qualifier, location(place)))
    out += _generic_segments(src, "head", {"head": head, "free_text": free_text})
    for key, qualifier in (("bill_no", "BM"), ("contr_no", "CT")):
        ref = t(head, key, "/head")
        if ref:
            out.append(build("RFF", [qualifier, ref]))
    voyage, vessel = t(free_text, "voy_no", "/free_text"), t(head, "traf_name", "/head")
    if voyage or vessel:
        means = ["", "", "", vessel or ""]
        out.append(build("TDT", "20", voyage, None, None, None, None, None, means))
    for role, qualifier in _ROLES[ie_flag].items():
        out += _party(src, head, role, qualifier)
    for key, qualifier in (("gross_wet", "G"), ("net_wt", "N")):
        weight = src.number(head, key, "/head")
        if weight:
            out.append(build("MEA", "AAE", qualifier, ["KGM", weight]))
    packages, wrap = src.integer(head, "pack_no", "/head"), t(head, "wrap_type", "/head")
    if packages or wrap:
        out.append(build("PAC", packages, None, wrap))
    for path, row in src.rows(root.get("containers"), "/containers"):
        out.append(build("EQD", "CN", t(row, "container_id", path), t(row, "container_md", path)))
        out += _generic_segments(src, "containers", {"containers": row}, path)
    for path, row in src.rows(root.get("licences"), "/licences"):
        out.append(
            build(
                "DOC", [t(row, "docu_code", path) or "", "LIC", MUTUAL], t(row, "cert_code", path)
            )
        )
    for path, row in src.rows(root.get("attachments"), "/attachments"):
        out.append(
            build(
                "DOC",
                [
                    t(row, "edoc_code", path) or "",
                    "EDOC",
                    MUTUAL,
                    t(row, "edoc_fomat_type", path) or "",
                ],
                t(row, "edoc_id", path),
            )
        )
        out += _generic_segments(src, "attachments", {"attachments": row}, path)
    out.append(build("UNS", "D"))
    for path, row in src.rows(root.get("lines"), "/lines"):
        out += _line(src, path, row)
    src.check()
    return out


def _party(src: Source, head: dict[str, Any], role: str, qualifier: str) -> list[Segment]:
    code_key, scc_key, name_key, address_key = _PARTY_FIELDS[role]
    code = src.text(head, code_key, "/head")
    scc = src.text(head, scc_key, "/head") if scc_key else None
    name = src.text(head, name_key, "/head")
    address = src.text(head, address_key, "/head") if address_key else None
    if not (code or scc or name or address):
        return []
    out = [
        build(
            "NAD",
            qualifier,
            code,
            None,
            chunks(name, 35) if name else None,
            chunks(address, 35, 4) if address else None,
        )
    ]
    if scc:
        out.append(build("RFF", ["XA", scc]))
    return out


def _line(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    t = src.text
    code, number = t(row, "code_ts", path), src.integer(row, "g_no", path)
    if number is None:
        src.problem(
            pointer_at(path, "g_no"),
            "required",
            "A goods line needs its g_no (CST 1496)",
            "商品项需要项号(CST 1496)",
        )
        return []
    out = [build("CST", number, [code, "HS"] if code else None)]
    for key, qualifier in (("g_name", "AAA"), ("g_model", "ACB")):
        text = t(row, key, path)
        if text:
            out.append(build("FTX", qualifier, None, None, chunks(text, 70)))
    quantity, unit = src.number(row, "g_qty", path), t(row, "g_unit", path)
    if quantity or unit:
        out.append(build("QTY", ["47", quantity or "", unit or ""]))
    price = src.number(row, "decl_price", path)
    if price:
        out.append(build("PRI", ["INV", price]))
    total, currency = src.number(row, "decl_total", path), t(row, "trade_curr", path)
    if total or currency:
        out.append(build("MOA", ["38", total or "", currency or ""]))
    for key, qualifier in _LINE_LOCATIONS.items():
        country = t(row, key, path)
        if country:
            out.append(build("LOC", qualifier, alpha2(country)))
    out += _generic_segments(src, "lines", {"lines": row}, path)
    return out


def _generic_segments(
    src: Source, group: str, rows: dict[str, dict[str, Any]], path: str = ""
) -> list[Segment]:
    codes_out, texts_out = [], []
    for tag, (block, f) in _GENERIC[group].items():
        base = path or f"/{block}"
        text = src.text(rows.get(block, {}), f.name, base)
        if text is None:
            continue
        if _coded(f):
            codes_out.append(build("GIS", [text, tag, MUTUAL]))
        else:
            texts_out.append(build("FTX", MUTUAL, None, tag, chunks(text, 70)))
    return codes_out + texts_out


# -- CUSDEC -> goods declaration ---------------------------------------------------------


def cusdec_to_goods_declaration(message: Message) -> dict[str, Any]:
    """The goods declaration in a CUSDEC message; ``EdifactError`` with every finding."""
    reader = Reader(message, SPEC)
    state = _State(reader)
    for position, segment in reader.body():
        state.segment(position, segment)
    reader.done()
    return state.document()


class _State:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.doc: dict[str, Any] = {}
        self.head: dict[str, Any] = {}
        self.free_text: dict[str, Any] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {
            "lines": [],
            "containers": [],
            "licences": [],
            "attachments": [],
        }
        self.subject = "head"
        self.current: dict[str, Any] = self.head
        self.party: tuple[str, str | None, str, str | None] | None = None
        self.ie_flag = "I"

    def set(
        self, target: dict[str, Any], key: str, item: Any, position: int, segment: Segment
    ) -> None:
        if item is None or item == "":
            return
        if key in target:
            self.reader.duplicate(position, segment)
        else:
            target[key] = item

    def segment(self, position: int, segment: Segment) -> None:
        tag, qualifier = segment.tag, value(segment, 1, 1)
        if tag == "BGM":
            self.ie_flag = "E" if qualifier == "830" else "I"
            self.head["ie_flag"] = self.ie_flag
            put(self.doc, "client_ref", value(segment, 2))
            return
        if tag == "UNS":
            self.subject, self.party = ("items", None) if qualifier == "D" else ("summary", None)
            return
        if tag in ("GIS", "FTX") and self._generic(position, segment):
            return
        handler = {
            "head": self._head,
            "containers": self._head,
            "attachments": self._head,
            "licences": self._head,
            "items": self._item,
            "lines": self._line,
        }.get(self.subject)
        if handler is None or not handler(position, segment):
            self.reader.misplaced(
                position, segment, "here (see the CUSDEC layout)", "此处(参见 CUSDEC 报文结构)"
            )

    def _generic(self, position: int, segment: Segment) -> bool:
        if segment.tag == "GIS":
            text, tag = value(segment, 1, 1), value(segment, 1, 2)
        elif value(segment, 1) == MUTUAL:
            text, tag = joined(segment, 4) or "", value(segment, 3, 1)
        else:
            return False
        group = {
            "head": "head",
            "lines": "lines",
            "containers": "containers",
            "attachments": "attachments",
        }.get(self.subject)
        found = _GENERIC[group].get(tag) if group else None
        if found is None:
            self.reader.problem(
                position,
                "unknown_field",
                f"{segment.tag} names {tag[:20]!r}, "
                f"which is not a field of this part of the declaration",
                f"{segment.tag} 中的 {tag[:20]!r} 不是报关单此部分的字段",
            )
            return True
        block, f = found
        target = (
            self.free_text
            if block == "free_text"
            else (self.head if block == "head" else self.current)
        )
        self.set(target, f.name, _typed(f, text), position, segment)
        return True

    def _head(self, position: int, segment: Segment) -> bool:
        tag, qualifier = segment.tag, value(segment, 1, 1)
        if tag == "EQD":
            self._open(
                "containers",
                {"container_id": value(segment, 2, 1), "container_md": value(segment, 3, 1)},
            )
        elif tag == "DOC":
            kind = value(segment, 1, 2)
            if kind == "LIC":
                self._open("licences", {"docu_code": qualifier, "cert_code": value(segment, 2)})
            else:
                self._open(
                    "attachments",
                    {
                        "edoc_code": qualifier,
                        "edoc_id": value(segment, 2),
                        "edoc_fomat_type": value(segment, 1, 4),
                    },
                )
        elif self.subject != "head":
            return False
        elif tag == "DTM" and qualifier in ("178", "186"):
            moment = edi_moment(value(segment, 1, 2), value(segment, 1, 3))
            self.set(self.head, "ie_date", moment, position, segment)
        elif tag == "LOC":
            key = {q: k for k, q in _HEAD_LOCATIONS.items()}.get(qualifier)
            if key is None:
                return False
            self.set(self.head, key, value(segment, 2, 1), position, segment)
        elif tag == "RFF":
            return self._reference(position, segment)
        elif tag == "TDT":
            self.set(self.free_text, "voy_no", value(segment, 2), position, segment)
            self.set(self.head, "traf_name", value(segment, 8, 4), position, segment)
        elif tag == "NAD":
            return self._party(position, segment)
        elif tag == "MEA":
            key = {"G": "gross_wet", "N": "net_wt"}.get(value(segment, 2, 1))
            if key:
                self.set(
                    self.head, key, self.reader.kilograms(position, segment, 3), position, segment
                )
        elif tag == "PAC":
            self.set(self.head, "pack_no", edi_integer(value(segment, 1)), position, segment)
            self.set(self.head, "wrap_type", value(segment, 3, 1), position, segment)
        elif tag != "DTM":
            return False
        return True

    def _open(self, name: str, row: dict[str, Any]) -> None:
        self.current = {key: item for key, item in row.items() if item}
        self.rows[name].append(self.current)
        self.subject, self.party = name, None

    def _reference(self, position: int, segment: Segment) -> bool:
        qualifier, ref = value(segment, 1, 1), value(segment, 1, 2)
        if qualifier == "XA":
            if self.party is None or self.party[1] is None:
                return False
            self.set(self.head, self.party[1], ref, position, segment)
        else:
            key = {"BM": "bill_no", "CT": "contr_no"}.get(qualifier)
            if key is None:
                return False
            self.set(self.head, key, ref, position, segment)
        return True

    def _party(self, position: int, segment: Segment) -> bool:
        roles = {q: role for role, q in _ROLES[self.ie_flag].items()}
        role = roles.get(value(segment, 1))
        if role is None:
            return False
        self.party = _PARTY_FIELDS[role]
        code_key, _, name_key, address_key = self.party
        self.set(self.head, code_key, value(segment, 2, 1), position, segment)
        self.set(self.head, name_key, joined(segment, 4), position, segment)
        if address_key:
            self.set(self.head, address_key, joined(segment, 5), position, segment)
        return True

    def _item(self, position: int, segment: Segment) -> bool:
        if segment.tag != "CST":
            return False
        line: dict[str, Any] = {}
        put(line, "g_no", edi_integer(value(segment, 1)))
        put(line, "code_ts", value(segment, 2, 1))
        self.rows["lines"].append(line)
        self.subject, self.current = "lines", line
        return True

    def _line(self, position: int, segment: Segment) -> bool:
        tag, qualifier = segment.tag, value(segment, 1, 1)
        line = self.current
        if tag == "CST":
            return self._item(position, segment)
        if tag == "FTX" and qualifier in ("AAA", "ACB"):
            key = "g_name" if qualifier == "AAA" else "g_model"
            self.set(line, key, joined(segment, 4), position, segment)
        elif tag == "QTY":
            self.set(line, "g_qty", edi_number(value(segment, 1, 2)), position, segment)
            self.set(line, "g_unit", value(segment, 1, 3), position, segment)
        elif tag == "PRI":
            self.set(line, "decl_price", edi_number(value(segment, 1, 2)), position, segment)
        elif tag == "MOA":
            self.set(line, "decl_total", edi_number(value(segment, 1, 2)), position, segment)
            self.set(line, "trade_curr", value(segment, 1, 3), position, segment)
        elif tag == "LOC" and qualifier in ("27", "28"):
            key = "origin_country" if qualifier == "27" else "destination_country"
            country = value(segment, 2, 1)
            self.set(line, key, alpha3(country) if country else None, position, segment)
        else:
            return False
        return True

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {**self.doc, "head": self.head}
        for name, rows in self.rows.items():
            if rows or name == "lines":
                doc[name] = rows
        if self.free_text:
            doc["free_text"] = self.free_text
        return doc


def _typed(f: FieldDef, text: str) -> Any:
    if f.type is FieldType.INTEGER:
        return edi_integer(text)
    if f.type is FieldType.DECIMAL:
        return edi_number(text)
    return text


__all__ = [
    "MESSAGE",
    "NOT_REPRESENTABLE",
    "SPEC",
    "cusdec_to_goods_declaration",
    "goods_declaration_segments",
    "goods_declaration_to_cusdec",
]
