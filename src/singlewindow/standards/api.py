"""Published document types: ``/api/v1/standards/document-types`` (definition, JSON Schema,
data dictionary). Read-only and database-free: definitions ship with the code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from singlewindow.standards.documents import document_types, get_document_type
from singlewindow.standards.documents.dictionary import data_dictionary
from singlewindow.standards.documents.jsonschema import json_schema

router = APIRouter(prefix="/api/v1/standards", tags=["standards"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown document type (error shape, bilingual)"}
}


class DocumentTypeSummary(BaseModel):
    type: str
    version: str
    title_en: str
    title_zh: str
    schema_url: str
    dictionary_url: str


class SchemaResponse(JSONResponse):
    media_type = "application/schema+json"


@router.get("/document-types", response_model=list[DocumentTypeSummary])
def list_document_types() -> list[DocumentTypeSummary]:
    """Every published document type with its version and titles."""
    base = "/api/v1/standards/document-types"
    return [
        DocumentTypeSummary(
            type=d.type,
            version=d.version,
            title_en=d.title_en,
            title_zh=d.title_zh,
            schema_url=f"{base}/{d.type}/schema",
            dictionary_url=f"{base}/{d.type}/dictionary",
        )
        for d in document_types()
    ]


@router.get("/document-types/{doc_type}", responses=_NOT_FOUND)
def get_definition(doc_type: str) -> dict[str, Any]:
    """The definition: blocks and fields with zh/en labels, types, lengths, required rules,
    code tables, XML tags, conditions and the freight/insurance table."""
    return get_document_type(doc_type).as_dict()


@router.get(
    "/document-types/{doc_type}/schema",
    response_class=SchemaResponse,
    responses={200: {"content": {"application/schema+json": {}}}, **_NOT_FOUND},
)
def get_schema(doc_type: str) -> SchemaResponse:
    """JSON Schema (draft 2020-12) of the canonical JSON form."""
    return SchemaResponse(json_schema(doc_type))


@router.get(
    "/document-types/{doc_type}/dictionary",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/markdown": {}}}, **_NOT_FOUND},
)
def get_dictionary(doc_type: str) -> PlainTextResponse:
    """The data dictionary in Markdown."""
    return PlainTextResponse(data_dictionary(doc_type), media_type="text/markdown; charset=utf-8")
