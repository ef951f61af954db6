"""CUSCAR <-> manifest: round trips both ways and the findings of bad messages."""

from __future__ import annotations

from typing import Any

import pytest

from singlewindow.kit.errors import ValidationFailed
from singlewindow.standards.documents.transport_samples import sample_manifest
from singlewindow.standards.edifact import (
    EdifactError,
    cuscar_to_manifest,
    manifest_to_cuscar,
    read_interchange,
    write_interchange,
)
from singlewindow.standards.edifact.cuscar import MESSAGE, manifest_segments
from tests.standards.edifact.build import ENVELOPE, codes, interchange, message, only_message


def roundtrip(doc: dict[str, Any]) -> str:
    text = manifest_to_cuscar(doc, **ENVELOPE)
    back = cuscar_to_manifest(only_message(text))
    assert back == doc
    assert manifest_to_cuscar(back, **ENVELOPE) == text
    return text


@pytest.mark.parametrize(
    ("message_type", "options"),
    [
        ("MT1101", {}),
        ("MT2101", {"bill_nos": ("B1", "B2", "B3")}),
        ("MT3101", {}),
        ("MT1201", {}),
        ("MT1101", {"function": "3"}),
        ("MT1101", {"function": "5", "items": False}),
    ],
)
def test_sample_manifests_round_trip(message_type: str, options: dict[str, Any]) -> None:
    roundtrip(sample_manifest(message_type, **options))


def test_every_mapped_field_round_trips() -> None:
    doc = sample_manifest("MT1101")
    doc["head"] |= {
        "representative": "LI MING",
        "first_arrival_port": "CNSHK",
        "arrival_date": "2026-11-29T08:00:00+08:00",
        "departure_date": "2026-11-30T18:30:15+05:30",
        "terminal_code": "CNYTN531601",
        "change_reason": "R" * 150,
    }
    doc["consignments"][0] |= {
        "house_bill_no": "HB1",
        "value": "12000.50",
        "currency": "USD",
        "delivery_place": "Warehouse 7, Qianhai Road, Shenzhen",
        "consignor_id": "AEO+CN123456",
        "consignee_address": "深圳市南山区前海路1号" * 10,
        "notify_name": "NOTIFY? PARTY+ 'LTD':",
        "un_numbers": "1263 3480",
        "change_reason": "amended",
    }
    doc["items"][0] |= {"container_no": doc["containers"][0]["container_no"], "un_number": "1263"}
    text = roundtrip(doc)
    assert "TDT+20+001E+1++COSCO+++9074729:146:11:COSCO SHIPPING ARIES'" in text
    assert "NAD+CN+91440300MA5F00001A:USCI++" in text
    assert "+++++CN'" in text  # consignee country as ISO alpha-2
    assert "DTM+132:20261129080000?+08:304'" in text
    assert "UNB+UNOW:4+" in text  # Chinese names need UTF-8


def test_ascii_text_is_written_as_unoc_and_anything_else_as_utf8() -> None:
    doc = sample_manifest("MT1101")
    for consignment in doc["consignments"]:
        consignment["consignee_name"] = "SHENZHEN QIANHAI DEMO TECHNOLOGY CO., LTD."
    text = manifest_to_cuscar(doc, **ENVELOPE)
    assert text.startswith("UNA:+.? 'UNB+UNOC:3+CARRIER01+CNSW+261129:0800+IC0001'")
    doc["consignments"][0]["consignee_name"] = "Société Générale"
    accented = manifest_to_cuscar(doc, **ENVELOPE)
    assert "UNB+UNOW:4+" in accented
    read = read_interchange(accented.encode("utf-8"))
    assert cuscar_to_manifest(read.messages[0]) == doc


def test_edifact_json_edifact_is_equal_modulo_whitespace() -> None:
    doc = sample_manifest("MT2101")
    spaced = write_interchange(
        [manifest_segments(doc)], message=MESSAGE, line_breaks=True, **ENVELOPE
    )
    assert "'\n" in spaced
    back = cuscar_to_manifest(only_message(spaced))
    assert manifest_to_cuscar(back, **ENVELOPE) == spaced.replace("'\n", "'")


def test_imo_written_as_un_plus_imo_is_read_as_the_seven_digits() -> None:
    text = manifest_to_cuscar(sample_manifest("MT1101"), **ENVELOPE).replace(
        "+9074729:146", "+UN9074729:146"
    )
    assert cuscar_to_manifest(only_message(text))["head"]["means_id"] == "9074729"


def test_consignment_level_equipment_belongs_to_the_consignment() -> None:
    body = [
        "BGM+785:::MT1101+R1+9",
        "TDT+20+001E+1",
        "CNI+1",
        "RFF+BM:B1",
        "EQD+CN+MSKU1234565+22G1+++5",
        "SEL+S1",
        "SEL+S2",
    ]
    doc = cuscar_to_manifest(only_message(interchange(message(body))))
    assert doc["containers"] == [
        {
            "container_no": "MSKU1234565",
            "size_type": "22G1",
            "fullness": "5",
            "seals": "S1 S2",
            "bill_no": "B1",
        }
    ]


def rejected(body: list[str], identifier: str = "CUSCAR:D:95B:UN") -> EdifactError:
    found = only_message(interchange(message(body, identifier=identifier)))
    with pytest.raises(EdifactError) as caught:
        cuscar_to_manifest(found)
    assert caught.value.status == 422
    return caught.value


GOOD = ["BGM+785:::MT1101+R1+9", "TDT+20+001E+1++COSCO", "CNI+1", "RFF+BM:B1", "PAC+10++22"]


def test_unknown_qualifier_is_a_finding_with_the_element_path() -> None:
    error = rejected([*GOOD[:2], "LOC+99+CNYTN", *GOOD[2:]])
    (finding,) = error.findings
    assert finding.code == "unknown_qualifier"
    assert finding.path == "/messages/0/segments/4/elements/1/components/1"
    assert "'99'" in finding.message
    assert finding.message_zh


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (GOOD[:2], "missing_segment"),
        (["BGM+785+R1+9", "GID+1+5:22", *GOOD[1:]], "segment_out_of_place"),
        ([*GOOD, "MEA+AAE+G+LBR:100"], "unsupported_unit"),
        ([*GOOD, "CNT+11:12"], "control_total_mismatch"),
        ([GOOD[0], "TDT+20+001E+8", *GOOD[2:]], "unsupported_transport_mode"),
        ([*GOOD, "RFF+BM:B2"], "duplicate_segment"),
        ([*GOOD, "XYZ+1"], "unexpected_segment"),
        ([*GOOD, "RFF+ZZ:1"], "unknown_qualifier"),
        ([*GOOD, "DTM+:20261129:102"], "missing_qualifier"),
        ([*GOOD, "NAD+AG+X"], "segment_out_of_place"),
    ],
)
def test_bad_messages(body: list[str], code: str) -> None:
    assert code in codes(rejected(body).findings)


def test_unsupported_version() -> None:
    error = rejected(GOOD, identifier="CUSCAR:D:00B:UN")
    assert codes(error.findings) == {"unsupported_message_version"}
    assert error.findings[0].path == "/messages/0/segments/1/elements/2/components/2"


def test_a_good_message_reads() -> None:
    doc = cuscar_to_manifest(only_message(interchange(message(GOOD))))
    assert doc == {
        "client_ref": "R1",
        "message_type": "MT1101",
        "head": {"function": "9", "journey_id": "001E", "mode": "2", "carrier_code": "COSCO"},
        "consignments": [{"bill_no": "B1", "packages": 10, "package_type": "22"}],
    }


def test_values_that_are_not_numbers_are_kept_for_the_validator() -> None:
    doc = cuscar_to_manifest(
        only_message(interchange(message([*GOOD[:4], "PAC+ten++22", "MEA+AAE+G+KGM:1,5"])))
    )
    assert doc["consignments"][0]["packages"] == "ten"
    assert doc["consignments"][0]["gross_weight_kg"] == "1.5"


def writer_findings(doc: Any) -> set[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        manifest_to_cuscar(doc, **ENVELOPE)
    assert caught.value.status == 422
    return {(f.path, f.code) for f in caught.value.findings}


def test_writer_names_the_fields_it_cannot_write() -> None:
    doc = sample_manifest("MT1101")
    doc["items"][0]["bill_no"] = "NOT-ON-MANIFEST"
    doc["head"]["arrival_date"] = "tomorrow"
    doc["head"]["mode"] = "9"
    doc["consignments"][1]["packages"] = "many"
    doc["containers"][0]["seals"] = {"a": 1}
    assert writer_findings(doc) == {
        ("/items/0/bill_no", "unknown_bill"),
        ("/head/arrival_date", "invalid_datetime"),
        ("/head/mode", "not_representable"),
        ("/consignments/1/packages", "invalid_integer"),
        ("/containers/0/seals", "not_a_value"),
    }


@pytest.mark.parametrize(
    ("doc", "finding"),
    [
        ([], ("/", "not_an_object")),
        ({"head": "x"}, ("/head", "not_an_object")),
        ({"head": {}, "consignments": {}}, ("/consignments", "not_a_list")),
        ({"head": {}, "consignments": [1]}, ("/consignments/0", "not_an_object")),
    ],
)
def test_writer_rejects_malformed_documents(doc: Any, finding: tuple[str, str]) -> None:
    assert finding in writer_findings(doc)


def test_writer_rejects_a_bad_envelope() -> None:
    with pytest.raises(ValidationFailed) as caught:
        manifest_to_cuscar(sample_manifest(), sender="", recipient="R", reference="X" * 15)
    assert {f.path for f in caught.value.findings} == {"/sender", "/reference"}


def test_read_interchange_of_written_bytes() -> None:
    from singlewindow.standards.edifact import encode_interchange

    text = manifest_to_cuscar(sample_manifest(), **ENVELOPE)
    read = read_interchange(encode_interchange(text))
    assert read.header.syntax == "UNOW"
    assert read.messages[0].identifier == MESSAGE
