"""What the operator's pages share: role checks as the API makes them, form findings mapped
to fields, and one savepoint per form action so a refused form leaves nothing behind."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from singlewindow.identity.roles import Role
from singlewindow.kit.errors import Finding, Forbidden, SingleWindowError, ValidationFailed
from singlewindow.kit.http import findings_from_pydantic
from singlewindow.web.actions import attempt, savepoint
from singlewindow.web.actions import is_htmx as htmx
from singlewindow.web.actions import see_other as redirect
from singlewindow.web.auth import PortalUser

# The form-action helpers (web/actions.py), re-exported for the operator's page modules.
__all__ = ["attempt", "htmx", "savepoint"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def is_province_operator(user: PortalUser) -> bool:
    return Role.province_operator.value in user.principal.roles


def require_province(user: PortalUser) -> None:
    """The check ``parties.access.ProvinceOperator`` makes for the JSON API (403 otherwise)."""
    if not is_province_operator(user):
        raise Forbidden(
            "This action needs one of the roles: province_operator",
            "此操作需要以下角色之一：province_operator",
            code="wrong_role",
        )


def field_errors(
    error: SingleWindowError | None, nested: tuple[str, ...] = ()
) -> dict[str, list[Finding]]:
    """Findings by form field: ``/uscc`` lands on ``uscc``, ``/condition/of/0/op`` on
    ``condition``; for a ``nested`` object ``/recipient/code`` lands on ``recipient_code``;
    a file's ``line:3/code`` lands on ``file``; a finding without a path on ``_``."""
    out: dict[str, list[Finding]] = {}
    for f in error.findings if error else []:
        if f.path.startswith("line:"):
            key = "file"
        else:
            parts = f.path.lstrip("/").split("/")
            key = parts[0] or "_"
            if key in nested and len(parts) > 1:
                key = f"{key}_{parts[1]}"
        out.setdefault(key, []).append(f)
    return out


def parse_model(model: type[M], data: dict[str, Any]) -> M:
    """The API's own input model, so the form and the API accept the same values."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        findings = findings_from_pydantic([dict(e) for e in exc.errors()])
        raise ValidationFailed(
            "Request validation failed", "请求数据校验未通过", findings=findings
        ) from exc


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    return text(form, name) or None


def see_other(url: str) -> Response:
    return redirect(None, url)
