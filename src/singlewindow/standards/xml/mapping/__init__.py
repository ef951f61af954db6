"""Field <-> XPath mapping tables and the one engine that reads and writes them.

A message layout is a tuple of ``Leaf`` and ``Group`` nodes. A ``Leaf`` ties one canonical
JSON key (``head/customs_office``) to one relative XPath (``Declaration/DeclarationOfficeID``,
``ValueAmount/@CurrencyTypeCode``) and a ``Codec`` that converts the value both ways. A
``Group`` is a repeated element (``Declaration/Consignment``: the last step repeats) whose
items form a JSON array at the document root; a group nested in another (containers in a
consignment) takes the parent's key (``bill_no``) on reading and is grouped by it on
writing, so XML nesting and flat JSON arrays are the same table read in two directions.

Reading is strict about structure (namespace, known elements and attributes, no duplicates,
no mixed content, required elements present) and lenient about values: text is stripped,
empty elements are absent, and a value that does not have its type is kept as text for
``standards.rules.validate`` to report. Writing refuses only what cannot be written
faithfully (unknown keys, objects where a value belongs, codes without an XML equivalent).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from singlewindow.kit import clock
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import BadRequest, Finding, ValidationFailed
from singlewindow.standards.xml.mapping.codecs import (
    ChinaDateTime,
    Codec,
    CodeMap,
    Integer,
    Number,
    Text,
    Unmappable,
)
from singlewindow.standards.xml.mapping.reader import Reader, check_root_attributes
from singlewindow.standards.xml.mapping.table import (
    Envelope,
    Group,
    Leaf,
    Node,
    finding,
    groups,
    leaves,
    root_group,
)
from singlewindow.standards.xml.mapping.writer import Writer


def read_message(
    root: etree._Element,
    table: Group,
    *,
    preset: dict[str, Any] | None = None,
    root_attributes: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[str, str], list[Finding]]:
    """(document, envelope values, findings) of a message root already checked by its format.
    ``preset`` holds values the format took from the root (``message_type``)."""
    path = f"/{etree.QName(root).localname}"
    reader = Reader(etree.QName(root).namespace or "")
    reader.document.update(preset or {})
    check_root_attributes(reader, root, path, root_attributes)
    reader.read(root, table, path)
    return reader.document, reader.envelope, reader.findings


def write_message(
    root: etree._Element, table: Group, document: dict[str, Any], envelope: dict[str, str]
) -> list[Finding]:
    writer = Writer(etree.QName(root).namespace or "", document, envelope)
    writer.write(root, table)
    return writer.findings


def serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def invalid_xml(findings: list[Finding], what_en: str, what_zh: str, code: str) -> BadRequest:
    """400: the XML does not have the layout (findings at XPaths)."""
    return BadRequest(
        f"The XML does not match the {what_en} layout",
        f"XML 结构与{what_zh}格式不符",
        code=code,
        findings=findings,
    )


def not_renderable(findings: list[Finding], what_en: str, what_zh: str) -> ValidationFailed:
    """422: the document cannot be written as XML (findings at JSON pointers)."""
    return ValidationFailed(
        f"The document cannot be written as {what_en} XML",
        f"该单证无法生成{what_zh}报文",
        code="not_renderable",
        findings=findings,
    )


def wrong_root(path: str, code: str, en: str, zh: str) -> BadRequest:
    return BadRequest(en, zh, code=code, findings=[finding(path, code, en, zh)])


def china_now(fmt: str) -> str:
    """Now in China time, formatted: default send times of written messages."""
    return clock.now().astimezone(CHINA_TZ).strftime(fmt)


__all__ = [
    "ChinaDateTime",
    "CodeMap",
    "Codec",
    "Envelope",
    "Group",
    "Integer",
    "Leaf",
    "Node",
    "Number",
    "Text",
    "Unmappable",
    "china_now",
    "finding",
    "groups",
    "invalid_xml",
    "leaves",
    "not_renderable",
    "read_message",
    "root_group",
    "serialise",
    "write_message",
    "wrong_root",
]
