"""What every rule sees: the definition, the document, code tables, the date, the limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.model import DocumentType, FieldDef

if TYPE_CHECKING:
    from singlewindow.standards.codes.lookup import CodeLookup


@dataclass(frozen=True, slots=True)
class Context:
    definition: DocumentType
    document: dict[str, Any]
    codes: CodeLookup
    today: date
    max_lines: int

    @property
    def ie_flag(self) -> str | None:
        head = self.document.get("head")
        flag = head.get("ie_flag") if isinstance(head, dict) else None
        return flag if flag in ("I", "E") else None


def field_finding(path: str, code: str, f: FieldDef, en: str, zh: str) -> Finding:
    """A finding about one field; both messages name the field by its label."""
    return Finding(
        path=path,
        code=code,
        message=f"{f.label_en} ({f.name}): {en}",
        message_zh=f"{f.label_zh}：{zh}",
    )


def finding(path: str, code: str, en: str, zh: str) -> Finding:
    return Finding(path=path, code=code, message=en, message_zh=zh)
