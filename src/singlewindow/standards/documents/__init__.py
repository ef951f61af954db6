"""Document-type definitions: one definition per document drives every format (DESIGN §3.2)."""

from __future__ import annotations

from singlewindow.standards.documents.model import (
    BlockDef,
    ChargeRule,
    Condition,
    DocumentType,
    EnumValue,
    FieldDef,
    FieldType,
)
from singlewindow.standards.documents.registry import (
    UnknownDocumentType,
    document_types,
    get_document_type,
)

__all__ = [
    "BlockDef",
    "ChargeRule",
    "Condition",
    "DocumentType",
    "EnumValue",
    "FieldDef",
    "FieldType",
    "UnknownDocumentType",
    "document_types",
    "get_document_type",
]
