"""A document definition turned into form controls, with the values and findings bound.

Everything about a field (label, type, length, required rule, code table, choices) is read
from ``standards.documents``: the portal keeps no second copy of the fields. A control's
name is its place in the canonical JSON with dots (``head.net_wt``, ``lines.3.g_no``,
``client_ref``), so a finding's JSON pointer names the control it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.model import (
    ALWAYS,
    EXPORT,
    IMPORT,
    NEVER,
    BlockDef,
    Direction,
    DocumentType,
    FieldDef,
    FieldType,
)
from singlewindow.web.forms.layout import groups_for


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Requirement:
    """How a field is required: ``always`` (marked *), ``import``/``export`` (marked with the
    direction), ``condition`` (the condition's text) or ``never``."""

    kind: str
    zh: str = ""
    en: str = ""


@dataclass(slots=True)
class BoundField:
    definition: FieldDef
    name: str  # the control's name: the JSON place with dots
    id: str  # the control's id
    value: str
    requirement: Requirement
    errors: list[Finding] = field(default_factory=list)

    @property
    def label_zh(self) -> str:
        return self.definition.label_zh

    @property
    def label_en(self) -> str:
        return self.definition.label_en

    @property
    def control(self) -> str:
        """select | picker | date | integer | decimal | text"""
        d = self.definition
        if d.type is FieldType.ENUM:
            return "select"
        if d.code_table:
            return "picker"
        if d.type is FieldType.DATE:
            return "date"
        if d.type is FieldType.INTEGER:
            return "integer"
        if d.type is FieldType.DECIMAL:
            return "decimal"
        return "text"

    @property
    def options(self) -> list[Option]:
        return [Option(v.code, v.zh, v.en) for v in self.definition.enum]

    @property
    def maxlength(self) -> int | None:
        return self.definition.max_length

    @property
    def minlength(self) -> int | None:
        return self.definition.min_length

    @property
    def code_table(self) -> str | None:
        return self.definition.code_table

    @property
    def direction(self) -> str:
        return self.definition.direction.value

    @property
    def invalid(self) -> bool:
        return bool(self.errors)

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def has_hint(self) -> bool:
        return self.requirement.kind in ("import", "export", "condition") or (
            self.definition.direction is not Direction.BOTH
        )


@dataclass(slots=True)
class FieldGroup:
    key: str  # catalogue key of the group's heading ("" for none)
    fields: list[BoundField]
    collapsed: bool = False  # shown inside <details> (opened when a field has a value/error)

    @property
    def open(self) -> bool:
        return any(f.value or f.errors for f in self.fields)


@dataclass(slots=True)
class BoundItem:
    """One item of a repeated block (a goods line, a container …)."""

    index: int  # the index in the control names (stable while the form is edited)
    position: int  # 1-based place in the document
    groups: list[FieldGroup]
    errors: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class BoundBlock:
    definition: BlockDef
    groups: list[FieldGroup] = field(default_factory=list)  # a single block
    items: list[BoundItem] = field(default_factory=list)  # a repeated block
    errors: list[Finding] = field(default_factory=list)
    max_items: int | None = None

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def repeated(self) -> bool:
        return self.definition.repeated

    @property
    def next_index(self) -> int:
        return max((i.index for i in self.items), default=-1) + 1

    @property
    def full(self) -> bool:
        return self.max_items is not None and len(self.items) >= self.max_items

    @property
    def invalid(self) -> bool:
        return bool(self.errors) or any(
            i.errors or any(f.errors for g in i.groups for f in g.fields) for i in self.items
        )


def requirement(definition: DocumentType, f: FieldDef) -> Requirement:
    if f.required == ALWAYS:
        return Requirement("always")
    if f.required == IMPORT:
        return Requirement("import", "进口申报必填", "required on import")
    if f.required == EXPORT:
        return Requirement("export", "出口申报必填", "required on export")
    if f.required == NEVER:
        return Requirement("never")
    try:
        condition = definition.condition(f.required)
    except KeyError:
        return Requirement("never")
    return Requirement("condition", condition.zh, condition.en)


def control_name(block: BlockDef, f: FieldDef, index: int | None = None) -> str:
    if f.at_root:
        return f.name
    if index is None:
        return f"{block.name}.{f.name}"
    return f"{block.name}.{index}.{f.name}"


def control_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


def _bind(
    definition: DocumentType,
    block: BlockDef,
    f: FieldDef,
    index: int | None,
    values: Mapping[str, str],
    errors: Mapping[str, list[Finding]],
) -> BoundField:
    name = control_name(block, f, index)
    return BoundField(
        definition=f,
        name=name,
        id=control_id(name),
        value=values.get(name, ""),
        requirement=requirement(definition, f),
        errors=list(errors.get(name, ())),
    )


def _groups(
    definition: DocumentType,
    block: BlockDef,
    index: int | None,
    values: Mapping[str, str],
    errors: Mapping[str, list[Finding]],
) -> list[FieldGroup]:
    return [
        FieldGroup(key, [_bind(definition, block, f, index, values, errors) for f in fields], hide)
        for key, fields, hide in groups_for(definition, block)
    ]


def bind_form(
    definition: DocumentType,
    values: Mapping[str, str],
    indices: Mapping[str, Sequence[int]],
    errors: Mapping[str, list[Finding]],
    *,
    max_lines: int = 50,
) -> list[BoundBlock]:
    """Every block of ``definition`` as controls holding ``values`` with their ``errors``
    (keyed by control name, or by block / item place for findings about a whole item)."""
    blocks: list[BoundBlock] = []
    for block in definition.blocks:
        bound = BoundBlock(block, errors=list(errors.get(block.name, ())))
        if block.repeated:
            bound.max_items = max_lines if block.name == "lines" else block.max_occurs
            for position, index in enumerate(indices.get(block.name, ()), start=1):
                bound.items.append(
                    BoundItem(
                        index=index,
                        position=position,
                        groups=_groups(definition, block, index, values, errors),
                        errors=list(errors.get(f"{block.name}.{index}", ())),
                    )
                )
        else:
            bound.groups = _groups(definition, block, None, values, errors)
        blocks.append(bound)
    return blocks


def required_fields(definition: DocumentType) -> list[tuple[BlockDef, FieldDef]]:
    """The fields a valid document needs always (tests compare the form with these)."""
    return [(b, f) for b in definition.blocks for f in b.fields if f.required == ALWAYS]
