"""Named semantic checks a field definition can ask for (``FieldDef.check``).

Each check receives a value that already passed the field's type, length and pattern
checks and returns ``(code, message_en, message_zh)`` problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from stdnum import iso6346
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from singlewindow.standards.rules.context import Context

Problem = tuple[str, str, str]
Check = Callable[[str, Context], list[Problem]]

# GB/T 2260 province-level prefixes (the first two digits of an administrative division).
_PROVINCES = (
    "11|12|13|14|15|21|22|23|31|32|33|34|35|36|37|41|42|43|44|45|46|50|51|52|53|54"
    "|61|62|63|64|65|71|81|82"
)
CUSTOMS_CODE_SHAPE = re.compile(rf"(?:{_PROVINCES})\d{{3}}[0-9A-Z]{{5}}", re.ASCII)


def check_uscc(value: str, _ctx: Context) -> list[Problem]:
    """Unified social credit code (GB 32100-2015): 18 chars, mod-31 check digit."""
    return list(_uscc_problems(value))


# The pure checks below read only the value, and the same parties and containers recur in
# declaration after declaration, while python-stdnum takes 20-35 µs per value: their results
# are memoised (bounded; the values are short, already length- and pattern-checked).
@lru_cache(maxsize=4096)
def _uscc_problems(value: str) -> tuple[Problem, ...]:
    try:
        uscc.validate(value)
    except InvalidChecksum:
        return (("uscc_check_digit", "the check digit is wrong", "校验位错误"),)
    except ValidationError:
        return (
            (
                "uscc_format",
                "is not a valid unified social credit code",
                "统一社会信用代码格式错误",
            ),
        )
    return ()


def check_customs_code(value: str, _ctx: Context) -> list[Problem]:
    """10-char customs registration code (海关注册编码). There is no check digit.

    Shape verified here, position by position:

    * 1-4: digits, the administrative division (GB/T 2260) where the enterprise
      registered; the first two must be a province-level code (11 … 82);
    * 5: digit, the nature of the economic area (special zone, development zone, other …);
    * 6: digit or upper-case letter, the enterprise category;
    * 7-10: digits or upper-case letters, the serial assigned by the customs office.
    """
    if CUSTOMS_CODE_SHAPE.fullmatch(value):
        return []
    return [
        (
            "customs_code_format",
            "must be 10 characters: a 4-digit division code starting with a province code, "
            "a digit, then 5 digits or upper-case letters",
            "应为10位：4位行政区划代码(以省级代码开头)、1位数字、5位数字或大写字母",
        )
    ]


def check_hs_code(value: str, ctx: Context) -> list[Problem]:
    """10-digit commodity code: its chapter and heading must exist on the declaration date;
    when the full tariff (table ``hs_code``) is loaded, the code itself must exist too."""
    on = ctx.today
    if not ctx.codes.contains("hs_chapter", value[:2], on=on):
        return [
            ("hs_chapter_unknown", f"chapter {value[:2]} does not exist", f"章 {value[:2]} 不存在")
        ]
    if not ctx.codes.contains("hs_heading", value[:4], on=on):
        return [
            (
                "hs_heading_unknown",
                f"heading {value[:4]} does not exist",
                f"品目 {value[:4]} 不存在",
            )
        ]
    if _has_full_tariff(ctx) and not ctx.codes.contains("hs_code", value, on=on):
        return [("hs_code_unknown", "is not in the tariff", "不在税则中")]
    return []


def _has_full_tariff(ctx: Context) -> bool:
    """Whether the optional full tariff is loaded. A lookup may expose ``has_table``;
    without it the full-code check is skipped (chapter and heading still apply)."""
    has_table = getattr(ctx.codes, "has_table", None)
    return bool(has_table("hs_code")) if callable(has_table) else False


def check_container(value: str, _ctx: Context) -> list[Problem]:
    """ISO 6346 container number: owner code, category, serial, check digit."""
    return list(_container_problems(value))


@lru_cache(maxsize=4096)
def _container_problems(value: str) -> tuple[Problem, ...]:
    try:
        iso6346.validate(value)
    except InvalidChecksum:
        return (("container_check_digit", "the check digit is wrong", "校验位错误"),)
    except ValidationError:
        return (("container_format", "is not an ISO 6346 container number", "不是有效的集装箱号"),)
    return ()


def check_foreign_port(value: str, ctx: Context) -> list[Problem]:
    """6-char foreign port code: the first three letters are the country (alpha-3)."""
    if ctx.codes.contains("country", value[:3], on=ctx.today):
        return []
    return [
        ("port_country_unknown", f"country {value[:3]} does not exist", f"国别 {value[:3]} 不存在")
    ]


CHECKS: dict[str, Check] = {
    "uscc": check_uscc,
    "customs_code": check_customs_code,
    "hs_code": check_hs_code,
    "container": check_container,
    "foreign_port": check_foreign_port,
}
