"""Writing: a canonical document -> elements under a message root, findings at JSON
pointers for what cannot be written faithfully."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from lxml import etree

from singlewindow.kit.errors import Finding
from singlewindow.standards.rules.values import is_present, pointer
from singlewindow.standards.xml.mapping.codecs import NOT_XML, Unmappable
from singlewindow.standards.xml.mapping.table import (
    Group,
    Leaf,
    finding,
    groups,
    lookup,
    split_xpath,
)

Ensure = Callable[[list[str]], etree._Element]


class Writer:
    """Writes a canonical document into a root element, collecting every problem as a
    finding at its JSON pointer."""

    def __init__(self, namespace: str, document: dict[str, Any], envelope: dict[str, str]):
        self.ns = namespace
        self.document = document
        self.envelope = envelope
        self.findings: list[Finding] = []
        self.used: dict[str, set[int]] = defaultdict(set)

    def problem(self, path: str, code: str, en: str, zh: str) -> None:
        self.findings.append(finding(path, code, en, zh))

    def write(self, root: etree._Element, table: Group) -> None:
        self._unknown_keys(self.document, _known(table, top=True), "")
        self._shapes(table)
        self._group(root, table, self.document, "")
        for group in groups(table):
            rows = self.document.get(group.json)
            if group.inherit is None or not isinstance(rows, list):
                continue
            for index, row in enumerate(rows):
                if index not in self.used[group.json] and isinstance(row, dict):
                    at = pointer(group.json, index, group.inherit)
                    value = str(row.get(group.inherit))[:40]
                    shown = f"{group.inherit} {value!r}"
                    self.problem(
                        at,
                        "unknown_parent",
                        f"{shown} names no item of this message",
                        f"{shown} 不在本报文中",
                    )

    def _shapes(self, table: Group) -> None:
        for group in groups(table):
            rows = self.document.get(group.json)
            if rows is None:
                continue
            if not isinstance(rows, list):
                self.problem(
                    pointer(group.json),
                    "type",
                    f"{group.json} must be an array",
                    f"{group.json} 应为数组",
                )
                continue
            for index, row in enumerate(rows):
                if not isinstance(row, dict):
                    self.problem(
                        pointer(group.json, index),
                        "type",
                        f"{group.json} items must be objects",
                        f"{group.json} 的每一项应为对象",
                    )

    def _unknown_keys(self, item: dict[str, Any], known: dict[str, set[str]], at: str) -> None:
        for key, value in item.items():
            here = at + pointer(str(key))
            if key not in known:
                self.problem(
                    here,
                    "unknown_field",
                    f"Unknown field {str(key)[:64]!r}",
                    f"未定义的字段 {str(key)[:64]!r}",
                )
            elif known[key] and isinstance(value, dict):
                self._unknown_keys(value, {k: set() for k in known[key]}, here)
            elif known[key] and is_present(value):
                self.problem(here, "type", f"{key} must be an object", f"{key} 应为对象")

    def _group(self, element: etree._Element, group: Group, item: dict[str, Any], at: str) -> None:
        made: dict[str, etree._Element] = {}

        def ensure(steps: list[str]) -> etree._Element:
            parent = element
            for depth in range(1, len(steps) + 1):
                key = "/".join(steps[:depth])
                if key not in made:
                    made[key] = etree.SubElement(parent, etree.QName(self.ns, steps[depth - 1]))
                parent = made[key]
            return parent

        for node in group.nodes:
            if isinstance(node, Group):
                self._nested(node, item, at, ensure)
            else:
                self._leaf(node, item, at, ensure)

    def _leaf(self, leaf: Leaf, item: dict[str, Any], at: str, ensure: Ensure) -> None:
        scope: dict[str, Any] = self.envelope if leaf.envelope else item
        value = lookup(scope, leaf.json)
        where = at + pointer(*leaf.json.split("/"))
        if not is_present(value):
            if leaf.required and not leaf.envelope:
                self.problem(
                    where,
                    "required",
                    f"{leaf.json} is required to write the message",
                    f"生成报文需要 {leaf.json}",
                )
            return
        if isinstance(value, dict | list | bool):
            self.problem(
                where, "type", f"{leaf.json} must be a single value", f"{leaf.json} 应为单个值"
            )
            return
        try:
            text = leaf.codec.encode(value, scope)
        except Unmappable as exc:
            self.problem(where, exc.code, exc.en, exc.zh)
            return
        if NOT_XML.search(text):
            self.problem(
                where,
                "not_xml_text",
                f"{leaf.json} holds characters XML cannot carry",
                f"{leaf.json} 含有 XML 不允许的字符",
            )
            return
        steps, attr = split_xpath(leaf.xpath)
        if attr is not None:
            ensure(steps).set(attr, text)
        elif leaf.many:
            parent = ensure(steps[:-1])
            for token in text.split():
                etree.SubElement(parent, etree.QName(self.ns, steps[-1])).text = token
        else:
            ensure(steps).text = text

    def _nested(self, group: Group, parent: dict[str, Any], at: str, ensure: Ensure) -> None:
        rows = self.document.get(group.json)
        if not isinstance(rows, list):
            return  # absent, or reported by ``_shapes``
        key = parent.get(group.inherit) if group.inherit else None
        if group.inherit and not is_present(key):
            return
        steps, _ = split_xpath(group.xpath)
        known = _known(group)
        keys: set[Any] = set()
        for index, row in enumerate(rows):
            here = pointer(group.json, index)
            if not isinstance(row, dict):
                continue  # reported by ``_shapes``
            if group.inherit and row.get(group.inherit) != key:
                continue
            self.used[group.json].add(index)
            self._unknown_keys(row, known, here)
            own = row.get(group.key) if group.key else None
            if group.key and isinstance(own, str | int) and is_present(own):  # else: "type"
                if own in keys:
                    shown = f"{group.key} {str(own)[:40]!r}"
                    where = here + pointer(group.key)
                    self.problem(
                        where, "duplicate_key", f"{shown} occurs twice", f"{shown} 重复出现"
                    )
                keys.add(own)
            element = etree.SubElement(ensure(steps[:-1]), etree.QName(self.ns, steps[-1]))
            self._group(element, group, row, here)


def _known(group: Group, *, top: bool = False) -> dict[str, set[str]]:
    """The keys a JSON object of ``group`` may carry -> the keys of their nested objects."""
    known: dict[str, set[str]] = {}
    for node in group.nodes:
        if isinstance(node, Leaf) and not node.envelope:
            first, *rest = node.json.split("/")
            known.setdefault(first, set()).update(rest[:1])
    if group.inherit:
        known.setdefault(group.inherit, set())
    if top:
        for g in groups(group):
            known.setdefault(g.json, set())
    return known
