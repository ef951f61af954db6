"""Property tests: the validator never raises, valid stays valid, a broken field is found."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.kit.clock import today_china
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents import get_document_type
from singlewindow.standards.documents.model import ALWAYS
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.rules import normalise, validate

GD = "goods_declaration"
DEFINITION = get_document_type(GD)
SETTINGS = settings(max_examples=60, deadline=None)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def check(doc: Any) -> list[Any]:
    return validate(GD, doc, codes=builtin_lookup(), today=today_china())


@SETTINGS
@given(json_values)
def test_never_raises_on_arbitrary_json(doc: Any) -> None:
    for finding in check(doc):
        assert finding.code
        assert finding.message
        assert finding.message_zh


field_names = st.sampled_from(sorted({f.name for b in DEFINITION.blocks for f in b.fields}))
block_names = st.sampled_from([b.name for b in DEFINITION.blocks] + ["client_ref"])


@SETTINGS
@given(
    st.dictionaries(block_names, json_values | st.lists(st.dictionaries(field_names, json_values))),
    st.dictionaries(field_names, json_values),
)
def test_never_raises_on_document_shaped_input(doc: dict[str, Any], head: dict[str, Any]) -> None:
    doc.setdefault("head", head)
    check(doc)


@SETTINGS
@given(
    st.sampled_from(["I", "E"]),
    st.integers(min_value=1, max_value=50),
    st.text(min_size=1, max_size=32).filter(lambda s: s.isprintable()),
)
def test_samples_stay_valid(ie_flag: str, lines: int, client_ref: str) -> None:
    doc = sample_goods_declaration(ie_flag, lines=lines, client_ref=client_ref)
    assert check(doc) == []
    assert check(normalise(GD, doc)) == []


@SETTINGS
@given(st.sampled_from(["I", "E"]), st.data())
def test_decimals_as_json_numbers_stay_valid(ie_flag: str, data: st.DataObject) -> None:
    doc = sample_goods_declaration(ie_flag, lines=3)
    for line in doc["lines"]:
        kind = data.draw(st.sampled_from([float, str, Decimal]))
        for key in ("g_qty", "first_qty", "decl_price", "decl_total"):
            line[key] = kind(line[key]) if kind is not Decimal else Decimal(line[key])
    assert check(doc) == []


def _field_paths(doc: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """(container path, key) of every field present in the document."""
    paths: list[tuple[tuple[str | int, ...], str]] = [((), "client_ref")]
    for block in DEFINITION.blocks:
        value = doc.get(block.name)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for index, item in enumerate(items):
            where: tuple[str | int, ...] = (block.name, index) if block.repeated else (block.name,)
            paths += [(where, key) for key in item]
    return paths


def _node(doc: dict[str, Any], where: tuple[str | int, ...]) -> Any:
    node: Any = doc
    for step in where:
        node = node[step]
    return node


broken_values = st.one_of(
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.text(min_size=1, max_size=5).map(lambda s: s + "\x00"),
)


@SETTINGS
@given(st.sampled_from(["I", "E"]), st.integers(1, 4), st.data())
def test_one_broken_field_is_found_at_its_path(
    ie_flag: str, lines: int, data: st.DataObject
) -> None:
    doc = sample_goods_declaration(ie_flag, lines=lines)
    where, key = data.draw(st.sampled_from(_field_paths(doc)))
    _node(doc, where)[key] = data.draw(broken_values)
    path = "".join(f"/{p}" for p in (*where, key))
    assert path in {f.path for f in check(doc)}


@SETTINGS
@given(st.sampled_from(["I", "E"]), st.data())
def test_one_missing_required_field_is_found(ie_flag: str, data: st.DataObject) -> None:
    doc = sample_goods_declaration(ie_flag, lines=2)
    block = data.draw(
        st.sampled_from([b for b in DEFINITION.blocks if b.name in ("head", "lines")])
    )
    required = [f.name for f in block.json_fields if f.required == ALWAYS]
    key = data.draw(st.sampled_from(required))
    item = doc[block.name][0] if block.repeated else doc[block.name]
    del item[key]
    path = f"/{block.name}/0/{key}" if block.repeated else f"/{block.name}/{key}"
    assert (path, "required") in {(f.path, f.code) for f in check(doc)}
