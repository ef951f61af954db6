"""A tiny JSON condition language for routing rules. Pure functions.

``{"op": "nonempty", "path": "/licences"}``,
``{"op": "eq", "path": "/head/ie_flag", "value": "I"}``,
``{"op": "in", "path": ..., "values": [...]}``, ``exists``, ``empty``, ``ne``, and the combinators
``{"op": "all"|"any", "of": [...]}`` and ``{"op": "not", "of": {...}}``. A condition may read the
route context instead of the document with ``"in": "context"``.
"""

from __future__ import annotations

from typing import Any

from singlewindow.exchange.pointers import MISSING, PointerError, parse, resolve
from singlewindow.kit.errors import Finding

LEAF_OPS = {"exists", "nonempty", "empty", "eq", "ne", "in"}
COMBINATORS = {"all", "any", "not"}


def _is_empty(value: Any) -> bool:
    return value is MISSING or value is None or value in ("", [], {})


def matches(
    condition: dict[str, Any] | None,
    document: dict[str, Any],
    context: dict[str, Any] | None = None,
) -> bool:
    """Evaluates a (validated) condition. ``None`` matches everything."""
    if condition is None:
        return True
    op = condition["op"]
    if op == "all":
        return all(matches(c, document, context) for c in condition["of"])
    if op == "any":
        return any(matches(c, document, context) for c in condition["of"])
    if op == "not":
        return not matches(condition["of"], document, context)
    source = (context or {}) if condition.get("in") == "context" else document
    value = resolve(source, condition["path"])
    if op == "exists":
        return value is not MISSING
    if op == "nonempty":
        return not _is_empty(value)
    if op == "empty":
        return _is_empty(value)
    if op == "eq":
        return bool(value == condition["value"])
    if op == "ne":
        return bool(value != condition["value"])
    if op == "in":
        return value in condition["values"]
    raise ValueError(f"unknown op {op}")  # pragma: no cover - validated before use


def _finding(path: str, code: str, en: str, zh: str) -> Finding:
    return Finding(path, code, en, zh)


def condition_findings(condition: Any, at: str = "/condition") -> list[Finding]:
    """Everything wrong with a condition, each finding naming where."""
    if condition is None:
        return []
    if not isinstance(condition, dict):
        return [
            _finding(at, "invalid_condition", "a condition must be an object", "条件必须是对象")
        ]
    op = condition.get("op")
    if op in {"all", "any"}:
        of = condition.get("of")
        if not isinstance(of, list) or not of:
            return [
                _finding(
                    f"{at}/of",
                    "invalid_condition",
                    f"'{op}' needs a non-empty list",
                    f"'{op}' 需要非空列表",
                )
            ]
        out: list[Finding] = []
        for i, inner in enumerate(of):
            out += condition_findings(inner, f"{at}/of/{i}")
        return out
    if op == "not":
        return condition_findings(condition.get("of"), f"{at}/of") or (
            []
            if isinstance(condition.get("of"), dict)
            else [
                _finding(
                    f"{at}/of", "invalid_condition", "'not' needs a condition", "'not' 需要一个条件"
                )
            ]
        )
    if op not in LEAF_OPS:
        allowed = ", ".join(sorted(LEAF_OPS | COMBINATORS))
        return [
            _finding(
                f"{at}/op",
                "unknown_op",
                f"unknown op {op!r}; use one of {allowed}",
                f"未知的条件运算符 {op!r}",
            )
        ]
    out = []
    try:
        parse(condition.get("path"))  # type: ignore[arg-type]
    except PointerError as exc:
        out.append(_finding(f"{at}/path", "invalid_pointer", str(exc), "JSON 指针格式错误"))
    if condition.get("in", "document") not in {"document", "context"}:
        out.append(
            _finding(
                f"{at}/in",
                "invalid_condition",
                "'in' is document or context",
                "'in' 只能为 document 或 context",
            )
        )
    if op in {"eq", "ne"} and "value" not in condition:
        out.append(
            _finding(f"{at}/value", "required", f"'{op}' needs a value", f"'{op}' 需要 value")
        )
    if op == "in" and not isinstance(condition.get("values"), list):
        out.append(
            _finding(
                f"{at}/values", "required", "'in' needs a list of values", "'in' 需要 values 列表"
            )
        )
    return out
