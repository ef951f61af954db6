"""BAPLIE <-> container list."""

from __future__ import annotations

from typing import Any

import pytest

from singlewindow.kit.errors import ValidationFailed
from singlewindow.standards.edifact import (
    EdifactError,
    baplie_to_container_list,
    container_list_to_baplie,
)
from tests.standards.edifact.build import ENVELOPE, codes, interchange, message, only_message

SMDG = "BAPLIE:D:95B:UN:SMDG21"


def container_list() -> dict[str, Any]:
    return {
        "ref": "BP0001",
        "prepared_at": "2026-11-29T08:00:00+08:00",
        "vessel": {"imo": "9074729", "name_en": "COSCO SHIPPING ARIES", "carrier_code": "COS"},
        "voyage": "001E",
        "port": "CNYTN",
        "next_port": "SGSIN",
        "containers": [
            {
                "position": "0340682",
                "container_no": "MSKU1234565",
                "size_type": "45G1",
                "fullness": "5",
                "gross_weight_kg": "24500.5",
                "loading_port": "CNYTN",
                "discharge_port": "NLRTM",
                "operator": "COS",
                "temperature_c": "-18.5",
                "un_number": "1263",
                "imdg_class": "3",
            },
            {
                "position": "0350284",
                "container_no": "TGHU9876542",
                "size_type": "22G1",
                "fullness": "4",
                "gross_weight_kg": "2200",
                "un_number": "1263",
                "imdg_class": "3",
                "dangerous_goods": [
                    {"un_number": "1263", "imdg_class": "3"},
                    {"un_number": "3480", "imdg_class": "9"},
                ],
            },
        ],
    }


def test_container_list_round_trips_both_ways() -> None:
    doc = container_list()
    text = container_list_to_baplie(doc, **ENVELOPE)
    assert f"UNH+1+{SMDG}'" in text
    assert "LOC+147+0340682::5'MEA+WT++KGM:24500.5'TMP+2+-18.5:CEL'" in text
    assert "DGS+IMD+9+3480'" in text
    back = baplie_to_container_list(only_message(text))
    assert back == doc
    assert container_list_to_baplie(back, **ENVELOPE) == text


def test_call_sign_identifies_the_vessel_without_imo() -> None:
    doc = container_list()
    doc["vessel"] = {"call_sign": "VRUX7", "name_en": "ARIES"}
    text = container_list_to_baplie(doc, **ENVELOPE)
    assert "+++VRUX7:103::ARIES'" in text
    assert baplie_to_container_list(only_message(text)) == doc


def test_smdg_style_message_reads() -> None:
    body = [
        "BGM++BP1+9",
        "DTM+137:2611290800:201",
        "TDT+20+001E+++COS:172:20+++VRUX7:103::ARIES",
        "LOC+5+CNYTN:139:6",
        "DTM+178:2611290600:201",
        "LOC+147+0020282::5",
        "MEA+VGM++KGM:21000",
        "LOC+9+CNYTN",
        "LOC+11+NLRTM",
        "RFF+BM:1",
        "EQD+CN+MSKU1234565+22G1+++5",
        "NAD+CA+COS:172:20",
        "FTX+AAA+++ELECTRONICS",
    ]
    doc = baplie_to_container_list(only_message(interchange(message(body, identifier=SMDG))))
    assert doc["prepared_at"] == "2026-11-29T08:00:00+08:00"
    assert doc["vessel"] == {"carrier_code": "COS", "call_sign": "VRUX7", "name_en": "ARIES"}
    assert doc["containers"] == [
        {
            "position": "0020282",
            "gross_weight_kg": "21000",
            "loading_port": "CNYTN",
            "discharge_port": "NLRTM",
            "container_no": "MSKU1234565",
            "size_type": "22G1",
            "fullness": "5",
            "operator": "COS",
        }
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (["BGM++1+9"], "missing_segment"),
        (["BGM++1+9", "TDT+20+1", "EQD+CN+X"], "segment_out_of_place"),
        (["BGM++1+9", "TDT+20+1", "LOC+147+1::5", "EQD+CN+X", "EQD+CN+Y"], "duplicate_segment"),
        (["BGM++1+9", "TDT+20+1", "LOC+147+1::5", "TMP+2+20:FAH"], "unsupported_unit"),
        (["BGM++1+9", "TDT+20+1", "LOC+999+1"], "unknown_qualifier"),
    ],
)
def test_bad_bayplans(body: list[str], code: str) -> None:
    found = only_message(interchange(message(body, identifier=SMDG)))
    with pytest.raises(EdifactError) as caught:
        baplie_to_container_list(found)
    assert code in codes(caught.value.findings)


def test_a_container_needs_position_and_number() -> None:
    doc = container_list()
    del doc["containers"][1]["position"]
    doc["containers"][0]["temperature_c"] = "cold"
    del doc["containers"][0]["container_no"]
    with pytest.raises(ValidationFailed) as caught:
        container_list_to_baplie(doc, **ENVELOPE)
    assert {(f.path, f.code) for f in caught.value.findings} == {
        ("/containers/1/position", "required"),
        ("/containers/0/temperature_c", "invalid_number"),
        ("/containers/0/container_no", "required"),
    }
