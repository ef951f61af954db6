"""Errors carry their HTTP status and a bilingual message.

One handler (``kit.http``) renders every ``SingleWindowError`` into the error shape of
DESIGN.md §6: ``{"error": {"code", "message", "message_zh", "findings": [...]}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation finding: where, what (stable code), and why in both languages."""

    path: str
    code: str
    message: str
    message_zh: str
    severity: str = "error"

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "severity": self.severity,
        }


@dataclass
class SingleWindowError(Exception):
    """Base error. Subclasses set ``status`` and a default ``code``."""

    message: str
    message_zh: str
    code: str = ""
    findings: list[Finding] = field(default_factory=list)
    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __post_init__(self) -> None:
        if not self.code:
            self.code = self.default_code
        Exception.__init__(self, self.message)

    def as_body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "message_zh": self.message_zh,
                "findings": [f.as_dict() for f in self.findings],
            }
        }


class BadRequest(SingleWindowError):
    status = 400
    default_code = "bad_request"


class ValidationFailed(SingleWindowError):
    status = 422
    default_code = "validation_failed"


class Unauthenticated(SingleWindowError):
    status = 401
    default_code = "unauthenticated"


class Forbidden(SingleWindowError):
    status = 403
    default_code = "forbidden"


class NotFound(SingleWindowError):
    status = 404
    default_code = "not_found"


class Conflict(SingleWindowError):
    status = 409
    default_code = "conflict"


class IllegalTransition(Conflict):
    default_code = "illegal_transition"


class PayloadTooLarge(SingleWindowError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(SingleWindowError):
    status = 415
    default_code = "unsupported_media_type"
