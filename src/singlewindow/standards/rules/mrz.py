"""ICAO Doc 9303 machine readable zones: layout, check digits and the fields they carry.

Why not the ``mrz`` package from PyPI: it is GPL-3.0 and this project is Apache-2.0, so it
cannot be a runtime dependency. The rules are small and fixed by the standard (part 3 §4.9
check digits, parts 4-6 layouts), so they are implemented here and tested against that
package as an independent oracle (tests only).

Supported: TD1 (3 lines of 30, identity cards), TD2 (2 x 36) and TD3 (2 x 44, passports),
including machine readable visas (MRV-A 2 x 44, MRV-B 2 x 36, no composite check digit) and
the TD1/TD2 long document number (check position ``<``, number continued in optional data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_LINE = re.compile(r"[A-Z0-9<]+", re.ASCII)
_WEIGHTS = (7, 3, 1)
# ICAO codes that are not ISO 3166 alpha-3 but name a state that has one.
_ICAO_TO_ISO = {"D": "DEU"}


@dataclass(frozen=True, slots=True)
class Mrz:
    """What a valid MRZ says about its holder; dates are ``YYMMDD`` as printed."""

    layout: str  # TD1 | TD2 | TD3 | MRVA | MRVB
    document_code: str
    issuing_state: str
    document_number: str
    nationality: str  # ISO alpha-3 where ICAO uses another code (D -> DEU)
    birth_date: str
    sex: str  # M | F | <
    expiry_date: str


class MrzError(ValueError):
    """``code`` is the finding code; ``en`` / ``zh`` the messages."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh


def check_digit(text: str) -> str:
    """The 7-3-1 check digit of ``text`` (digits, A-Z as 10-35, ``<`` as 0)."""
    total = 0
    for index, char in enumerate(text):
        if char.isdigit():
            value = ord(char) - 48
        elif "A" <= char <= "Z":
            value = ord(char) - 55
        elif char == "<":
            value = 0
        else:
            raise ValueError(f"not an MRZ character: {char!r}")
        total += value * _WEIGHTS[index % 3]
    return str(total % 10)


def _verify(field: str, digit: str, name: tuple[str, str]) -> None:
    # A field that is all fillers may carry "<" as its check digit (optional data).
    if digit == "<" and set(field) <= {"<"}:
        return
    if digit != check_digit(field):
        raise MrzError(
            "mrz_check_digit",
            f"the check digit of the {name[0]} is wrong",
            f"{name[1]}的校验位错误",
        )


_NUMBER = ("document number", "证件号码")
_BIRTH = ("date of birth", "出生日期")
_EXPIRY = ("date of expiry", "有效期")
_OPTIONAL = ("optional data", "可选数据")
_COMPOSITE = ("whole zone (composite)", "机读区(综合)")


def _long_number(number: str, digit: str, optional: str) -> tuple[str, str, str]:
    """TD1/TD2 numbers over 9 characters: the check position holds ``<`` and the number goes
    on in the optional data, its last character there being the check digit."""
    if digit != "<" or set(number) <= {"<"}:
        return number, digit, optional
    rest = optional.split("<", 1)[0]
    if len(rest) < 2:
        raise MrzError("mrz_format", "the document number is cut short", "证件号码不完整")
    return number + rest[:-1], rest[-1], optional


def _nationality(code: str) -> str:
    code = code.rstrip("<")
    return _ICAO_TO_ISO.get(code, code)


@lru_cache(maxsize=2048)
def parse_mrz(value: str) -> Mrz:
    """The MRZ in ``value`` (lines joined by ``\\n``), check digits verified; ``MrzError``
    when the layout or a check digit is wrong."""
    lines = [line.rstrip("\r") for line in value.split("\n")]
    if not all(_LINE.fullmatch(line) for line in lines):
        raise MrzError(
            "mrz_format",
            "lines may hold only A-Z, 0-9 and <",
            "每行只能包含 A-Z、0-9 和 <",
        )
    shape = (len(lines), len(lines[0]))
    if shape == (3, 30) and {len(line) for line in lines} == {30}:
        return _td1(lines)
    if shape in ((2, 36), (2, 44)) and len(lines[1]) == shape[1]:
        return _two_lines(lines, shape[1])
    raise MrzError(
        "mrz_format",
        "must be TD1 (3 lines of 30), TD2 (2 of 36) or TD3 (2 of 44) joined by \\n",
        "应为 TD1(3行×30)、TD2(2行×36)或 TD3(2行×44)，以换行分隔",
    )


def _td1(lines: list[str]) -> Mrz:
    one, two = lines[0], lines[1]
    number, digit, _ = _long_number(one[5:14], one[14], one[15:30])
    _verify(number, digit, _NUMBER)
    _verify(two[0:6], two[6], _BIRTH)
    _verify(two[8:14], two[14], _EXPIRY)
    _verify(one[5:30] + two[0:7] + two[8:15] + two[18:29], two[29], _COMPOSITE)
    return Mrz("TD1", one[0:2].rstrip("<"), one[2:5], number.rstrip("<"),
               _nationality(two[15:18]), two[0:6], two[7], two[8:14])  # fmt: skip


def _two_lines(lines: list[str], width: int) -> Mrz:
    one, two = lines[0], lines[1]
    visa = one[0] == "V"
    layout = ("MRVA" if visa else "TD3") if width == 44 else ("MRVB" if visa else "TD2")
    optional_end = width - 1 if layout in ("TD2", "TD3") else width
    optional = two[28:optional_end]
    number, digit = two[0:9], two[9]
    if layout == "TD2":
        number, digit, _ = _long_number(number, digit, optional)
    _verify(number, digit, _NUMBER)
    _verify(two[13:19], two[19], _BIRTH)
    _verify(two[21:27], two[27], _EXPIRY)
    if layout == "TD3":
        _verify(two[28:42], two[42], _OPTIONAL)
        _verify(two[0:10] + two[13:20] + two[21:43], two[43], _COMPOSITE)
    elif layout == "TD2":
        _verify(two[0:10] + two[13:20] + two[21:35], two[35], _COMPOSITE)
    return Mrz(layout, one[0:2].rstrip("<"), one[2:5], number.rstrip("<"),
               _nationality(two[10:13]), two[13:19], two[20], two[21:27])  # fmt: skip
