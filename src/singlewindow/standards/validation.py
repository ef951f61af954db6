"""Validation with the database's code tables: the one entry point API, CLI and workers use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.errors import Finding
from singlewindow.standards.codes.lookup import DbCodeLookup
from singlewindow.standards.rules import normalise, validate


def validate_document(
    session: Session, doc_type: str, document: Any, *, max_lines: int = 50
) -> list[Finding]:
    return validate(
        doc_type,
        document,
        codes=DbCodeLookup(session),
        today=clock.today_china(),
        max_lines=max_lines,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def canonical(doc_type: str, document: Any) -> Any:
    """The stored form: the standard's normalisation (decimals as exact strings, empty fields
    dropped), and any stray Decimal left in unknown fields made JSON-safe."""
    return _jsonable(normalise(doc_type, document))
