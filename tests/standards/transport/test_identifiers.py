"""Named identifier checks: IMO, UN/LOCODE shape, UN number, stowage, date-time offset."""

from __future__ import annotations

from typing import Any

import pytest

from singlewindow.standards.rules.identifiers import CHECKS, imo_number

CTX: Any = None  # these checks are pure: the context is not read


def problems(check: str, value: str) -> list[str]:
    return [code for code, en, zh in CHECKS[check](value, CTX) if en and zh]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9074729", []),
        ("9319466", []),
        ("UN9074729", []),
        ("IMO 9074729", []),
        ("9074728", ["imo_check_digit"]),
        ("UN9074728", ["imo_check_digit"]),
        ("907472", ["imo_format"]),
        ("XX9074729", ["imo_format"]),
        ("B-1234", ["imo_format"]),
    ],
)
def test_imo(value: str, expected: list[str]) -> None:
    assert problems("imo", value) == expected


def test_imo_number_strips_the_prefixes() -> None:
    assert imo_number("UN9074729") == imo_number("IMO9074729") == "9074729"
    assert imo_number("9074729") == "9074729"
    assert imo_number("UN907472") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CNYTN", []),
        ("HKHKG", []),
        ("XZAAA", []),  # UN/LOCODE's "international waters" country
        ("CNSZ2", []),
        ("QQABC", ["unlocode_country_unknown"]),
        ("CNSZ1", ["unlocode_format"]),
        ("cnytn", ["unlocode_format"]),
        ("CNYT", ["unlocode_format"]),
    ],
)
def test_unlocode_shape(value: str, expected: list[str]) -> None:
    assert problems("unlocode", value) == expected


@pytest.mark.parametrize(
    ("value", "ok"), [("0004", True), ("1263", True), ("3550", True), ("0000", False),
                      ("0003", False), ("12a4", False), ("12345", False)],
)  # fmt: skip
def test_un_number(value: str, ok: bool) -> None:
    assert (problems("un_number", value) == []) is ok


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("140382", []),
        ("0140382", []),
        ("010002", []),
        ("1400882", []),
        ("000382", ["stowage_bay"]),
        ("140381", ["stowage_tier"]),
        ("140300", ["stowage_tier"]),
        ("14038", ["stowage_format"]),
    ],
)
def test_stowage(value: str, expected: list[str]) -> None:
    assert problems("stowage", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-29T08:00:00+08:00", []),
        ("2026-11-29T00:00:00Z", []),
        ("2026-11-29T08:00:00", ["datetime_offset"]),
        ("2026-11-29", ["datetime_offset"]),
    ],
)
def test_datetime_offset(value: str, expected: list[str]) -> None:
    assert problems("datetime_offset", value) == expected
