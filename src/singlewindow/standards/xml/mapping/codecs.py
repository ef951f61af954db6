"""Codecs: how one canonical JSON value is written as XML text and read back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.standards.rules.values import as_datetime, as_decimal, as_integer, decimal_text

# Characters XML 1.0 cannot carry: C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Unmappable(ValueError):
    """A value the codec cannot carry: becomes a finding at the field's path."""

    def __init__(self, en: str, zh: str, code: str = "unmappable_value") -> None:
        super().__init__(en)
        self.en, self.zh, self.code = en, zh, code


class Codec(Protocol):
    """Converts one value. ``scope`` is the JSON object being written or read (the whole
    document for top-level fields), for codecs whose form depends on another field."""

    @property
    def kind(self) -> str:
        """string | integer | decimal | date | datetime: the JSON type it stands for."""
        ...

    def encode(self, value: Any, scope: dict[str, Any]) -> str: ...

    def decode(self, text: str, scope: dict[str, Any]) -> Any: ...


@dataclass(frozen=True, slots=True)
class Text:
    """Text both ways; ``kind`` only says which JSON type the text stands for (ISO dates
    and date-times are carried verbatim)."""

    kind: str = "string"

    def encode(self, value: Any, scope: dict[str, Any]) -> str:
        return value if isinstance(value, str) else str(value)

    def decode(self, text: str, scope: dict[str, Any]) -> Any:
        return text


TEXT = Text()


@dataclass(frozen=True, slots=True)
class Integer:
    kind: str = "integer"

    def encode(self, value: Any, scope: dict[str, Any]) -> str:
        number = as_integer(value)
        return str(value) if number is None else str(number)

    def decode(self, text: str, scope: dict[str, Any]) -> Any:
        number = as_integer(text)
        return text if number is None else number


@dataclass(frozen=True, slots=True)
class Number:
    kind: str = "decimal"

    def encode(self, value: Any, scope: dict[str, Any]) -> str:
        number = as_decimal(value)
        return str(value) if number is None else decimal_text(number)

    def decode(self, text: str, scope: dict[str, Any]) -> Any:
        number = as_decimal(text)
        return text if number is None else decimal_text(number)


@dataclass(frozen=True, slots=True)
class ChinaDateTime:
    """ISO 8601 with offset <-> ``yyyyMMddHHmmss`` in China time (UTC+8), the customs
    form. Another offset is converted to China time (same instant); fractions of a second
    are not carried. Reading also accepts ``yyyyMMddHHmm``."""

    kind: str = "datetime"

    def encode(self, value: Any, scope: dict[str, Any]) -> str:
        moment = as_datetime(value)
        if moment is None:
            return str(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CHINA_TZ)
        return moment.astimezone(CHINA_TZ).strftime("%Y%m%d%H%M%S")

    def decode(self, text: str, scope: dict[str, Any]) -> Any:
        if not text.isascii() or not text.isdigit() or len(text) not in (12, 14):
            return text
        try:
            moment = datetime.strptime(text.ljust(14, "0"), "%Y%m%d%H%M%S")  # noqa: DTZ007
        except ValueError:
            return text
        return moment.replace(tzinfo=CHINA_TZ).isoformat()


@dataclass(frozen=True, slots=True)
class CodeMap:
    """A one-to-one code translation (canonical JSON code <-> XML code); strict both ways."""

    pairs: tuple[tuple[str, str], ...]
    label: str
    kind: str = "string"

    def encode(self, value: Any, scope: dict[str, Any]) -> str:
        for json_code, xml_code in self.pairs:
            if value == json_code:
                return xml_code
        allowed = ", ".join(j for j, _ in self.pairs)
        raise Unmappable(
            f"{self.label} {str(value)[:20]!r} has no XML code (one of {allowed})",
            f"{self.label} {str(value)[:20]!r} 无对应的报文代码(应为 {allowed} 之一)",
        )

    def decode(self, text: str, scope: dict[str, Any]) -> Any:
        for json_code, xml_code in self.pairs:
            if text == xml_code:
                return json_code
        allowed = ", ".join(x for _, x in self.pairs)
        raise Unmappable(
            f"Unknown {self.label} {text[:20]!r} (one of {allowed})",
            f"未知的{self.label} {text[:20]!r}(应为 {allowed} 之一)",
        )
