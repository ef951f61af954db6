"""Structural rules driven by the definition: shape, types, lengths, patterns, required
rules, direction (import/export-only), enumerations, code tables and named checks."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.documents.model import (
    ALWAYS,
    EXPORT,
    IMPORT,
    NEVER,
    BlockDef,
    Direction,
    FieldDef,
    FieldType,
)
from singlewindow.standards.rules.context import Context, field_finding, finding
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


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    # ASCII: ``\d`` means 0-9 as in JSON Schema (ECMA-262), not every Unicode digit.
    return re.compile(pattern, re.ASCII)


def check_document(ctx: Context) -> list[Finding]:
    doc, definition = ctx.document, ctx.definition
    out: list[Finding] = []
    known = {f.name for f in definition.root_fields} | {b.name for b in definition.blocks}
    out += _unknown_keys(doc, known, ())
    for f in definition.root_fields:
        out += check_field(f, doc, (), ctx)
    for block in definition.blocks:
        out += _check_block(block, doc.get(block.name), ctx)
    return out


def _unknown_keys(
    item: dict[str, Any], known: set[str], at: tuple[str | int, ...]
) -> list[Finding]:
    return [
        finding(
            pointer(*at, str(key)),
            "unknown_field",
            f"Unknown field {str(key)[:64]!r}",
            f"未定义的字段 {str(key)[:64]!r}",
        )
        for key in item
        if key not in known
    ]


def _check_block(block: BlockDef, value: Any, ctx: Context) -> list[Finding]:
    at = pointer(block.name)
    if value is None:
        if block.min_occurs > 0:
            return [
                finding(
                    at, "required", f"{block.label_en} is required", f"{block.label_zh}为必填项"
                )
            ]
        if block.repeated:
            return []
        # An absent optional object is read as empty so that fields required by the
        # declaration's direction or by a condition are still reported.
        return _check_item(block, {}, (block.name,), ctx, conditional_only=True)
    if not block.repeated:
        return _check_item(block, value, (block.name,), ctx)
    if not isinstance(value, list):
        return [
            finding(at, "type", f"{block.label_en} must be an array", f"{block.label_zh}应为数组")
        ]
    out: list[Finding] = []
    if len(value) < block.min_occurs:
        out.append(
            finding(
                at,
                "required",
                f"{block.label_en}: at least {block.min_occurs} required",
                f"{block.label_zh}：至少需要 {block.min_occurs} 项",
            )
        )
    limit = ctx.max_lines if block.name == "lines" else block.max_occurs
    if limit is not None and len(value) > limit:
        code = "too_many_lines" if block.name == "lines" else "too_many_items"
        out.append(
            finding(
                at,
                code,
                f"{block.label_en}: {len(value)} given, at most {limit} allowed",
                f"{block.label_zh}：共 {len(value)} 项，最多允许 {limit} 项",
            )
        )
    for index, item in enumerate(value):
        out += _check_item(block, item, (block.name, index), ctx)
    return out


def _check_item(
    block: BlockDef,
    item: Any,
    at: tuple[str | int, ...],
    ctx: Context,
    *,
    conditional_only: bool = False,
) -> list[Finding]:
    if not isinstance(item, dict):
        return [
            finding(
                pointer(*at),
                "type",
                f"{block.label_en} must be an object",
                f"{block.label_zh}应为对象",
            )
        ]
    out = _unknown_keys(item, {f.name for f in block.json_fields}, at)
    for f in block.json_fields:
        if conditional_only and f.required == ALWAYS:
            continue
        out += check_field(f, item, at, ctx)
    return out


def is_required(f: FieldDef, item: dict[str, Any], ctx: Context) -> bool:
    rule = f.required
    if rule == ALWAYS:
        return True
    if rule == NEVER:
        return False
    if rule == IMPORT:
        return ctx.ie_flag == "I"
    if rule == EXPORT:
        return ctx.ie_flag == "E"
    condition = ctx.definition.condition(rule)
    if condition.field.startswith("."):
        value = item.get(condition.field[1:])
    else:
        value = lookup_path(ctx.document, condition.field)
    if not condition.values:
        return is_present(value)
    return isinstance(value, str) and value in condition.values


def check_field(
    f: FieldDef, item: dict[str, Any], at: tuple[str | int, ...], ctx: Context
) -> list[Finding]:
    path = pointer(*at, f.name)
    value = item.get(f.name)
    if not is_present(value):
        if is_required(f, item, ctx):
            return [field_finding(path, "required", f, "is required", "为必填项")]
        return []
    out: list[Finding] = []
    flag = ctx.ie_flag
    if f.direction is Direction.IMPORT and flag == "E":
        out.append(
            field_finding(path, "import_only_field", f, "only allowed on imports", "仅适用于进口")
        )
    if f.direction is Direction.EXPORT and flag == "I":
        out.append(
            field_finding(path, "export_only_field", f, "only allowed on exports", "仅适用于出口")
        )
    problem = _type_problem(f, value)
    if problem:
        code, en, zh = problem
        return [*out, field_finding(path, code, f, en, zh)]
    if isinstance(value, str):
        out += _string_problems(f, value, path, ctx)
    return out


def _type_problem(f: FieldDef, value: Any) -> tuple[str, str, str] | None:
    if f.type in (FieldType.STRING, FieldType.ENUM):
        ok = isinstance(value, str)
    elif f.type is FieldType.DATE:
        ok = as_date(value) is not None
    elif f.type is FieldType.DATETIME:
        ok = as_datetime(value) is not None
    elif f.type is FieldType.INTEGER:
        number = as_integer(value)
        return _range_problem(f, None if number is None else as_decimal(number), value)
    else:
        return _decimal_problem(f, as_decimal(value), value)
    if ok:
        return None
    return ("type", f"must be a {f.type.value}", f"应为{_TYPE_ZH[f.type]}")


def _decimal_problem(f: FieldDef, number: Any, raw: Any) -> tuple[str, str, str] | None:
    if number is None:
        return ("type", "must be a decimal number", "应为数字")
    whole, fraction = digits(number)
    if f.scale is not None and fraction > f.scale:
        return ("decimal_scale", f"at most {f.scale} decimal places", f"小数位数最多 {f.scale} 位")
    if f.precision is not None and whole > f.precision - (f.scale or 0):
        limit = f.precision - (f.scale or 0)
        return (
            "decimal_precision",
            f"at most {limit} digits before the point",
            f"整数部分最多 {limit} 位",
        )
    return _range_problem(f, number, raw)


def _range_problem(f: FieldDef, number: Any, raw: Any) -> tuple[str, str, str] | None:
    if number is None:
        return ("type", f"must be an {f.type.value}", f"应为{_TYPE_ZH[f.type]}")
    if f.minimum is not None and number < f.minimum:
        return ("too_small", f"must be at least {f.minimum}", f"不能小于 {f.minimum}")
    if f.maximum is not None and number > f.maximum:
        return ("too_large", f"must be at most {f.maximum}", f"不能大于 {f.maximum}")
    return None


def _string_problems(f: FieldDef, value: str, path: str, ctx: Context) -> list[Finding]:
    if _NOT_XML.search(value):
        return [
            field_finding(
                path, "invalid_characters", f, "contains control characters", "包含控制字符"
            )
        ]
    if f.max_length is not None and len(value) > f.max_length:
        return [
            field_finding(
                path,
                "too_long",
                f,
                f"at most {f.max_length} characters",
                f"长度不能超过 {f.max_length}",
            )
        ]
    if f.min_length is not None and len(value) < f.min_length:
        return [
            field_finding(
                path,
                "too_short",
                f,
                f"at least {f.min_length} characters",
                f"长度不能少于 {f.min_length}",
            )
        ]
    if f.enum and value not in f.enum_codes:
        allowed = ", ".join(f.enum_codes)
        return [
            field_finding(path, "enum", f, f"must be one of {allowed}", f"取值应为 {allowed} 之一")
        ]
    if f.pattern and not _compiled(f.pattern).fullmatch(value):
        return [
            field_finding(
                path, "pattern", f, f"does not match {f.pattern}", f"格式不符合 {f.pattern}"
            )
        ]
    if f.code_table and not ctx.codes.contains(f.code_table, value, on=ctx.today):
        return [
            field_finding(
                path,
                "unknown_code",
                f,
                f"{value!r} is not in code table {f.code_table} on {ctx.today.isoformat()}",
                f"{value!r} 不在代码表 {f.code_table} 中(日期 {ctx.today.isoformat()})",
            )
        ]
    if f.check:
        return [
            field_finding(path, code, f, en, zh) for code, en, zh in CHECKS[f.check](value, ctx)
        ]
    return []
