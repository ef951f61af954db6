"""The mapping tables cover their document definitions exactly, with codecs of the right
type: a field added to a definition without a mapping fails here, not in production."""

from __future__ import annotations

import pytest

from singlewindow.standards.documents import FieldType, get_document_type
from singlewindow.standards.xml.mapping import Group, Leaf, groups, leaves
from tests.standards.xml_transport.support import FORMATS, field_for

KINDS = {
    FieldType.STRING: "string",
    FieldType.ENUM: "string",
    FieldType.INTEGER: "integer",
    FieldType.DECIMAL: "decimal",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime",
}


def _mapped(fmt: str) -> list[tuple[str, str]]:
    """(block or "" for root fields, field name) of every leaf and inherited key."""
    table: Group = FORMATS[fmt][0].TABLE
    out = []
    for group, leaf in leaves(table):
        block, _, name = leaf.json.rpartition("/")
        out.append((group or block, name))
    out += [(g.json, g.inherit) for g in groups(table) if g.inherit]
    return out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_field_is_mapped_once(fmt: str) -> None:
    _, doc_type = FORMATS[fmt]
    definition = get_document_type(doc_type)
    expected = [("", f.name) for f in definition.root_fields]
    expected += [(b.name, f.name) for b in definition.blocks for f in b.json_fields]
    mapped = _mapped(fmt)
    assert sorted(mapped) == sorted(expected)
    assert len(set(mapped)) == len(mapped)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_codecs_produce_the_field_types(fmt: str) -> None:
    module, doc_type = FORMATS[fmt]
    for group, leaf in leaves(module.TABLE):
        f = field_for(doc_type, group, leaf.json)
        assert leaf.codec.kind == KINDS[f.type], (group, leaf.json)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_xpaths_are_unique_within_each_group(fmt: str) -> None:
    module, _ = FORMATS[fmt]
    table: Group = module.TABLE
    for group in [table, *groups(table)]:
        paths = [n.xpath for n in group.nodes if isinstance(n, Leaf)]
        assert len(paths) == len(set(paths)), group.json
