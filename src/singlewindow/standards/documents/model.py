"""The document-type definition model: pure data, no database, no web framework.

One ``DocumentType`` drives validation (``standards.rules``), JSON Schema
(``documents.jsonschema``), the data dictionary (``documents.dictionary``) and the
China customs XML mapping (``standards.xml``). Nothing about a field is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"  # canonical JSON YYYY-MM-DD, DecMessage YYYYMMDD
    DATETIME = "datetime"  # canonical JSON ISO 8601, DecMessage yyyyMMddHHmmss
    ENUM = "enum"


class Direction(StrEnum):
    """Which declarations may carry a field at all (import-only / export-only fields)."""

    BOTH = "both"
    IMPORT = "import"
    EXPORT = "export"


ALWAYS = "always"
IMPORT = "import"
EXPORT = "export"
NEVER = "never"
SIMPLE_REQUIRED = (ALWAYS, IMPORT, EXPORT, NEVER)


@dataclass(frozen=True, slots=True)
class EnumValue:
    code: str
    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Condition:
    """A named conditional requirement, as data.

    ``field`` is a path into the document: ``head.traf_mode`` (absolute, from the
    document root) or ``.second_qty`` (a sibling in the same block item). With ``values``
    the condition holds when the field's value is one of them; without, when the field
    is present (not null, not empty). ``unless_field`` (an absolute path) with
    ``unless_values`` makes an exception: the condition does not hold when that field's
    value is one of them (a manifest's cargo fields are not required in a delete message).
    """

    name: str
    field: str
    en: str
    zh: str
    values: tuple[str, ...] = ()
    unless_field: str = ""
    unless_values: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "field": self.field,
            "values": list(self.values),
            "en": self.en,
            "zh": self.zh,
        }
        if self.unless_field:
            out["unless_field"] = self.unless_field
            out["unless_values"] = list(self.unless_values)
        return out


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field. ``name`` is the canonical JSON key (snake_case of the XML tag)."""

    name: str
    label_zh: str
    label_en: str
    type: FieldType = FieldType.STRING
    xml_tag: str = ""
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    precision: int | None = None  # decimal: total significant digits
    scale: int | None = None  # decimal: digits after the point
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    required: str = NEVER  # always | import | export | never | name of a Condition
    direction: Direction = Direction.BOTH
    code_table: str | None = None
    enum: tuple[EnumValue, ...] = ()
    check: str | None = None  # named semantic check: uscc, customs_code, hs_code, container
    wco_id: str | None = None
    description: str = ""
    at_root: bool = False  # lives at the document root in JSON, inside the block in XML

    @property
    def enum_codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.enum)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "type": self.type.value,
            "xml_tag": self.xml_tag,
            "required": self.required,
            "direction": self.direction.value,
        }
        optional: dict[str, Any] = {
            "max_length": self.max_length,
            "min_length": self.min_length,
            "pattern": self.pattern,
            "precision": self.precision,
            "scale": self.scale,
            "minimum": None if self.minimum is None else str(self.minimum),
            "maximum": None if self.maximum is None else str(self.maximum),
            "code_table": self.code_table,
            "check": self.check,
            "wco_id": self.wco_id,
            "description": self.description or None,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.enum:
            out["enum"] = [{"code": v.code, "en": v.en, "zh": v.zh} for v in self.enum]
        if self.at_root:
            out["at_root"] = True
        return out


@dataclass(frozen=True, slots=True)
class BlockDef:
    """A group of fields. ``repeated`` blocks are JSON arrays, others JSON objects.

    XML: ``xml_container`` wraps the items (``DecLists``); ``xml_tag`` is one item
    (``DecList``). An unwrapped repeated block (``EdocRealation``) has no container.
    ``max_occurs`` ``None`` means unbounded; for the goods lines the validator's
    ``max_lines`` parameter replaces it.
    """

    name: str
    label_zh: str
    label_en: str
    xml_tag: str
    fields: tuple[FieldDef, ...]
    repeated: bool = False
    xml_container: str | None = None
    min_occurs: int = 0
    max_occurs: int | None = 1
    description: str = ""

    @property
    def json_fields(self) -> tuple[FieldDef, ...]:
        """Fields that live inside this block's JSON object (not hoisted to the root)."""
        return tuple(f for f in self.fields if not f.at_root)

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "xml_tag": self.xml_tag,
            "xml_container": self.xml_container,
            "repeated": self.repeated,
            "min_occurs": self.min_occurs,
            "max_occurs": self.max_occurs,
            "description": self.description,
            "fields": [f.as_dict() for f in self.json_fields],
        }


@dataclass(frozen=True, slots=True)
class ChargeRule:
    """Which charges a transaction method requires or forbids (freight, insurance)."""

    trans_mode: str
    ie_flag: str
    freight: str  # required | forbidden | optional
    insurance: str


@dataclass(frozen=True, slots=True)
class DocumentType:
    type: str
    version: str
    title_en: str
    title_zh: str
    blocks: tuple[BlockDef, ...]
    xml_namespace: str = ""
    xml_root: str = ""
    xml_version: str = ""
    conditions: tuple[Condition, ...] = ()
    charge_rules: tuple[ChargeRule, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def block(self, name: str) -> BlockDef:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)

    @property
    def root_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for b in self.blocks for f in b.fields if f.at_root)

    def condition(self, name: str) -> Condition:
        for c in self.conditions:
            if c.name == name:
                return c
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "version": self.version,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "description": self.description,
            "xml": {
                "namespace": self.xml_namespace,
                "root": self.xml_root,
                "version": self.xml_version,
            },
            "root_fields": [f.as_dict() for f in self.root_fields],
            "blocks": [b.as_dict() for b in self.blocks],
            "conditions": [c.as_dict() for c in self.conditions],
            "charge_rules": [
                {
                    "trans_mode": r.trans_mode,
                    "ie_flag": r.ie_flag,
                    "freight": r.freight,
                    "insurance": r.insurance,
                }
                for r in self.charge_rules
            ],
        }
