"""China customs ``DecMessage`` XML <-> canonical JSON, driven by the definition's tags.

Parsing is strict about structure (root, namespace, known elements, no duplicates) and
lenient about values: text is stripped, empty elements count as absent, and values are
converted to their canonical JSON form only when they have the field's type (dates
``YYYYMMDD`` -> ``YYYY-MM-DD``, decimals -> plain strings, integers -> ints); anything
else is kept as text for ``validate`` to report. The ``version`` attribute is not part of
the canonical document; rendering writes the definition's ``xml_version``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from lxml import etree

from singlewindow.kit.errors import BadRequest, Finding
from singlewindow.standards.documents.model import BlockDef, DocumentType, FieldDef, FieldType
from singlewindow.standards.documents.registry import get_document_type
from singlewindow.standards.rules.values import (
    as_date,
    as_decimal,
    as_integer,
    decimal_text,
    is_present,
)
from singlewindow.standards.xml.safe import parse_xml

_XML_DATE = re.compile(r"\d{8}", re.ASCII)
_XML_DATETIME = re.compile(r"\d{14}", re.ASCII)


def parse_decmessage(data: bytes, doc_type: str = "goods_declaration") -> dict[str, Any]:
    """Canonical JSON from DecMessage bytes. ``BadRequest`` (400) with findings for unsafe
    or malformed XML (``dtd_forbidden``, ``malformed_xml``), a wrong root or namespace
    (``wrong_root``, ``wrong_namespace``) and unknown or duplicated elements."""
    definition = get_document_type(doc_type)
    root = parse_xml(data)
    name = etree.QName(root)
    expected = f"{{{definition.xml_namespace}}}{definition.xml_root}"
    if name.localname != definition.xml_root:
        raise _error("wrong_root", f"Root element must be {definition.xml_root}, not "
                     f"{name.localname[:64]}", f"根元素应为 {definition.xml_root}")  # fmt: skip
    if name.namespace != definition.xml_namespace:
        raise _error("wrong_namespace", f"Root element must be {expected}",
                     f"根元素命名空间应为 {definition.xml_namespace}")  # fmt: skip
    reader = _Reader(definition)
    document = reader.read(root)
    if reader.findings:
        raise BadRequest(
            "The DecMessage does not match the goods declaration layout",
            "DecMessage 结构与报关单格式不符",
            code="invalid_decmessage",
            findings=reader.findings,
        )
    return document


def render_decmessage(document: dict[str, Any], doc_type: str = "goods_declaration") -> bytes:
    """DecMessage bytes (UTF-8, with declaration) for a canonical document. Blocks and
    fields are written in definition order; absent and empty values are omitted."""
    definition = get_document_type(doc_type)
    ns = definition.xml_namespace
    root = etree.Element(etree.QName(ns, definition.xml_root), nsmap={None: ns})
    root.set("version", definition.xml_version)
    for block in definition.blocks:
        value = document.get(block.name)
        if block.repeated:
            if not isinstance(value, list):
                continue
            parent = (
                etree.SubElement(root, _q(ns, block.xml_container)) if block.xml_container else root
            )
            for item in value:
                _write_item(parent, ns, block, item if isinstance(item, dict) else {}, document)
        elif isinstance(value, dict) or any(
            is_present(document.get(f.name)) for f in block.fields if f.at_root
        ):
            _write_item(root, ns, block, value if isinstance(value, dict) else {}, document)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _q(ns: str, tag: str | None) -> etree.QName:
    return etree.QName(ns, tag or "")


def _write_item(
    parent: etree._Element, ns: str, block: BlockDef, item: dict[str, Any], document: dict[str, Any]
) -> None:
    element = etree.SubElement(parent, _q(ns, block.xml_tag))
    for f in block.fields:
        value = document.get(f.name) if f.at_root else item.get(f.name)
        if is_present(value):
            etree.SubElement(element, _q(ns, f.xml_tag)).text = to_xml_text(f, value)


def to_xml_text(f: FieldDef, value: Any) -> str:
    if f.type is FieldType.DATE and (day := as_date(value)) is not None:
        return day.isoformat().replace("-", "")
    if f.type is FieldType.DATETIME and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).strftime("%Y%m%d%H%M%S")
        except ValueError:
            return value
    if f.type is FieldType.DECIMAL and (number := as_decimal(value)) is not None:
        return decimal_text(number)
    return str(value)


def from_xml_text(f: FieldDef, text: str) -> Any:
    if f.type is FieldType.DATE and _XML_DATE.fullmatch(text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if f.type is FieldType.DATETIME and _XML_DATETIME.fullmatch(text):
        t = text
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:]}"
    if f.type is FieldType.INTEGER and (integer := as_integer(text)) is not None:
        return integer
    if f.type is FieldType.DECIMAL and (number := as_decimal(text)) is not None:
        return decimal_text(number)
    return text


def _error(code: str, en: str, zh: str) -> BadRequest:
    return BadRequest(en, zh, code=code, findings=[Finding("/", code, en, zh)])


class _Reader:
    """Walks one DecMessage tree, collecting every structural problem before failing."""

    def __init__(self, definition: DocumentType) -> None:
        self.definition = definition
        self.ns = definition.xml_namespace
        self.root_tag = definition.xml_root
        self.findings: list[Finding] = []
        self.by_tag: dict[str, BlockDef] = {}
        for block in definition.blocks:
            self.by_tag[block.xml_container or block.xml_tag] = block

    def _local(self, element: etree._Element) -> str | None:
        """The local name of an element in our namespace; ``None`` for anything else."""
        if not isinstance(element.tag, str):
            return None
        name = etree.QName(element)
        return name.localname if name.namespace == self.ns else None

    def _problem(self, path: str, code: str, en: str, zh: str) -> None:
        self.findings.append(Finding(path, code, en, zh))

    def _unknown(self, path: str, element: etree._Element) -> None:
        tag = str(element.tag)[:100]
        self._problem(f"{path}/{etree.QName(element).localname[:64]}", "unknown_element",
                      f"Unknown element {tag}", f"未定义的元素 {tag}")  # fmt: skip

    def read(self, root: etree._Element) -> dict[str, Any]:
        document: dict[str, Any] = {}
        base = f"/{self.root_tag}"
        for child in root:
            local = self._local(child)
            block = self.by_tag.get(local or "")
            if not isinstance(child.tag, str):
                continue
            if block is None:
                self._unknown(base, child)
            elif block.repeated and block.xml_container:
                self._duplicate_check(document, block, f"{base}/{local}")
                document[block.name] = [
                    self._item(block, item, f"{base}/{local}/{block.xml_tag}[{n}]", document)
                    for n, item in enumerate(self._items(block, child, f"{base}/{local}"), 1)
                ]
            elif block.repeated:
                items = document.setdefault(block.name, [])
                items.append(
                    self._item(block, child, f"{base}/{local}[{len(items) + 1}]", document)
                )
            else:
                self._duplicate_check(document, block, f"{base}/{local}")
                item = self._item(block, child, f"{base}/{local}", document)
                if item or not any(f.at_root for f in block.fields):
                    document[block.name] = item
        return document

    def _duplicate_check(self, document: dict[str, Any], block: BlockDef, path: str) -> None:
        if block.name in document:
            self._problem(path, "duplicate_element", f"{path} occurs twice", f"{path} 重复出现")

    def _items(self, block: BlockDef, wrapper: etree._Element, path: str) -> list[etree._Element]:
        items = []
        for element in wrapper:
            if not isinstance(element.tag, str):
                continue
            if self._local(element) == block.xml_tag:
                items.append(element)
            else:
                self._unknown(path, element)
        return items

    def _item(
        self, block: BlockDef, element: etree._Element, path: str, document: dict[str, Any]
    ) -> dict[str, Any]:
        fields = {f.xml_tag: f for f in block.fields}
        item: dict[str, Any] = {}
        seen: set[str] = set()
        for child in element:
            if not isinstance(child.tag, str):
                continue
            local = self._local(child)
            f = fields.get(local or "")
            if f is None:
                self._unknown(path, child)
                continue
            at = f"{path}/{f.xml_tag}"
            if f.xml_tag in seen:
                self._problem(at, "duplicate_element", f"{at} occurs twice", f"{at} 重复出现")
                continue
            seen.add(f.xml_tag)
            if len(child):
                self._problem(at, "unexpected_children", f"{at} must contain text only",
                              f"{at} 只能包含文本")  # fmt: skip
                continue
            text = (child.text or "").strip()
            if text:
                (document if f.at_root else item)[f.name] = from_xml_text(f, text)
        return item
