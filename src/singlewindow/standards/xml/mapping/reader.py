"""Reading: one message element -> (document, envelope values, findings at XPaths)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lxml import etree

from singlewindow.kit.errors import Finding
from singlewindow.standards.rules.values import is_present
from singlewindow.standards.xml.mapping.codecs import Unmappable
from singlewindow.standards.xml.mapping.table import Group, Leaf, Step, finding

XSI = "http://www.w3.org/2001/XMLSchema-instance"


class Reader:
    """Reads one message element into (document, envelope), collecting every problem."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.findings: list[Finding] = []
        self.document: dict[str, Any] = {}
        self.envelope: dict[str, str] = {}

    def problem(self, path: str, code: str, en: str, zh: str) -> None:
        self.findings.append(finding(path, code, en, zh))

    def read(self, root: etree._Element, table: Group, path: str) -> dict[str, Any]:
        self._group(root, table, path, self.document)
        return self.document

    def _group(
        self, element: etree._Element, group: Group, path: str, item: dict[str, Any]
    ) -> None:
        found: dict[Leaf, list[tuple[str, str]]] = defaultdict(list)
        nested: dict[Group, list[tuple[etree._Element, str]]] = defaultdict(list)
        if group.json:  # the root element's attributes belong to the format
            self._attributes(element, group.trie, path, found)
        if group.trie.leaf is not None:  # xpath ".": the element's own text
            found[group.trie.leaf].append(((element.text or "").strip(), path))
        elif has_text(element):
            self.problem(
                path,
                "mixed_content",
                f"{path} must contain elements only",
                f"{path} 只能包含子元素",
            )
        self._walk(element, group.trie, path, found, nested)
        for node in group.nodes:
            if isinstance(node, Leaf):
                self._leaf(node, found.get(node, []), f"{path}/{node.xpath}", item)
        for node in group.nodes:
            if isinstance(node, Group):
                self._items(node, nested.get(node, []), item)

    def _items(
        self, group: Group, elements: list[tuple[etree._Element, str]], parent: dict[str, Any]
    ) -> None:
        rows = self.document.setdefault(group.json, [])
        seen: set[Any] = set()
        for element, at in elements:
            row: dict[str, Any] = {}
            if group.inherit and is_present(parent.get(group.inherit)):
                row[group.inherit] = parent[group.inherit]
            self._group(element, group, at, row)
            if group.key and is_present(key := row.get(group.key)):
                if key in seen:
                    shown = f"{group.key} {str(key)[:40]!r}"
                    self.problem(at, "duplicate_key", f"{shown} occurs twice", f"{shown} 重复出现")
                seen.add(key)
            rows.append(row)
        if not rows:
            del self.document[group.json]

    def _leaf(self, leaf: Leaf, hits: list[tuple[str, str]], at: str, item: dict[str, Any]) -> None:
        texts = [text for text, _ in hits if text]
        if not texts:
            if leaf.required:
                self.problem(at, "missing_element", f"{at} is required", f"缺少必填元素 {at}")
            return
        text = " ".join(texts) if leaf.many else texts[0]
        where = hits[0][1]
        if leaf.envelope:
            self.envelope[leaf.json] = text
            return
        try:
            value = leaf.codec.decode(text, item)
        except Unmappable as exc:
            self.problem(where, exc.code, exc.en, exc.zh)
            return
        *objects, key = leaf.json.split("/")
        target = item
        for name in objects:
            target = target.setdefault(name, {})
        if key in target and target[key] != value:
            given, known = repr(text[:40]), repr(target[key])[:60]
            self.problem(
                where,
                "inconsistent_value",
                f"{where} {given} contradicts {known}",
                f"{where} 的值 {given} 与 {known} 矛盾",
            )
            return
        target[key] = value

    def _walk(
        self,
        element: etree._Element,
        step: Step,
        path: str,
        found: dict[Leaf, list[tuple[str, str]]],
        nested: dict[Group, list[tuple[etree._Element, str]]],
    ) -> None:
        counts: dict[str, int] = defaultdict(int)
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions
            name = etree.QName(child)
            sub = step.children.get(name.localname) if name.namespace == self.ns else None
            local = name.localname[:64]
            if sub is None:
                tag = str(child.tag)[:100]
                self.problem(
                    f"{path}/{local}",
                    "unknown_element",
                    f"Unknown element {tag}",
                    f"未定义的元素 {tag}",
                )
                continue
            counts[local] += 1
            if sub.group is not None:
                nested[sub.group].append((child, f"{path}/{local}[{len(nested[sub.group]) + 1}]"))
                continue
            many = sub.leaf is not None and sub.leaf.many
            at = f"{path}/{local}[{counts[local]}]" if many else f"{path}/{local}"
            if counts[local] > 1 and not many:
                self.problem(at, "duplicate_element", f"{at} occurs twice", f"{at} 重复出现")
                continue
            self._attributes(child, sub, at, found)
            if sub.leaf is not None:
                if len(child):
                    self.problem(
                        at,
                        "unexpected_children",
                        f"{at} must contain text only",
                        f"{at} 只能包含文本",
                    )
                else:
                    found[sub.leaf].append(((child.text or "").strip(), at))
            else:
                if has_text(child):
                    self.problem(
                        at,
                        "mixed_content",
                        f"{at} must contain elements only",
                        f"{at} 只能包含子元素",
                    )
                self._walk(child, sub, at, found, nested)

    def _attributes(
        self,
        element: etree._Element,
        step: Step,
        at: str,
        found: dict[Leaf, list[tuple[str, str]]],
    ) -> None:
        for name, value in element.attrib.items():
            leaf = step.attrs.get(str(name))
            if leaf is None:
                self.problem(
                    f"{at}/@{str(name)[:64]}",
                    "unknown_attribute",
                    f"Unknown attribute {str(name)[:100]} on {at}",
                    f"{at} 上有未定义的属性 {str(name)[:100]}",
                )
            else:
                found[leaf].append((str(value).strip(), f"{at}/@{name}"))


def has_text(element: etree._Element) -> bool:
    """Non-blank text between the child elements (mixed content)."""
    if (element.text or "").strip():
        return True
    return any((child.tail or "").strip() for child in element)


def check_root_attributes(
    reader: Reader, root: etree._Element, path: str, allowed: frozenset[str]
) -> None:
    """Root attributes other than ``allowed`` and ``xsi:*`` (schemaLocation) are refused."""
    for name in root.attrib:
        text = str(name)
        if text not in allowed and not text.startswith(f"{{{XSI}}}"):
            reader.problem(
                f"{path}/@{text[:64]}",
                "unknown_attribute",
                f"Unknown attribute {text[:100]} on {path}",
                f"{path} 上有未定义的属性 {text[:100]}",
            )
