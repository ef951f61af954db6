"""JSON Schema (draft 2020-12) generated from a document-type definition.

It mirrors ``standards.rules``' structural rules: types, lengths, patterns, enumerations,
occurrences, required-always fields, and the import/export and named conditions (as
``if``/``then`` and ``dependentRequired``). Code-table membership, check digits and
cross-field arithmetic cannot be expressed; they are named by ``x-code-table`` and
``x-check``, and the API's validation reports them.
"""

from __future__ import annotations

from typing import Any

from singlewindow.standards.documents.model import (
    ALWAYS,
    EXPORT,
    IMPORT,
    BlockDef,
    Condition,
    Direction,
    DocumentType,
    FieldDef,
    FieldType,
)
from singlewindow.standards.documents.registry import get_document_type

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
INTEGER_PATTERN = r"^[+-]?\d{1,30}$"


def json_schema(doc_type: str) -> dict[str, Any]:
    definition = get_document_type(doc_type)
    properties: dict[str, Any] = {f.name: field_schema(f) for f in definition.root_fields}
    properties.update({b.name: _block_schema(b, definition) for b in definition.blocks})
    required = [f.name for f in definition.root_fields if f.required == ALWAYS]
    required += [b.name for b in definition.blocks if b.min_occurs > 0]
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"urn:singlewindow:document-type:{definition.type}:{definition.version}",
        "title": definition.title_en,
        "description": f"{definition.title_zh} — {definition.description}",
        "x-label-zh": definition.title_zh,
        "x-document-type": definition.type,
        "x-version": definition.version,
        "x-xml-namespace": definition.xml_namespace,
        "x-xml-tag": definition.xml_root,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    rules = _direction_rules(definition) + _condition_rules(definition)
    if rules:  # an empty allOf is not a valid schema
        schema["allOf"] = rules
    return schema


def field_schema(f: FieldDef) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": f.label_en,
        "description": f"{f.label_zh}" + (f" — {f.description}" if f.description else ""),
        "x-label-zh": f.label_zh,
        "x-xml-tag": f.xml_tag,
        "x-required": f.required,
    }
    if f.type is FieldType.STRING:
        out["type"] = "string"
    elif f.type is FieldType.ENUM:
        out["type"] = "string"
        out["enum"] = list(f.enum_codes)
        out["x-enum"] = [{"code": v.code, "en": v.en, "zh": v.zh} for v in f.enum]
    elif f.type is FieldType.DATE:
        out |= {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    elif f.type is FieldType.DATETIME:
        out |= {"type": "string", "format": "date-time"}
    elif f.type is FieldType.INTEGER:
        # JSON integers, or digit strings (what XML-sourced values look like).
        out |= {"type": ["integer", "string"], "pattern": INTEGER_PATTERN}
    else:
        # Numbers or numeric strings; read as Decimal, never float.
        out |= {"type": ["number", "string"], "pattern": DECIMAL_PATTERN}
        out["x-precision"], out["x-scale"] = f.precision, f.scale
    if f.type in (FieldType.STRING, FieldType.ENUM):
        if f.max_length is not None:
            out["maxLength"] = f.max_length
        if f.min_length is not None:
            out["minLength"] = f.min_length
        if f.pattern:
            out["pattern"] = f.pattern
    if f.minimum is not None:
        out["minimum"] = (
            int(f.minimum) if f.minimum == f.minimum.to_integral() else float(f.minimum)
        )
    if f.maximum is not None:
        out["maximum"] = (
            int(f.maximum) if f.maximum == f.maximum.to_integral() else float(f.maximum)
        )
    extras = {"x-code-table": f.code_table, "x-check": f.check, "x-wco-id": f.wco_id}
    out.update({k: v for k, v in extras.items() if v is not None})
    if f.direction is not Direction.BOTH:
        out["x-direction"] = f.direction.value
    return out


def _object_schema(block: BlockDef) -> dict[str, Any]:
    fields = block.json_fields
    out: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: field_schema(f) for f in fields},
        "required": [f.name for f in fields if f.required == ALWAYS],
        "additionalProperties": False,
    }
    return out


def _block_schema(block: BlockDef, definition: DocumentType) -> dict[str, Any]:
    labels = {
        "title": block.label_en,
        "description": block.label_zh + (f" — {block.description}" if block.description else ""),
        "x-label-zh": block.label_zh,
        "x-xml-tag": block.xml_tag,
    }
    item = _object_schema(block)
    dependent = _sibling_dependencies(block, definition)
    if dependent:
        item["dependentRequired"] = dependent
    if not block.repeated:
        return labels | item
    array: dict[str, Any] = labels | {"type": "array", "items": item, "minItems": block.min_occurs}
    if block.xml_container:
        array["x-xml-container"] = block.xml_container
    if block.max_occurs is not None:
        array["maxItems"] = block.max_occurs
    if block.name == "lines":
        array["x-max-items-setting"] = "max_lines"
    return array


def _sibling_dependencies(block: BlockDef, definition: DocumentType) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in block.json_fields:
        if f.required in (ALWAYS, IMPORT, EXPORT, "never"):
            continue
        condition = definition.condition(f.required)
        if condition.field.startswith(".") and not condition.values:
            out.setdefault(condition.field[1:], []).append(f.name)
    return out


def _head_is(flag: str) -> dict[str, Any]:
    head = {"properties": {"ie_flag": {"const": flag}}, "required": ["ie_flag"]}
    return {"properties": {"head": head}, "required": ["head"]}


def _block_constraint(block: BlockDef, constraint: dict[str, Any]) -> dict[str, Any]:
    return {"items": constraint} if block.repeated else constraint


def _direction_rules(definition: DocumentType) -> list[dict[str, Any]]:
    fields = [f for b in definition.blocks for f in b.json_fields]
    if not any(f.required in (IMPORT, EXPORT) or f.direction is not Direction.BOTH for f in fields):
        return []  # a document without import/export-bound fields (transport documents)
    rules = []
    for flag, rule, other in (("I", IMPORT, Direction.EXPORT), ("E", EXPORT, Direction.IMPORT)):
        then: dict[str, Any] = {"properties": {}}
        for block in definition.blocks:
            needed = [f.name for f in block.json_fields if f.required == rule]
            banned = {f.name: False for f in block.json_fields if f.direction is other}
            constraint: dict[str, Any] = {}
            if needed:
                constraint["required"] = needed
            if banned:
                constraint["properties"] = banned
            if constraint:
                then["properties"][block.name] = _block_constraint(block, constraint)
        rules.append({"if": _head_is(flag), "then": then})
    return rules


def _condition_rules(definition: DocumentType) -> list[dict[str, Any]]:
    rules = []
    for condition in definition.conditions:
        if condition.field.startswith(".") or not condition.values:
            continue
        then = _condition_then(condition, definition)
        if not then:
            continue
        holds = _path_in(condition.field, condition.values)
        if condition.unless_field:
            unless = _path_in(condition.unless_field, condition.unless_values)
            holds = {"allOf": [holds, {"not": unless}]}
        rules.append({"if": holds, "then": then})
    return rules


def _path_in(field: str, values: tuple[str, ...]) -> dict[str, Any]:
    *parents, leaf = field.split(".")
    schema: dict[str, Any] = {
        "properties": {leaf: {"enum": list(values)}},
        "required": [leaf],
    }
    for parent in reversed(parents):
        schema = {"properties": {parent: schema}, "required": [parent]}
    return schema


def _condition_then(condition: Condition, definition: DocumentType) -> dict[str, Any]:
    then: dict[str, Any] = {"properties": {}, "required": []}
    for block in definition.blocks:
        needed = [f.name for f in block.json_fields if f.required == condition.name]
        if not needed:
            continue
        then["properties"][block.name] = _block_constraint(block, {"required": needed})
        if not block.repeated:
            then["required"].append(block.name)
    return then if then["properties"] else {}
