"""Property tests: any JSON in any transport document gives findings, never an exception,
and ``normalise`` is idempotent and keeps valid documents valid."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from singlewindow.kit.clock import today_china
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents import get_document_type
from singlewindow.standards.documents.model import BlockDef, FieldDef
from singlewindow.standards.documents.transport import TRANSPORT_TYPES
from singlewindow.standards.documents.transport_samples import SAMPLES
from singlewindow.standards.rules import normalise, validate

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["", "3", "9", "UN9074729", "CNYTN", "MT3101",
                                            "2026-11-29T08:00:00+08:00", "1.5", "-1"]),
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6,
)  # fmt: skip


def value_for(f: FieldDef) -> st.SearchStrategy[Any]:
    if f.enum:
        return st.sampled_from(f.enum_codes) | JSON
    return JSON


def item_for(block: BlockDef) -> st.SearchStrategy[Any]:
    fields = st.fixed_dictionaries({}, optional={f.name: value_for(f) for f in block.json_fields})
    return fields | JSON


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, Any]:
    definition = draw(st.sampled_from(TRANSPORT_TYPES))
    if draw(st.integers(0, 9)) == 0:
        return definition.type, draw(JSON)
    doc: dict[str, Any] = {}
    for f in definition.root_fields:
        if draw(st.booleans()):
            doc[f.name] = draw(value_for(f))
    for block in definition.blocks:
        if draw(st.booleans()):
            item = item_for(block)
            doc[block.name] = draw(st.lists(item, max_size=3) | JSON) if block.repeated else (
                draw(item)
            )  # fmt: skip
    return definition.type, doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_input_gives_findings_never_an_exception(case: tuple[str, Any]) -> None:
    doc_type, doc = case
    found = validate(doc_type, doc, codes=builtin_lookup(), today=today_china())
    assert all(f.code and f.message and f.message_zh for f in found)
    once = normalise(doc_type, doc)
    assert normalise(doc_type, once) == once


@settings(max_examples=40, deadline=None)
@given(
    doc_type=st.sampled_from(sorted(SAMPLES)),
    drop=st.sets(st.integers(0, 40), max_size=3),
)
def test_dropping_optional_fields_keeps_samples_valid_or_names_the_field(
    doc_type: str, drop: set[int]
) -> None:
    """Removing fields from a valid sample yields findings only about what was removed (or
    its consequences on the same block), never elsewhere."""
    doc = SAMPLES[doc_type]()
    definition = get_document_type(doc_type)
    objects = [b.name for b in definition.blocks if not b.repeated and b.name in doc]
    keys = [(name, key) for name in objects for key in sorted(doc[name])]
    removed = [keys[i % len(keys)] for i in drop] if keys else []
    for name, key in removed:
        doc[name].pop(key, None)
    found = validate(doc_type, doc, codes=builtin_lookup(), today=today_china())
    touched = {f"/{name}" for name, _ in removed}
    for f in found:
        assert any(f.path.startswith(t) for t in touched) or f.path.startswith(
            ("/crew", "/passengers", "/consignments", "/vehicle", "/movements")
        ), f
