"""Per-field checks, compiled once per field definition into closures.

Validation runs on every submission, and a declaration has hundreds of fields. Interpreting
each ``FieldDef`` afresh for every value (which attributes are set, compiling its pattern,
building its JSON pointer and messages) cost several times the checks themselves. Here
everything that depends only on the definition is decided once: the closure for a field
holds its compiled pattern, its enumeration as a set, its limits and its message prefixes,
and builds a path or a message only when it reports a finding. The rules, their order and
their messages are exactly those of the interpreted version (see ``structure``).
"""

from __future__ import annotations

import decimal
import re
import sys
from collections.abc import Callable
from typing import Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.model import (
    ALWAYS,
    EXPORT,
    IMPORT,
    NEVER,
    Direction,
    DocumentType,
    FieldDef,
    FieldType,
)
from singlewindow.standards.rules.context import Context
from singlewindow.standards.rules.identifiers import CHECKS
from singlewindow.standards.rules.values import (
    as_date,
    as_datetime,
    as_decimal,
    as_integer,
    digits,
    is_present,
    lookup_path,
    pointer,
)

_TYPE_ZH = {
    FieldType.STRING: "字符串",
    FieldType.INTEGER: "整数",
    FieldType.DECIMAL: "数字",
    FieldType.DATE: "日期(YYYY-MM-DD)",
    FieldType.DATETIME: "日期时间(ISO 8601)",
    FieldType.ENUM: "代码字符串",
}

# Characters XML 1.0 cannot carry (C0 controls other than tab/LF/CR, surrogates, U+FFFE/F):
# refused in every string so that any valid document can be rendered as DecMessage.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Problem = tuple[str, str, str]
# (item, path of the item, context, ie_flag) -> the "required" finding, or None.
AbsentCheck = Callable[[dict[str, Any], str, Context, "str | None"], "Finding | None"]
# (value, path of the item, context, ie_flag) -> findings, or None when there are none.
PresentCheck = Callable[[Any, str, Context, "str | None"], "list[Finding] | None"]
# (path of the field, code, English, Chinese) -> a finding naming the field by its label.
MakeFinding = Callable[[str, str, str, str], Finding]


def compile_field(
    f: FieldDef, definition: DocumentType
) -> tuple[str, AbsentCheck | None, PresentCheck]:
    """(JSON key, check when absent or None if never required, check when present)."""
    make = _finding_maker(f)
    return f.name, _absent_check(f, definition, make), _present_check(f, make)


def _finding_maker(f: FieldDef) -> MakeFinding:
    en_prefix, zh_prefix = f"{f.label_en} ({f.name}): ", f"{f.label_zh}："

    def make(path: str, code: str, en: str, zh: str) -> Finding:
        return Finding(path=path, code=code, message=en_prefix + en, message_zh=zh_prefix + zh)

    return make


def _absent_check(f: FieldDef, definition: DocumentType, make: MakeFinding) -> AbsentCheck | None:
    rule, suffix = f.required, pointer(f.name)
    if rule == NEVER:
        return None
    if rule in (ALWAYS, IMPORT, EXPORT):
        wanted = {ALWAYS: None, IMPORT: "I", EXPORT: "E"}[rule]

        def by_rule(_item: dict[str, Any], at: str, _ctx: Context, flag: str | None) -> Any:
            if wanted is None or flag == wanted:
                return make(at + suffix, "required", "is required", "为必填项")
            return None

        return by_rule
    condition = definition.condition(rule)
    sibling = condition.field[1:] if condition.field.startswith(".") else None
    values = frozenset(condition.values)
    unless_field, unless_values = condition.unless_field, frozenset(condition.unless_values)

    def by_condition(item: dict[str, Any], at: str, ctx: Context, _flag: str | None) -> Any:
        if sibling is not None:
            value = item.get(sibling)
        else:
            value = lookup_path(ctx.document, condition.field)
        holds = isinstance(value, str) and value in values if values else is_present(value)
        if holds and unless_field:
            exception = lookup_path(ctx.document, unless_field)
            holds = not (isinstance(exception, str) and exception in unless_values)
        return make(at + suffix, "required", "is required", "为必填项") if holds else None

    return by_condition


def _present_check(f: FieldDef, make: MakeFinding) -> PresentCheck:
    suffix = pointer(f.name)
    wrong_flag = {Direction.IMPORT: "E", Direction.EXPORT: "I"}.get(f.direction)
    direction: Problem = (
        ("import_only_field", "only allowed on imports", "仅适用于进口")
        if f.direction is Direction.IMPORT
        else ("export_only_field", "only allowed on exports", "仅适用于出口")
    )
    textual = f.type in (FieldType.STRING, FieldType.ENUM)
    not_text: Problem = ("type", f"must be a {f.type.value}", f"应为{_TYPE_ZH[f.type]}")
    type_problem = _type_check(f)
    strings = _string_check(f, make, suffix)

    def check(value: Any, at: str, ctx: Context, flag: str | None) -> list[Finding] | None:
        out = None
        if wrong_flag is not None and flag == wrong_flag:
            out = [make(at + suffix, *direction)]
        if textual:
            if not isinstance(value, str):
                return [*(out or ()), make(at + suffix, *not_text)]
        else:
            problem = type_problem(value)
            if problem is not None:
                return [*(out or ()), make(at + suffix, *problem)]
            if not isinstance(value, str):
                return out
        found = strings(value, at, ctx)
        if found is None:
            return out
        return found if out is None else out + found

    return check


def _type_check(f: FieldDef) -> Callable[[Any], Problem | None]:
    """The type (and for numbers the digit and range) problem of a non-text value."""
    kind = f.type
    wrong: Problem = ("type", f"must be a {kind.value}", f"应为{_TYPE_ZH[kind]}")
    if kind is FieldType.DATE:
        return lambda value: None if as_date(value) is not None else wrong
    if kind is FieldType.DATETIME:
        return lambda value: None if as_datetime(value) is not None else wrong
    if kind is FieldType.INTEGER:

        def integer(value: Any) -> Problem | None:
            number = as_integer(value)
            return _range_problem(f, None if number is None else as_decimal(number))

        return integer
    return lambda value: _decimal_problem(f, as_decimal(value), value)


def _text_digits(text: str) -> tuple[int, int] | None:
    """``digits`` read off decimal text (already checked by ``as_decimal``), without the
    Decimal arithmetic; ``None`` when the context's precision could round it (then only
    ``digits`` gives the same answer)."""
    whole, _, fraction = text.lstrip("+-").partition(".")
    whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
    if len(whole) + len(fraction) > decimal.getcontext().prec:
        return None
    return len(whole), len(fraction)


def _decimal_problem(f: FieldDef, number: Any, raw: Any) -> Problem | None:
    if number is None:
        return ("type", "must be a decimal number", "应为数字")
    counted = _text_digits(raw) if isinstance(raw, str) else None
    whole, fraction = digits(number) if counted is None else counted
    if f.scale is not None and fraction > f.scale:
        return ("decimal_scale", f"at most {f.scale} decimal places", f"小数位数最多 {f.scale} 位")
    if f.precision is not None and whole > f.precision - (f.scale or 0):
        limit = f.precision - (f.scale or 0)
        return (
            "decimal_precision",
            f"at most {limit} digits before the point",
            f"整数部分最多 {limit} 位",
        )
    return _range_problem(f, number)


def _range_problem(f: FieldDef, number: Any) -> Problem | None:
    if number is None:
        return ("type", f"must be an {f.type.value}", f"应为{_TYPE_ZH[f.type]}")
    if f.minimum is not None and number < f.minimum:
        return ("too_small", f"must be at least {f.minimum}", f"不能小于 {f.minimum}")
    if f.maximum is not None and number > f.maximum:
        return ("too_large", f"must be at most {f.maximum}", f"不能大于 {f.maximum}")
    return None


def _string_check(
    f: FieldDef, make: MakeFinding, suffix: str
) -> Callable[[str, str, Context], list[Finding] | None]:
    """Characters, length, enumeration, pattern, code table and named check, in this order;
    the first problem found is the only one reported for the field."""
    not_xml = _NOT_XML.search
    longest = sys.maxsize if f.max_length is None else f.max_length
    shortest = 0 if f.min_length is None else f.min_length
    codes = frozenset(f.enum_codes) if f.enum else None
    # ASCII: ``\d`` means 0-9 as in JSON Schema (ECMA-262), not every Unicode digit.
    matches = re.compile(f.pattern, re.ASCII).fullmatch if f.pattern else None
    # An empty name means none, as in the definition model.
    table, check_name = f.code_table or None, f.check or None

    def check(value: str, at: str, ctx: Context) -> list[Finding] | None:
        if not_xml(value):
            return [
                make(
                    at + suffix, "invalid_characters", "contains control characters", "包含控制字符"
                )
            ]
        size = len(value)
        if size > longest:
            return [
                make(
                    at + suffix,
                    "too_long",
                    f"at most {longest} characters",
                    f"长度不能超过 {longest}",
                )
            ]
        if size < shortest:
            return [
                make(
                    at + suffix,
                    "too_short",
                    f"at least {shortest} characters",
                    f"长度不能少于 {shortest}",
                )
            ]
        if codes is not None and value not in codes:
            allowed = ", ".join(f.enum_codes)
            return [
                make(at + suffix, "enum", f"must be one of {allowed}", f"取值应为 {allowed} 之一")
            ]
        if matches is not None and not matches(value):
            return [
                make(
                    at + suffix, "pattern", f"does not match {f.pattern}", f"格式不符合 {f.pattern}"
                )
            ]
        if table is not None and not ctx.codes.contains(table, value, on=ctx.today):
            day = ctx.today.isoformat()
            return [
                make(
                    at + suffix,
                    "unknown_code",
                    f"{value!r} is not in code table {table} on {day}",
                    f"{value!r} 不在代码表 {table} 中(日期 {day})",
                )
            ]
        if check_name is not None:
            problems = CHECKS[check_name](value, ctx)
            return [make(at + suffix, *p) for p in problems] if problems else None
        return None

    return check
