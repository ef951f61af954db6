"""Named semantic checks a field definition can ask for (``FieldDef.check``).

Each check receives a value that already passed the field's type, length and pattern
checks and returns ``(code, message_en, message_zh)`` problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import pycountry
from stdnum import imo, iso6346
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from singlewindow.standards.rules.context import Context
from singlewindow.standards.rules.mrz import MrzError, parse_mrz
from singlewindow.standards.rules.values import as_datetime

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


_IMO_PREFIX = re.compile(r"(?:UN|IMO ?)?(\d{7})", re.ASCII)


def imo_number(value: str) -> str | None:
    """The 7 digits of an IMO ship number written ``9074729``, ``UN9074729`` (the manifest
    XML convention) or ``IMO 9074729``; ``None`` when it is none of these."""
    match = _IMO_PREFIX.fullmatch(value)
    return match.group(1) if match else None


def check_imo(value: str, _ctx: Context) -> list[Problem]:
    """IMO ship identification number: 7 digits, the last the check digit (weights 7..2).
    The ``UN`` and ``IMO`` prefixes are accepted (see ``imo_number``)."""
    return list(imo_problems(value))


@lru_cache(maxsize=4096)
def imo_problems(value: str) -> tuple[Problem, ...]:
    """The problems of an IMO number (empty: valid); pure, no context needed."""
    number = imo_number(value)
    if number is None:
        return (("imo_format", "must be a 7-digit IMO number", "应为7位IMO编号"),)
    if not imo.is_valid(number):
        return (("imo_check_digit", "the IMO check digit is wrong", "IMO编号校验位错误"),)
    return ()


# UN/LOCODE uses ISO 3166 alpha-2 plus XZ (installations in international waters).
_LOCODE_EXTRA_COUNTRIES = frozenset({"XZ"})
UNLOCODE_SHAPE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}", re.ASCII)


def check_unlocode(value: str, _ctx: Context) -> list[Problem]:
    """UN/LOCODE shape: an existing ISO 3166 alpha-2 country and 3 characters A-Z or 2-9.
    Whether the location exists is the ``unlocode`` code table's business."""
    if not UNLOCODE_SHAPE.fullmatch(value):
        return [
            (
                "unlocode_format",
                "must be 5 characters: a country code and 3 letters or digits 2-9",
                "应为5位：2位国家代码加3位字母或数字2-9",
            )
        ]
    if not _is_alpha2(value[:2]):
        return [
            (
                "unlocode_country_unknown",
                f"country {value[:2]} does not exist",
                f"国家代码 {value[:2]} 不存在",
            )
        ]
    return []


@lru_cache(maxsize=512)
def _is_alpha2(code: str) -> bool:
    return code in _LOCODE_EXTRA_COUNTRIES or pycountry.countries.get(alpha_2=code) is not None


def check_un_number(value: str, _ctx: Context) -> list[Problem]:
    """UN number of the UN Model Regulations: 4 digits from 0004 (the list starts there;
    no upper bound, since every edition adds numbers)."""
    if len(value) == 4 and value.isascii() and value.isdigit() and int(value) >= 4:
        return []
    return [("un_number_format", "must be a 4-digit UN number (0004 and above)",
             "应为4位联合国编号(0004及以上)")]  # fmt: skip


def check_mrz(value: str, _ctx: Context) -> list[Problem]:
    """ICAO 9303 machine readable zone (TD1, TD2, TD3, visas): layout and check digits.
    Agreement with the person's fields is a cross-field rule (``rules.transport``)."""
    try:
        parse_mrz(value)
    except MrzError as error:
        return [(error.code, error.en, error.zh)]
    return []


def check_stowage(value: str, _ctx: Context) -> list[Problem]:
    """Bay-row-tier stowage position (ISO 9711-1): ``BBRRTT`` or ``BBBRRTT``. The bay is not
    00; tiers are even and not 00 (02.. in the hold, 72/82.. on deck)."""
    if not (value.isascii() and value.isdigit() and len(value) in (6, 7)):
        return [("stowage_format", "must be bay-row-tier: 6 or 7 digits", "应为排-列-层6或7位数字")]
    bay, tier = int(value[:-4]), int(value[-2:])
    if bay == 0:
        return [("stowage_bay", "the bay may not be 00", "贝位不能为00")]
    if tier == 0 or tier % 2:
        return [("stowage_tier", f"tier {value[-2:]} is not an even tier number",
                 f"层号 {value[-2:]} 不是偶数层号")]  # fmt: skip
    return []


def check_datetime_offset(value: str, _ctx: Context) -> list[Problem]:
    """An ISO 8601 date-time that names its UTC offset: times cross time zones here."""
    moment = as_datetime(value)
    if moment is not None and moment.tzinfo is None:
        return [
            (
                "datetime_offset",
                "needs a UTC offset, e.g. 2026-11-29T08:00:00+08:00",
                "须带时区偏移，如 2026-11-29T08:00:00+08:00",
            )
        ]
    return []


CHECKS: dict[str, Check] = {
    "uscc": check_uscc,
    "customs_code": check_customs_code,
    "hs_code": check_hs_code,
    "container": check_container,
    "foreign_port": check_foreign_port,
    "imo": check_imo,
    "unlocode": check_unlocode,
    "un_number": check_un_number,
    "mrz": check_mrz,
    "stowage": check_stowage,
    "datetime_offset": check_datetime_offset,
}
