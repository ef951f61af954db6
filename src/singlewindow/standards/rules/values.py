"""Reading canonical JSON values: decimals (never floats), integers, dates, JSON pointers."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d{1,30}", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def as_decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric string as ``Decimal``; ``None`` when it is not one.

    Floats go through ``repr`` (the shortest round-tripping text), so ``0.1`` becomes
    ``Decimal("0.1")`` and never ``0.1000000000000000055…``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and len(value) <= 64 and _DECIMAL.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            return None
    return None


def as_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def as_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def decimal_text(value: Decimal) -> str:
    """Plain notation, no exponent: what canonical JSON and DecMessage carry."""
    return format(value, "f")


def digits(value: Decimal) -> tuple[int, int]:
    """(integer digits, fraction digits) of a finite decimal, trailing zeros ignored."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    fraction = max(0, -exponent)
    whole = abs(normal).to_integral_value(rounding="ROUND_DOWN")
    integer_digits = 0 if whole == 0 else len(decimal_text(whole))
    return integer_digits, fraction


def is_present(value: Any) -> bool:
    """Null and the empty string count as absent (DecMessage sends empty tags)."""
    return value is not None and value != ""


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer: ``pointer("lines", 3, "code_ts") == "/lines/3/code_ts"``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def lookup_path(document: Any, dotted: str) -> Any:
    """``head.traf_mode`` from the document root; ``None`` if any step is missing."""
    node = document
    for step in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node
