"""Shared pieces of the canonical JSON <-> EDIFACT mappings.

Reading EDIFACT is strict about structure (``Reader`` collects findings with segment
paths and rejects the message) and lenient about values, like the DecMessage reader:
numbers, integers and dates are converted to their canonical JSON form when they have
the expected shape and otherwise kept as text for the document validator to report.
Writing (``Source``) is strict: a value that cannot be written is a finding with the
JSON pointer of the field, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pycountry

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.errors import Finding
from singlewindow.standards.edifact.envelope import Message
from singlewindow.standards.edifact.errors import not_representable, rejected
from singlewindow.standards.edifact.spec import MessageSpec, check_message
from singlewindow.standards.edifact.syntax import Segment, components, value
from singlewindow.standards.rules.values import as_decimal, as_integer, decimal_text, pointer

_ZONE = r"(Z|UTC|[+-]\d{2}(?::?\d{2})?)"
_DTM = {
    "102": re.compile(r"(\d{8})"),
    "101": re.compile(r"(\d{6})"),
    "203": re.compile(r"(\d{12})"),
    "204": re.compile(r"(\d{14})"),
    "201": re.compile(r"(\d{10})"),
    "303": re.compile(r"(\d{12})" + _ZONE),
    "304": re.compile(r"(\d{14})" + _ZONE),
}
_BY_LENGTH = {8: "102", 6: "101", 10: "201", 12: "203", 14: "204"}
_PARTY_ID = re.compile(r"([A-Z0-9]{1,10})\+(.+)", re.DOTALL)
LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


# -- values ------------------------------------------------------------------------------


def edi_number(text: str) -> str | None:
    """A decimal (either decimal mark) as canonical text; other text unchanged."""
    if not text:
        return None
    number = as_decimal(text.replace(",", ".") if "." not in text else text)
    return decimal_text(number) if number is not None else text


def edi_integer(text: str) -> int | str | None:
    if not text:
        return None
    number = as_integer(text)
    return number if number is not None else text


def edi_moment(text: str, fmt: str) -> str | None:
    """DTM text in format ``fmt`` (2379) as ISO 8601: a date for 101/102, else a date-time
    with its offset (China time when the format carries none). Unknown shapes unchanged."""
    if not text:
        return None
    fmt = fmt or _BY_LENGTH.get(len(text), "")
    match = _DTM[fmt].fullmatch(text) if fmt in _DTM else None
    if match is None:
        return text
    digits = match.group(1)
    if fmt in ("101", "201"):
        digits = "20" + digits
    try:
        if fmt in ("101", "102"):
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).isoformat()
        moment = datetime.strptime(digits.ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=CHINA_TZ)
        zone = match.group(2) if fmt in ("303", "304") else None
        if zone:
            moment = moment.replace(tzinfo=_zone(zone))
    except ValueError:
        return text
    return moment.isoformat()


def _zone(text: str) -> tzinfo:
    """``Z``, ``UTC``, ``+08``, ``+0800`` or ``+08:00``; ``ValueError`` when out of range."""
    if text in ("Z", "UTC"):
        return UTC
    digits = text[1:].replace(":", "").ljust(4, "0")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    return timezone(-delta if text[0] == "-" else delta)


@lru_cache(maxsize=512)
def alpha2(country: str) -> str:
    """ISO 3166 alpha-3 (canonical JSON) to alpha-2 (EDIFACT 3207); unknown codes as given."""
    found = pycountry.countries.get(alpha_3=country) if len(country) == 3 else None
    return found.alpha_2 if found is not None else country


@lru_cache(maxsize=512)
def alpha3(country: str) -> str:
    found = pycountry.countries.get(alpha_2=country) if len(country) == 2 else None
    return found.alpha_3 if found is not None else country


def chunks(text: str, width: int, count: int = 5) -> list[str]:
    """``text`` in components of ``width`` characters (the last takes any remainder)."""
    pieces = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(pieces) > count:
        pieces[count - 1 :] = ["".join(pieces[count - 1 :])]
    return pieces


def joined(segment: Segment, element: int) -> str | None:
    return "".join(components(segment, element)) or None


def party_id(text: str) -> list[str]:
    """``USCI+9144…`` -> C082 ``9144…:USCI`` (id, code list qualifier)."""
    match = _PARTY_ID.fullmatch(text)
    return [match.group(2), match.group(1)] if match else [text]


def edi_party_id(segment: Segment, element: int) -> str | None:
    ident, kind = value(segment, element, 1), value(segment, element, 2)
    if not ident:
        return None
    return f"{kind}+{ident}" if kind else ident


def location(code: str) -> list[str]:
    """C517 for a location: UN/LOCODEs with code list 139 (port) of agency 6 (UN/ECE)."""
    return [code, "139", "6"] if LOCODE.fullmatch(code) else [code]


# -- reading EDIFACT ---------------------------------------------------------------------


class Reader:
    """Walks a message's body against its spec, collecting findings with segment paths."""

    def __init__(self, message: Message, spec: MessageSpec) -> None:
        self.message = message
        self.findings: list[Finding] = check_message(message, spec)
        if any(
            f.code in ("unexpected_message_type", "unsupported_message_version")
            for f in self.findings
        ):
            raise rejected(self.findings, what="message")

    def body(self) -> Iterator[tuple[int, Segment]]:
        """(position, segment) from BGM to the segment before UNT; UNH is position 1."""
        yield from enumerate(self.message.segments[1:-1], 2)

    def problem(
        self,
        position: int,
        code: str,
        en: str,
        zh: str,
        element: int | None = None,
        component: int | None = None,
    ) -> None:
        self.findings.append(Finding(self.message.path(position, element, component), code, en, zh))

    def misplaced(self, position: int, segment: Segment, where: str, where_zh: str) -> None:
        self.problem(
            position,
            "segment_out_of_place",
            f"{segment.tag} is not expected {where}",
            f"{segment.tag} 段不应出现在{where_zh}",
        )

    def duplicate(self, position: int, segment: Segment) -> None:
        self.problem(
            position,
            "duplicate_segment",
            f"{segment.tag} {value(segment, 1)[:17]} occurs twice here",
            f"{segment.tag} {value(segment, 1)[:17]} 在此处重复出现",
        )

    def kilograms(self, position: int, segment: Segment, element: int) -> str | None:
        """A weight C174 (unit, value) in kilograms; other units are a finding."""
        unit, amount = value(segment, element, 1), value(segment, element, 2)
        if unit not in ("KGM", ""):
            self.problem(
                position,
                "unsupported_unit",
                f"Weights must be in KGM, not {unit[:8]!r}",
                f"重量单位应为 KGM，而非 {unit[:8]!r}",
                element,
                1,
            )
        return edi_number(amount)

    def done(self) -> None:
        if self.findings:
            raise rejected(self.findings, what="message")


def put(target: dict[str, Any], key: str, item: Any) -> None:
    """Set ``key`` when ``item`` is present (not None, not empty)."""
    if item is not None and item != "":
        target[key] = item


# -- reading canonical JSON (for the writers) --------------------------------------------


class Source:
    """Reads a canonical document for a writer; every unusable value is a finding."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def problem(self, path: str, code: str, en: str, zh: str) -> None:
        self.findings.append(Finding(path or "/", code, en, zh))

    def object(self, node: Any, path: str, *, required: bool = False) -> dict[str, Any]:
        if isinstance(node, dict):
            return node
        if node is not None or required:
            self.problem(path, "not_an_object", "Must be an object", "必须是对象")
        return {}

    def rows(self, node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
        if node is None:
            return []
        if not isinstance(node, list):
            self.problem(path, "not_a_list", "Must be a list", "必须是列表")
            return []
        return [
            (f"{path}/{n}", self.object(row, f"{path}/{n}", required=True))
            for n, row in enumerate(node)
        ]

    def text(self, node: dict[str, Any], key: str, path: str) -> str | None:
        item = node.get(key)
        if item is None or item == "":
            return None
        if isinstance(item, bool) or not isinstance(item, str | int | Decimal | float):
            self.problem(
                pointer_at(path, key), "not_a_value", "Must be text or a number", "必须是文本或数字"
            )
            return None
        if isinstance(item, Decimal | float):
            number = as_decimal(item)
            return decimal_text(number) if number is not None else None
        return str(item)

    def number(self, node: dict[str, Any], key: str, path: str) -> str | None:
        text = self.text(node, key, path)
        if text is None:
            return None
        number = as_decimal(text)
        if number is None:
            self.problem(
                pointer_at(path, key),
                "invalid_number",
                "Must be a decimal number",
                "必须是十进制数",
            )
            return None
        return decimal_text(number)

    def integer(self, node: dict[str, Any], key: str, path: str) -> str | None:
        text = self.text(node, key, path)
        if text is None:
            return None
        if as_integer(text) is None:
            self.problem(
                pointer_at(path, key), "invalid_integer", "Must be a whole number", "必须是整数"
            )
            return None
        return str(as_integer(text))

    def moment(self, node: dict[str, Any], key: str, path: str) -> list[str] | None:
        """C507 value and format (304 with offset, 204 without, 102 for a date)."""
        text = self.text(node, key, path)
        if text is None:
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
            try:
                return [date.fromisoformat(text).strftime("%Y%m%d"), "102"]
            except ValueError:
                pass
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = None
            if moment is not None:
                stamp = moment.strftime("%Y%m%d%H%M%S")
                offset = moment.utcoffset()
                if offset is None:
                    return [stamp, "204"]
                minutes = int(offset.total_seconds()) // 60
                sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
                zone = f"{sign}{minutes // 60:02d}" + (
                    f"{minutes % 60:02d}" if minutes % 60 else ""
                )
                return [stamp + zone, "304"]
        self.problem(
            pointer_at(path, key),
            "invalid_datetime",
            "Must be an ISO 8601 date or date-time",
            "必须是 ISO 8601 日期或日期时间",
        )
        return None

    def check(self) -> None:
        if self.findings:
            raise not_representable(self.findings)


def pointer_at(path: str, key: str) -> str:
    return path + pointer(key)


__all__ = [
    "LOCODE",
    "Reader",
    "Source",
    "alpha2",
    "alpha3",
    "chunks",
    "edi_integer",
    "edi_moment",
    "edi_number",
    "edi_party_id",
    "joined",
    "location",
    "party_id",
    "pointer_at",
    "put",
]
