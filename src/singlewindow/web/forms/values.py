"""Between the posted form and the canonical JSON document, and findings back to controls.

Control names are JSON places with dots: ``client_ref``, ``head.net_wt``, ``lines.3.g_no``.
A repeated block's items keep their form index while the form is edited (removing line 2 of
3 leaves indices 0 and 2); the document lists them in index order. Each item also posts a
marker ``<block>.<index>.__item`` so a new, still empty item survives a round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.model import DocumentType

MARKER = "__item"


@dataclass(slots=True)
class FormState:
    """What the form holds: control values and the item indices of each repeated block."""

    values: dict[str, str] = field(default_factory=dict)
    indices: dict[str, list[int]] = field(default_factory=dict)

    def add_item(self, block: str) -> int:
        items = self.indices.setdefault(block, [])
        index = max(items, default=-1) + 1
        items.append(index)
        return index

    def remove_item(self, block: str, index: int) -> None:
        items = self.indices.get(block, [])
        if index in items:
            items.remove(index)
        prefix = f"{block}.{index}."
        for name in [n for n in self.values if n.startswith(prefix)]:
            del self.values[name]


def parse_form(definition: DocumentType, form: Iterable[tuple[str, Any]]) -> FormState:
    """The controls of ``definition`` from posted pairs (other keys are ignored)."""
    blocks = {b.name: b for b in definition.blocks}
    roots = {f.name for f in definition.root_fields}
    state = FormState()
    for key, raw in form:
        if not isinstance(raw, str):
            continue
        value = raw.strip()
        parts = key.split(".")
        if len(parts) == 1 and key in roots:
            state.values[key] = value
            continue
        block = blocks.get(parts[0])
        if block is None:
            continue
        if block.repeated and len(parts) == 3 and parts[1].isdigit() and len(parts[1]) < 4:
            index = int(parts[1])
            items = state.indices.setdefault(block.name, [])
            if index not in items:
                items.append(index)
            if parts[2] != MARKER:
                state.values[key] = value
        elif not block.repeated and len(parts) == 2:
            state.values[key] = value
    for items in state.indices.values():
        items.sort()
    return state


def to_document(definition: DocumentType, state: FormState) -> dict[str, Any]:
    """The canonical-JSON shape of the form (empty controls left out; values as typed, the
    standard's normalisation turns numbers into their canonical form)."""
    doc: dict[str, Any] = {}
    for f in definition.root_fields:
        if state.values.get(f.name):
            doc[f.name] = state.values[f.name]
    for block in definition.blocks:
        names = [f.name for f in block.json_fields]
        if block.repeated:
            items = []
            for index in state.indices.get(block.name, []):
                item = {
                    n: state.values[f"{block.name}.{index}.{n}"]
                    for n in names
                    if state.values.get(f"{block.name}.{index}.{n}")
                }
                items.append(item)
            if items:
                doc[block.name] = items
        else:
            part = {
                n: state.values[f"{block.name}.{n}"]
                for n in names
                if state.values.get(f"{block.name}.{n}")
            }
            if part or block.min_occurs:
                doc[block.name] = part
    return doc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def from_document(definition: DocumentType, document: Mapping[str, Any]) -> FormState:
    """The form holding a stored (or pre-filled) document."""
    state = FormState()
    for f in definition.root_fields:
        if f.name in document:
            state.values[f.name] = _text(document[f.name])
    for block in definition.blocks:
        part = document.get(block.name)
        names = {f.name for f in block.json_fields}
        if block.repeated and isinstance(part, list):
            for index, item in enumerate(part):
                state.indices.setdefault(block.name, []).append(index)
                if isinstance(item, dict):
                    for k, v in item.items():
                        if k in names:
                            state.values[f"{block.name}.{index}.{k}"] = _text(v)
        elif not block.repeated and isinstance(part, dict):
            for k, v in part.items():
                if k in names:
                    state.values[f"{block.name}.{k}"] = _text(v)
    return state


def place_of(definition: DocumentType, state: FormState, path: str) -> str:
    """The control (or block / item) a finding's JSON pointer names, in form terms: the
    document's n-th item is the form's n-th index. "" when it names none of them."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.strip("/").split("/")]
    if not parts or not parts[0]:
        return ""
    blocks = {b.name: b for b in definition.blocks}
    if len(parts) == 1 and parts[0] in {f.name for f in definition.root_fields}:
        return parts[0]
    block = blocks.get(parts[0])
    if block is None:
        return ""
    if not block.repeated:
        return ".".join(parts[:2])
    if len(parts) == 1:
        return block.name
    if not parts[1].isdigit():
        return block.name
    items = state.indices.get(block.name, [])
    position = int(parts[1])
    if position >= len(items):
        return block.name
    index = items[position]
    if len(parts) == 2:
        return f"{block.name}.{index}"
    return f"{block.name}.{index}.{parts[2]}"


def errors_by_place(
    definition: DocumentType, state: FormState, findings: Iterable[Finding]
) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(place_of(definition, state, f.path), []).append(f)
    return out
