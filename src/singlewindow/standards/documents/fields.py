"""Short constructors for field definitions, so a document type reads like its spec table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from singlewindow.standards.documents.model import EnumValue, FieldDef, FieldType

ZERO = Decimal(0)


def text(name: str, tag: str, zh: str, en: str, max_length: int, **kw: Any) -> FieldDef:
    """Free text up to ``max_length`` characters."""
    return FieldDef(name, zh, en, FieldType.STRING, tag, max_length=max_length, **kw)


def fixed(name: str, tag: str, zh: str, en: str, length: int, pattern: str, **kw: Any) -> FieldDef:
    """A fixed-length string with a pattern (identifiers, dates in legacy form …)."""
    return FieldDef(
        name,
        zh,
        en,
        FieldType.STRING,
        tag,
        max_length=length,
        min_length=length,
        pattern=pattern,
        **kw,
    )


def coded(
    name: str, tag: str, zh: str, en: str, table: str, max_length: int, **kw: Any
) -> FieldDef:
    """A value from a versioned code table (membership checked on the declaration date)."""
    return FieldDef(
        name, zh, en, FieldType.STRING, tag, max_length=max_length, code_table=table, **kw
    )


def choice(name: str, tag: str, zh: str, en: str, values: str, **kw: Any) -> FieldDef:
    """A small closed list written as ``"code:en:zh|code:en:zh"`` (declaration flags)."""
    members = tuple(EnumValue(*item.split(":", 2)) for item in values.split("|"))
    length = max(len(m.code) for m in members)
    return FieldDef(name, zh, en, FieldType.ENUM, tag, max_length=length, enum=members, **kw)


def decimal(
    name: str,
    tag: str,
    zh: str,
    en: str,
    precision: int = 19,
    scale: int = 5,
    minimum: Decimal | None = ZERO,
    **kw: Any,
) -> FieldDef:
    """A decimal number N(precision, scale); never a float internally."""
    return FieldDef(
        name,
        zh,
        en,
        FieldType.DECIMAL,
        tag,
        precision=precision,
        scale=scale,
        minimum=minimum,
        **kw,
    )


def integer(
    name: str, tag: str, zh: str, en: str, minimum: int = 0, maximum: int | None = None, **kw: Any
) -> FieldDef:
    return FieldDef(
        name,
        zh,
        en,
        FieldType.INTEGER,
        tag,
        minimum=Decimal(minimum),
        maximum=None if maximum is None else Decimal(maximum),
        **kw,
    )


def day(name: str, tag: str, zh: str, en: str, **kw: Any) -> FieldDef:
    """A calendar date: ``YYYY-MM-DD`` in JSON, ``YYYYMMDD`` in DecMessage."""
    return FieldDef(name, zh, en, FieldType.DATE, tag, **kw)
