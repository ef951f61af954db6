"""Pure validation of documents against their definitions.

``validate`` imports neither SQLAlchemy nor FastAPI: the API, the CLI, workers and
federation replay run exactly the same checks, with the code tables passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.registry import get_document_type
from singlewindow.standards.rules import goods_declaration, transport
from singlewindow.standards.rules.context import Context, finding
from singlewindow.standards.rules.normalise import normalise
from singlewindow.standards.rules.structure import check_document

if TYPE_CHECKING:
    from singlewindow.standards.codes.lookup import CodeLookup

_CROSS_FIELD: dict[str, Sequence[Callable[[Context], list[Finding]]]] = {
    "goods_declaration": goods_declaration.RULES,
    **transport.RULES,
}


def validate(
    doc_type: str, document: Any, *, codes: CodeLookup, today: date, max_lines: int = 50
) -> list[Finding]:
    """Every finding about ``document`` at once (empty list: valid).

    ``today`` is the declaration date (China local date): code tables are checked as valid
    on it and import dates may not be after it. ``max_lines`` is the platform setting.
    Raises only ``UnknownDocumentType`` (404) for an unknown ``doc_type``.
    """
    definition = get_document_type(doc_type)
    if not isinstance(document, dict):
        return [
            finding(
                "",
                "type",
                f"A {definition.title_en.lower()} must be a JSON object",
                f"{definition.title_zh}应为 JSON 对象",
            )
        ]
    ctx = Context(definition, document, codes, today, max_lines)
    findings = check_document(ctx)
    for rule in _CROSS_FIELD.get(doc_type, ()):
        findings += rule(ctx)
    return findings


__all__ = ["normalise", "validate"]
