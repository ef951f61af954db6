"""JSON pointers (RFC 6901) with a ``*`` wildcard for array elements, and field projection.

Pure functions: no database, no web framework.
"""

from __future__ import annotations

from typing import Any

WILDCARD = "*"


class PointerError(ValueError):
    """A malformed pointer."""


class _Missing:
    pass


MISSING: Any = _Missing()


def parse(pointer: str) -> list[str]:
    """``/lines/*/g_no`` → ``["lines", "*", "g_no"]``. The empty pointer is the whole value."""
    if not isinstance(pointer, str):
        raise PointerError("a pointer must be a string")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PointerError("a pointer must be empty or start with '/'")
    tokens = []
    for raw in pointer[1:].split("/"):
        if raw == "":
            raise PointerError("a pointer must not contain an empty segment")
        if "~" in raw.replace("~0", "").replace("~1", ""):
            raise PointerError("'~' must be escaped as ~0 or ~1")
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    return tokens


def _is_index(token: str) -> bool:
    """ASCII digits only: ``"²".isdigit()`` is true but ``int("²")`` fails."""
    return token.isascii() and token.isdigit()


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` (no wildcards), or ``MISSING``."""
    value = document
    for token in parse(pointer):
        if isinstance(value, dict):
            if token not in value:
                return MISSING
            value = value[token]
        elif isinstance(value, list):
            if not _is_index(token) or int(token) >= len(value):
                return MISSING
            value = value[int(token)]
        else:
            return MISSING
    return value


def _extract(value: Any, tokens: list[str]) -> Any:
    if not tokens:
        return value
    head, rest = tokens[0], tokens[1:]
    if isinstance(value, dict):
        if head not in value:
            return MISSING
        inner = _extract(value[head], rest)
        return MISSING if inner is MISSING else {head: inner}
    if isinstance(value, list):
        if head == WILDCARD:
            return [_extract(item, rest) for item in value]
        if _is_index(head) and int(head) < len(value):
            out: list[Any] = [MISSING] * len(value)
            out[int(head)] = _extract(value[int(head)], rest)
            return out
    return MISSING


def _merge(left: Any, right: Any) -> Any:
    if left is MISSING:
        return right
    if right is MISSING:
        return left
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, value in right.items():
            merged[key] = _merge(merged.get(key, MISSING), value)
        return merged
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [_merge(a, b) for a, b in zip(left, right, strict=True)]
    return right


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not MISSING}
    if isinstance(value, list):
        return [{} if v is MISSING else _clean(v) for v in value]
    return value


def project(document: dict[str, Any], pointers: list[str]) -> dict[str, Any]:
    """Keeps only the fields named by ``pointers``; an empty list keeps the whole document.

    Arrays keep their length so that element positions (line numbers) stay meaningful.
    """
    if not pointers:
        return document
    result: Any = MISSING
    for pointer in pointers:
        result = _merge(result, _extract(document, parse(pointer)))
    cleaned = _clean(result)
    return cleaned if isinstance(cleaned, dict) else {}
