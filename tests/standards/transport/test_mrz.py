"""ICAO 9303 machine readable zones, checked against the ICAO specimens and, as an
independent oracle, the (GPL, test-only) ``mrz`` package."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.standards.rules.mrz import MrzError, check_digit, parse_mrz

mrz_generator = pytest.importorskip("mrz.generator.td1")
from mrz.checker.td1 import TD1CodeChecker  # noqa: E402
from mrz.checker.td2 import TD2CodeChecker  # noqa: E402
from mrz.checker.td3 import TD3CodeChecker  # noqa: E402
from mrz.generator.td1 import TD1CodeGenerator  # noqa: E402
from mrz.generator.td2 import TD2CodeGenerator  # noqa: E402
from mrz.generator.td3 import TD3CodeGenerator  # noqa: E402

# Specimens of ICAO Doc 9303 (Utopia, Anna Maria Eriksson).
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


def test_check_digit_vectors() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("<<<<") == "0"
    with pytest.raises(ValueError, match="MRZ character"):
        check_digit("a")


@pytest.mark.parametrize(
    ("text", "layout", "number"),
    [(TD3, "TD3", "L898902C3"), (TD2, "TD2", "D23145890"), (TD1, "TD1", "D23145890")],
)
def test_icao_specimens(text: str, layout: str, number: str) -> None:
    mrz = parse_mrz(text)
    assert (mrz.layout, mrz.document_number, mrz.nationality) == (layout, number, "UTO")
    assert (mrz.birth_date, mrz.expiry_date, mrz.sex) == ("740812", "120415", "F")
    assert parse_mrz(text.replace("\n", "\r\n")) == mrz


def test_td1_long_document_number() -> None:
    # Document number D23145890734 (12 chars): check position "<", rest in optional data.
    line1 = "I<UTOD23145890<734<<<<<<<<<<<<"
    number = "D23145890734"
    line1 = f"I<UTO{number[:9]}<{number[9:]}{check_digit(number)}".ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    text = f"{line1}\n{line2}{check_digit(composite)}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    assert parse_mrz(text).document_number == number


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (TD3.replace("L898902C36", "L898902C37"), "mrz_check_digit"),
        (TD3.replace("7408122", "7408123"), "mrz_check_digit"),
        (TD3[:-1] + "1", "mrz_check_digit"),
        (TD1.replace("1204159", "1204158"), "mrz_check_digit"),
        (TD3.lower(), "mrz_format"),
        (TD3.split("\n")[0], "mrz_format"),
        (TD3 + "\n" + "<" * 44, "mrz_format"),
        (TD2[:-1], "mrz_format"),
    ],
)
def test_broken_zones(text: str, code: str) -> None:
    with pytest.raises(MrzError) as caught:
        parse_mrz(text)
    assert caught.value.code == code
    assert caught.value.en
    assert caught.value.zh


NAMES = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12)
NUMBERS = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=5, max_size=9)
DATES = st.dates(date(1931, 1, 1), date(2029, 12, 31)).map(lambda d: d.strftime("%y%m%d"))
STATES = st.sampled_from(["CHN", "HKG", "PHL", "VNM", "KOR", "GBR", "USA"])


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["TD1", "TD2", "TD3"]), family=NAMES, given_name=NAMES,
    number=NUMBERS, state=STATES, birth=DATES, expiry=DATES, sex=st.sampled_from("MF"),
    flip=st.integers(0, 200),
)  # fmt: skip
def test_agrees_with_the_mrz_package(
    kind: str, family: str, given_name: str, number: str, state: str, birth: str,
    expiry: str, sex: str, flip: int,
) -> None:  # fmt: skip
    if kind == "TD1":
        text = str(TD1CodeGenerator("I", state, number, birth, sex, expiry, state, family,
                                    given_name))  # fmt: skip
        checker = TD1CodeChecker
    elif kind == "TD2":
        text = str(TD2CodeGenerator("I", state, family, given_name, number, state, birth, sex,
                                    expiry))  # fmt: skip
        checker = TD2CodeChecker
    else:
        text = str(TD3CodeGenerator("P", state, family, given_name, number, state, birth, sex,
                                    expiry))  # fmt: skip
        checker = TD3CodeChecker
    mrz = parse_mrz(text)
    assert (mrz.layout, mrz.document_number, mrz.nationality) == (kind, number, state)
    assert (mrz.birth_date, mrz.expiry_date, mrz.sex) == (birth, expiry, sex)
    # Change one digit anywhere in the data lines: both implementations reject the zone
    # or both accept it (a change inside a name is not covered by any check digit).
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    position = digits[flip % len(digits)]
    changed = text[:position] + str((int(text[position]) + 1) % 10) + text[position + 1 :]
    try:
        parse_mrz(changed)
        mine = True
    except MrzError:
        mine = False
    assert mine is bool(checker(changed, check_expiry=False))
