"""Shared helpers: the formats under test, canonical forms and hypothesis strategies built
from the document definitions and the formats' own mapping tables."""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import ModuleType
from typing import Any

from hypothesis import strategies as st
from lxml import etree

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.standards.documents import FieldDef, FieldType, get_document_type
from singlewindow.standards.rules import normalise
from singlewindow.standards.rules.values import decimal_text
from singlewindow.standards.xml import csm, fal, manifest
from singlewindow.standards.xml.mapping import ChinaDateTime, Envelope, Group, Leaf, groups

# format name -> (module, document type)
FORMATS: dict[str, tuple[ModuleType, str]] = {
    "manifest": (manifest, "manifest"),
    "csm": (csm, "ship_report"),
    "fal": (fal, "ship_report"),
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters that survive XML and stripping: no controls, no separators but the space.
_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Cn", "Zs", "Zl", "Zp"), include_characters=" "
)


def c14n(xml: bytes) -> bytes:
    """Canonical XML without the whitespace between elements."""
    parser = etree.XMLParser(remove_blank_text=True)
    return bytes(etree.tostring(etree.fromstring(xml, parser), method="c14n"))


def field_for(doc_type: str, group: str, json: str) -> FieldDef:
    """The definition field a table leaf maps (``group`` "" for document-level leaves)."""
    definition = get_document_type(doc_type)
    if group:
        return definition.block(group).field(json)
    first, *rest = json.split("/")
    if not rest:
        return next(f for f in definition.root_fields if f.name == first)
    return definition.block(first).field(rest[0])


def canonical(doc_type: str, document: dict[str, Any]) -> dict[str, Any]:
    """What reading the XML gives back: the normalised document without empty lists, and
    a manifest's containers and items grouped by consignment (stable within each)."""
    out: dict[str, Any] = normalise(doc_type, copy.deepcopy(document))
    for key in [k for k, v in out.items() if v == []]:
        del out[key]
    if doc_type == "manifest" and "consignments" in out:
        order = {c["bill_no"]: n for n, c in enumerate(out["consignments"])}
        for key in ("containers", "items"):
            if key in out:
                out[key] = sorted(out[key], key=lambda row: order[row["bill_no"]])
    return out


# --------------------------------------------------------------------------- strategies


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_CHARS, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def _clean(value: str) -> bool:
    return not _NOT_XML.search(value) and value == value.strip() and bool(value)


def value_strategy(f: FieldDef, leaf: Leaf) -> st.SearchStrategy[Any]:
    if leaf.many:
        token = st.text(_CHARS.filter(lambda c: c != " "), min_size=1, max_size=8)
        return st.lists(token, min_size=1, max_size=3).map(" ".join)
    if f.type is FieldType.ENUM:
        return st.sampled_from(f.enum_codes)
    if f.type is FieldType.INTEGER:
        low = int(f.minimum) if f.minimum is not None else -(10**6)
        high = int(f.maximum) if f.maximum is not None else 10**9
        return st.integers(low, high)
    if f.type is FieldType.DECIMAL:
        scale, whole = f.scale or 0, (f.precision or 19) - (f.scale or 0)
        floor = f.minimum if f.minimum is not None else Decimal(-(10**whole - 1))
        return st.decimals(floor, 10**whole - 1, places=scale, allow_nan=False).map(decimal_text)
    if f.type is FieldType.DATE:
        return st.dates(date(1900, 1, 1)).map(date.isoformat)
    if f.type is FieldType.DATETIME:
        moments = st.datetimes(datetime(1900, 1, 1), datetime(2999, 12, 31))
        if isinstance(leaf.codec, ChinaDateTime):  # the customs form is China time, seconds
            return moments.map(lambda d: d.replace(microsecond=0, tzinfo=CHINA_TZ).isoformat())
        offsets = st.sampled_from([UTC, CHINA_TZ, timezone(timedelta(hours=-5, minutes=-30))])
        return st.tuples(moments, offsets).map(lambda p: p[0].replace(tzinfo=p[1]).isoformat())
    if f.pattern:
        pattern = re.compile(f.pattern, re.ASCII)
        return st.from_regex(pattern, fullmatch=True).filter(_clean)
    return _text(min(f.max_length or 30, 30))


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    *objects, key = path.split("/")
    for name in objects:
        target = target.setdefault(name, {})
    target[key] = value


def _fill(
    draw: st.DrawFn, doc_type: str, group: Group, target: dict[str, Any], *, top: bool
) -> None:
    for node in group.nodes:
        if not isinstance(node, Leaf) or node.envelope:
            continue
        if node.required or draw(st.booleans()):
            f = field_for(doc_type, "" if top else group.json, node.json)
            _put(target, node.json, draw(value_strategy(f, node)))


@st.composite
def documents(draw: st.DrawFn, fmt: str) -> dict[str, Any]:
    """A canonical document the format's table can carry (unique keys, nested rows in the
    order of their parents)."""
    module, doc_type = FORMATS[fmt]
    table: Group = module.TABLE
    doc: dict[str, Any] = {}
    _fill(draw, doc_type, table, doc, top=True)
    for group in (g for g in groups(table) if g.inherit is None):
        rows: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(0, 3))):
            row: dict[str, Any] = {}
            _fill(draw, doc_type, group, row, top=False)
            if group.key and any(r.get(group.key) == row.get(group.key) for r in rows):
                continue
            rows.append(row)
        if rows:
            doc[group.json] = rows
        for nested in (g for g in group.nodes if isinstance(g, Group)):
            children: list[dict[str, Any]] = []
            for parent in rows:
                for _ in range(draw(st.integers(0, 2))):
                    child = {nested.inherit: parent[nested.inherit]} if nested.inherit else {}
                    _fill(draw, doc_type, nested, child, top=False)
                    children.append(child)
            if children:
                doc[nested.json] = children
    return doc


tokens = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)
envelopes = st.builds(
    Envelope,
    sender=st.one_of(st.just(""), tokens),
    receiver=st.one_of(st.just(""), tokens),
    sent_at=st.one_of(st.just(""), tokens),
    version=st.one_of(st.just(""), tokens),
)
