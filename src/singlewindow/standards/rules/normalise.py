"""The canonical form of a document: what is stored and what DecMessage parsing returns."""

from __future__ import annotations

from typing import Any

from singlewindow.standards.documents.model import BlockDef, FieldDef, FieldType
from singlewindow.standards.documents.registry import get_document_type
from singlewindow.standards.rules.transport import normalise_means
from singlewindow.standards.rules.values import as_decimal, as_integer, decimal_text, is_present


def normalise(doc_type: str, document: Any) -> Any:
    """Canonical JSON: decimals as plain-notation strings (``"1200.50"``, never floats),
    integers as ints, null and empty-string fields dropped, a sea vessel id written ``UN`` +
    IMO (manifest XML) reduced to the IMO number. Values that do not have
    their field's type, unknown keys and non-object input are returned untouched, so
    ``validate`` still reports them. Idempotent."""
    if not isinstance(document, dict):
        return document
    definition = get_document_type(doc_type)
    blocks = {b.name: b for b in definition.blocks}
    out: dict[str, Any] = {}
    root_fields = {f.name: f for f in definition.root_fields}
    for key, value in document.items():
        if key in root_fields:
            if is_present(value):
                out[key] = _value(root_fields[key], value)
        elif key in blocks:
            out[key] = _block(blocks[key], value)
        else:
            out[key] = value
    return normalise_means(doc_type, out)


def _block(block: BlockDef, value: Any) -> Any:
    if block.repeated:
        return [_item(block, item) for item in value] if isinstance(value, list) else value
    return _item(block, value)


def _item(block: BlockDef, item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    fields = {f.name: f for f in block.json_fields}
    return {
        key: _value(fields[key], value) if key in fields else value
        for key, value in item.items()
        if key not in fields or is_present(value)
    }


def _value(f: FieldDef, value: Any) -> Any:
    if f.type is FieldType.DECIMAL:
        number = as_decimal(value)
        return value if number is None else decimal_text(number)
    if f.type is FieldType.INTEGER:
        integer = as_integer(value)
        return value if integer is None else integer
    return value
