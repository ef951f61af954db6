"""Property tests: generated documents round-trip through every format, and no input —
arbitrary bytes, mutated messages, random element trees, arbitrary JSON — raises anything
but our own errors."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from singlewindow.kit.errors import SingleWindowError
from singlewindow.standards.documents.transport_samples import sample_manifest, sample_ship_report
from singlewindow.standards.xml import dxp, transport
from singlewindow.standards.xml.mapping import Envelope, Group, groups
from tests.standards.xml_transport.support import FORMATS, canonical, documents, envelopes

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=150, deadline=None)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@PROPERTY
@given(data=st.data())
def test_generated_documents_round_trip(fmt: str, data: st.DataObject) -> None:
    module, doc_type = FORMATS[fmt]
    doc = data.draw(documents(fmt))
    envelope: Envelope = data.draw(envelopes)
    assert canonical(doc_type, doc) == doc  # generated in canonical form
    xml = module.to_xml(doc, envelope)
    back, envelope_back = module.read(xml)
    assert back == doc
    assert envelope_back == envelope
    assert module.to_xml(back, envelope_back) == xml  # XML -> JSON -> XML is exact


def _samples() -> list[bytes]:
    return [
        FORMATS["manifest"][0].to_xml(sample_manifest("MT3101")),
        FORMATS["csm"][0].to_xml(sample_ship_report("CSM004", passengers=1)),
        FORMATS["fal"][0].to_xml(sample_ship_report("CSM002", dangerous_goods=True)),
    ]


SAMPLES = _samples()
SAMPLES.append(dxp.wrap(SAMPLES[0], msg_type="MT3101", sender="A", receivers=["B"]))


def _outcome(function: Callable[..., Any], *args: Any) -> Any:
    """The result, or the ``SingleWindowError`` raised (anything else propagates)."""
    try:
        return function(*args)
    except SingleWindowError as exc:
        return exc


def _assert_refusal(error: SingleWindowError, *, status: int | None = None) -> None:
    assert 400 <= error.status < 500 if status is None else error.status == status
    assert error.findings, error
    assert all(f.path.startswith("/") for f in error.findings)


def _only_our_errors(data: bytes) -> None:
    outcome = _outcome(transport.detect, data)
    if isinstance(outcome, SingleWindowError):
        _assert_refusal(outcome)
    else:
        doc_type, document = outcome
        assert doc_type in ("manifest", "ship_report")
        assert isinstance(document, dict)
    for item in transport.iter_documents(io.BytesIO(data)):
        assert isinstance(item, transport.Parsed | transport.Rejection)


@FUZZ
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_our_errors(data: bytes) -> None:
    _only_our_errors(data)


@FUZZ
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8), st.binary(max_size=8)), max_size=4),
)
def test_mutated_messages_raise_only_our_errors(
    sample: bytes, edits: list[tuple[float, int, bytes]]
) -> None:
    data = bytearray(sample)
    for where, length, replacement in edits:
        at = int(where * len(data))
        data[at : at + length] = replacement
    _only_our_errors(bytes(data))


xml_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12)
edits = st.lists(
    st.tuples(
        st.sampled_from(["text", "drop", "duplicate", "move", "attribute", "rename"]),
        st.integers(0, 10**6),
        xml_text,
    ),
    min_size=1,
    max_size=5,
)


@FUZZ
@given(st.sampled_from(SAMPLES), edits)
def test_edited_messages_raise_only_our_errors(
    sample: bytes, changes: list[tuple[str, int, str]]
) -> None:
    """Well-formed but wrong: values replaced, elements dropped, repeated, moved, renamed."""
    root = etree.fromstring(sample)
    for operation, pick, text in changes:
        elements = list(root.iter())
        element = elements[pick % len(elements)]
        parent = element.getparent()
        if operation == "text":
            element.text = text
        elif operation == "attribute":
            element.set("code" if text.isidentifier() else "x", text)
        elif operation == "rename":
            element.tag = etree.QName(etree.QName(element).namespace, "Renamed").text
        elif parent is not None and operation == "drop":
            parent.remove(element)
        elif parent is not None and operation == "duplicate":
            parent.append(copy.deepcopy(element))
        elif parent is not None and operation == "move":
            target = elements[(pick // 7) % len(elements)]
            if target is not element and element not in target.iterancestors():
                target.append(element)
    _only_our_errors(etree.tostring(root))


def _vocabulary() -> list[str]:
    names: set[str] = {"Foo", "Manifest", "DxpMsg", "FalReport", "CSM002Message", "Data"}
    for module, _ in FORMATS.values():
        table: Group = module.TABLE
        for group in [table, *groups(table)]:
            for node in group.nodes:
                names.update(s for s in node.xpath.split("/") if s and not s.startswith("@"))
    return sorted(names)


NAMESPACES = [
    "urn:Declaration:datamodel:standard:CN:MT1101:1",
    "urn:Declaration:datamodel:standard:CN:MT9999:1",
    "http://www.chinaport.gov.cn/csm",
    "urn:singlewindow:fal:1",
    dxp.NAMESPACE,
    transport.BATCH_NAMESPACE,
    "",
]
Tree = tuple[str, str, list[Any]]
trees: st.SearchStrategy[Tree] = st.recursive(
    st.tuples(st.sampled_from(_vocabulary()), st.text(max_size=5), st.just([])),
    lambda children: st.tuples(
        st.sampled_from(_vocabulary()), st.text(max_size=3), st.lists(children, max_size=4)
    ),
    max_leaves=25,
)


def _build(node: tuple[str, str, list[Any]], ns: str) -> etree._Element:
    name, text, children = node
    element = etree.Element(f"{{{ns}}}{name}" if ns else name)
    if children:
        element.extend(_build(child, ns) for child in children)
    else:
        element.text = "".join(c for c in text if c.isprintable())
    return element


@FUZZ
@given(trees, st.sampled_from(NAMESPACES), st.sampled_from(["Manifest", "FalReport", "DxpMsg"]))
def test_random_element_trees_raise_only_our_errors(
    tree: tuple[str, str, list[Any]], ns: str, root_name: str
) -> None:
    root = _build((root_name, "", [tree]), ns)
    _only_our_errors(etree.tostring(root))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


BASES = {
    "manifest": sample_manifest("MT3101", function="5"),
    "csm": sample_ship_report("CSM005", passengers=1, dangerous_goods=True),
    "fal": sample_ship_report("CSM007", passengers=1, dangerous_goods=True),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_arbitrary_json_raises_only_validation_failed(fmt: str, data: st.DataObject) -> None:
    module, _ = FORMATS[fmt]
    doc = copy.deepcopy(BASES[fmt])
    for _ in range(data.draw(st.integers(1, 3))):  # replace values anywhere by arbitrary JSON
        target: Any = doc
        while isinstance(target, dict | list) and target and data.draw(st.booleans()):
            keys = list(range(len(target))) if isinstance(target, list) else sorted(target)
            key = data.draw(st.sampled_from(keys))
            if not isinstance(target[key], dict | list):
                break
            target = target[key]
        if isinstance(target, dict):
            target[data.draw(st.sampled_from([*sorted(target), "extra"]))] = data.draw(json_values)
    outcome = _outcome(module.to_xml, doc)
    if isinstance(outcome, SingleWindowError):
        _assert_refusal(outcome, status=422)
    else:
        assert isinstance(outcome, bytes)
