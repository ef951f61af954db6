"""The registry of document types the platform publishes and validates."""

from __future__ import annotations

from singlewindow.kit.errors import NotFound
from singlewindow.standards.documents.goods_declaration import GOODS_DECLARATION
from singlewindow.standards.documents.model import DocumentType
from singlewindow.standards.documents.transport import TRANSPORT_TYPES

_REGISTRY: dict[str, DocumentType] = {d.type: d for d in (GOODS_DECLARATION, *TRANSPORT_TYPES)}


class UnknownDocumentType(NotFound):
    default_code = "unknown_document_type"


def document_types() -> list[DocumentType]:
    return list(_REGISTRY.values())


def get_document_type(doc_type: str) -> DocumentType:
    """The definition of ``doc_type``; ``UnknownDocumentType`` (404) when there is none."""
    try:
        return _REGISTRY[doc_type]
    except KeyError:
        raise UnknownDocumentType(
            f"Unknown document type: {doc_type}", f"未知的单证类型：{doc_type}"
        ) from None
