"""The vessel and voyage search keys stored beside a declaration's document."""

from __future__ import annotations

import pytest

from singlewindow.declarations.keys import document_keys, vessel_key, voyage_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("COSCO SHIPPING ARIES", "COSCO SHIPPING ARIES"),
        ("  cosco   shipping aries ", "COSCO SHIPPING ARIES"),
        ("UN9321483", "9321483"),
        ("un 9321483", "9321483"),
        ("9321483", "9321483"),
        ("UN93214830", "UN93214830"),  # eight digits: not an IMO number, kept as a name
        ("中远海运白羊座", "中远海运白羊座"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_vessel_key(name: str | None, key: str | None) -> None:
    assert vessel_key(name) == key


def test_voyage_and_document_keys() -> None:
    assert voyage_key(" 045e ") == "045E"
    assert voyage_key("") is None
    document = {"head": {"traf_name": "UN9321483"}, "free_text": {"voy_no": "045E"}}
    assert document_keys(document) == {"vessel_key": "9321483", "voyage_no": "045E"}
    assert document_keys({"head": {"traf_name": 7}, "free_text": []}) == {
        "vessel_key": None,
        "voyage_no": None,
    }
