"""The compiled validation plan: the shortcuts it takes agree with the plain definitions."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.kit.clock import today_china
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents.registry import get_document_type
from singlewindow.standards.documents.samples import TRADER_USCC, sample_goods_declaration
from singlewindow.standards.rules import validate
from singlewindow.standards.rules.fields import _text_digits
from singlewindow.standards.rules.identifiers import CHECKS
from singlewindow.standards.rules.structure import plan_for
from singlewindow.standards.rules.values import as_decimal, digits

GD = "goods_declaration"

decimal_text = st.builds(
    lambda sign, whole, point, fraction: f"{sign}{whole}{point}{fraction}",
    st.sampled_from(["", "+", "-"]),
    st.from_regex(r"[0-9]{0,35}", fullmatch=True),
    st.sampled_from([".", ""]),
    st.from_regex(r"[0-9]{0,35}", fullmatch=True),
)


@settings(max_examples=500, deadline=None)
@given(decimal_text)
def test_digits_read_off_the_text_agree_with_decimal_arithmetic(text: str) -> None:
    number = as_decimal(text)
    if number is None:  # not decimal text ("", "-", "." …): never reaches the digit count
        return
    counted = _text_digits(text)
    if counted is not None:  # None: long enough to be rounded, the Decimal path decides
        assert counted == digits(number)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("00012.3400", (2, 2)), ("-0.000", (0, 0)), ("+.5", (0, 1)), ("100", (3, 0)), ("1.", (1, 0))],
)
def test_digits_of_typical_amounts(text: str, expected: tuple[int, int]) -> None:
    assert _text_digits(text) == expected == digits(Decimal(text))


def test_the_plan_is_compiled_once_per_document_type() -> None:
    definition = get_document_type(GD)
    assert plan_for(definition) is plan_for(definition)


def test_memoised_checks_hand_out_fresh_lists() -> None:
    bad = TRADER_USCC[:-1] + ("0" if TRADER_USCC[-1] != "0" else "1")
    first = CHECKS["uscc"](bad, None)  # type: ignore[arg-type]  # pure: the context is unused
    assert [p[0] for p in first] == ["uscc_check_digit"]
    first.clear()
    assert CHECKS["uscc"](bad, None) != []  # type: ignore[arg-type]
    assert CHECKS["uscc"](TRADER_USCC, None) == []  # type: ignore[arg-type]


def test_validating_does_not_modify_the_document() -> None:
    doc: dict[str, Any] = sample_goods_declaration("I", lines=5)
    doc["head"]["bogus"] = "\x00"
    doc["lines"][0]["g_qty"] = "1.123456789"
    before = copy.deepcopy(doc)
    findings = validate(GD, doc, codes=builtin_lookup(), today=today_china())
    assert {f.code for f in findings} >= {"unknown_field", "decimal_scale"}
    assert doc == before


def test_findings_are_equal_on_repeated_validation() -> None:
    """Nothing computed once (plan, memoised checks) leaks state between documents."""
    doc = sample_goods_declaration("E", lines=3)
    doc["head"]["trade_co_scc"] = TRADER_USCC[:-1] + "#"
    doc["lines"][1]["decl_total"] = "1.00"
    runs = [validate(GD, doc, codes=builtin_lookup(), today=today_china()) for _ in range(3)]
    assert runs[0]
    assert runs[0] == runs[1] == runs[2]
