"""Round trip property: parse(render(doc)) == doc for documents generated from the definition."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.kit.clock import today_china
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents import BlockDef, FieldDef, FieldType, get_document_type
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.rules import normalise, validate
from singlewindow.standards.rules.values import decimal_text
from singlewindow.standards.xml import parse_decmessage, render_decmessage

GD = "goods_declaration"
DEFINITION = get_document_type(GD)

# XML-safe text: no controls, surrogates or non-characters; stripped and non-empty, since
# DecMessage parsing strips text and drops empty elements.
xml_text = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"))


def value_strategy(f: FieldDef) -> st.SearchStrategy[Any]:
    if f.type is FieldType.ENUM:
        return st.sampled_from(f.enum_codes)
    if f.type is FieldType.INTEGER:
        high = int(f.maximum) if f.maximum is not None else 10**9
        return st.integers(int(f.minimum or 0), high)
    if f.type is FieldType.DECIMAL:
        scale, whole = f.scale or 0, (f.precision or 19) - (f.scale or 0)
        return st.decimals(0, 10**whole - 1, places=scale, allow_nan=False).map(
            lambda d: decimal_text(abs(d))
        )
    if f.type is FieldType.DATE:
        return st.dates().filter(lambda d: d.year >= 1000).map(lambda d: d.isoformat())
    if f.type is FieldType.DATETIME:
        return (
            st.datetimes()
            .filter(lambda d: d.year >= 1000)
            .map(lambda d: d.replace(microsecond=0).isoformat())
        )
    if f.pattern:
        return st.from_regex(re.compile(f.pattern, re.ASCII), fullmatch=True)
    return (
        st.text(xml_text, min_size=1, max_size=min(f.max_length or 40, 40))
        .map(str.strip)
        .filter(bool)
    )


def item_strategy(block: BlockDef, *, non_empty: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    items = st.fixed_dictionaries(
        {}, optional={f.name: value_strategy(f) for f in block.json_fields}
    )
    return items.filter(bool) if non_empty else items


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for f in DEFINITION.root_fields:
        if draw(st.booleans()):
            doc[f.name] = draw(value_strategy(f))
    for block in DEFINITION.blocks:
        if block.name == "head":
            doc["head"] = draw(item_strategy(block))
        elif block.repeated:
            # Without a wrapper element, an empty list and an absent block look the same.
            low = 0 if block.xml_container else 1
            if draw(st.booleans()):
                doc[block.name] = draw(st.lists(item_strategy(block), min_size=low, max_size=3))
        elif draw(st.booleans()):
            # DecSign also carries client_ref: an empty sign object is not distinguishable.
            hoists = any(f.at_root for f in block.fields)
            doc[block.name] = draw(item_strategy(block, non_empty=hoists))
    return doc


@settings(max_examples=60, deadline=None)
@given(documents())
def test_round_trip_generated_documents(doc: dict[str, Any]) -> None:
    assert normalise(GD, doc) == doc  # generated in canonical form
    assert parse_decmessage(render_decmessage(doc)) == doc


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["I", "E"]), st.integers(1, 50), st.data())
def test_round_trip_valid_samples(ie_flag: str, lines: int, data: st.DataObject) -> None:
    doc = sample_goods_declaration(ie_flag, lines=lines)
    doc["head"]["note_s"] = data.draw(
        st.text(xml_text, min_size=1, max_size=255).map(str.strip).filter(bool)
    )
    assert validate(GD, doc, codes=builtin_lookup(), today=today_china()) == []
    assert parse_decmessage(render_decmessage(doc)) == doc
