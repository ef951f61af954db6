"""CUSRES <-> agency response and APERAK <-> acknowledgement (answering a rejection)."""

from __future__ import annotations

from typing import Any

import pytest

from singlewindow.kit.errors import ValidationFailed
from singlewindow.standards.edifact import (
    EdifactError,
    Message,
    Rejection,
    acknowledgement_to_aperak,
    aperak_to_acknowledgement,
    cusres_to_response,
    message_to_acknowledgement,
    rejection_to_acknowledgement,
    response_to_cusres,
)
from tests.standards.edifact.build import (
    ENVELOPE,
    PREPARED,
    codes,
    interchange,
    items,
    message,
    only_message,
)


@pytest.mark.parametrize("status", ["accepted", "rejected", "inspection_required", "released"])
def test_responses_round_trip(status: str) -> None:
    doc: dict[str, Any] = {
        "declaration_ref": "SW0001",
        "unified_no": "I20260000012345678",
        "entry_no": "531620261000012345",
        "status": status,
        "reasons": [
            {"code": "E101", "text": "申报要素不全: GModel 'brand' missing"},
            {"code": "E7"},
        ],
        "at": "2026-11-29T10:15:00+08:00",
    }
    text = response_to_cusres(doc, **ENVELOPE)
    back = cusres_to_response(only_message(text))
    assert back == doc
    assert response_to_cusres(back, **ENVELOPE) == text


def test_status_from_bgm_when_there_is_no_gis() -> None:
    body = ["BGM+962++9+RE", "RFF+ABE:SW1", "FTX+AAO+++no code, only text"]
    doc = cusres_to_response(only_message(interchange(message(body, identifier="CUSRES:D:95B:UN"))))
    assert doc == {
        "declaration_ref": "SW1",
        "status": "rejected",
        "reasons": [{"text": "no code, only text"}],
    }


def test_response_without_status_is_rejected() -> None:
    found = only_message(interchange(message(["BGM+962++9"], identifier="CUSRES:D:95B:UN")))
    with pytest.raises(EdifactError) as caught:
        cusres_to_response(found)
    assert codes(caught.value.findings) == {"missing_status"}


def test_response_writer_checks_the_status() -> None:
    with pytest.raises(ValidationFailed) as caught:
        response_to_cusres({"status": "maybe", "reasons": [{}]}, **ENVELOPE)
    assert {(f.path, f.code) for f in caught.value.findings} == {
        ("/status", "invalid_status"),
        ("/reasons/0/code", "required"),
    }


def test_acknowledgement_round_trips() -> None:
    doc = {
        "ref": "M17",
        "accepted": False,
        "errors": [
            {
                "code": "unknown_qualifier",
                "path": "/messages/0/segments/4/elements/1",
                "message": "Unknown LOC qualifier '99'",
                "message_zh": "未知的 LOC 限定符",
            },
            {"code": "x", "path": "/head", "message": "m"},
        ],
        "at": "2026-11-29T10:15:00+08:00",
    }
    text = acknowledgement_to_aperak(doc, **ENVELOPE)
    assert "FTX+AAO+++未知的 LOC 限定符+ZH'" in text
    back = aperak_to_acknowledgement(only_message(text))
    assert back == doc
    assert acknowledgement_to_aperak(back, **ENVELOPE) == text


def test_a_rejected_message_is_answered_with_an_aperak() -> None:
    good_body = ["BGM+785:::MT1101+R1+9", "TDT+20+001E+1", "CNI+1", "RFF+BM:B1"]
    text = interchange(message(good_body, ref="A1", count=2), message(good_body, ref="A2"))
    rejected, accepted = items(text)
    assert isinstance(rejected, Rejection)
    assert isinstance(accepted, Message)
    answer = rejection_to_acknowledgement(rejected, at=PREPARED)
    assert answer["ref"] == "A1"
    assert answer["accepted"] is False
    assert answer["errors"][0]["code"] == "segment_count_mismatch"
    assert answer["errors"][0]["path"] == "/messages/0/segments/6/elements/1"
    read_back = aperak_to_acknowledgement(
        only_message(acknowledgement_to_aperak(answer, **ENVELOPE))
    )
    assert read_back == answer
    ok = message_to_acknowledgement(accepted, at=PREPARED)
    assert ok == {"ref": "A2", "accepted": True, "errors": [], "at": "2026-11-29T08:00:00+08:00"}
    assert aperak_to_acknowledgement(only_message(acknowledgement_to_aperak(ok, **ENVELOPE))) == ok


def test_acknowledgement_writer_needs_a_boolean() -> None:
    with pytest.raises(ValidationFailed) as caught:
        acknowledgement_to_aperak({"accepted": "no", "errors": [{"path": "/x"}]}, **ENVELOPE)
    assert {(f.path, f.code) for f in caught.value.findings} == {
        ("/accepted", "not_a_boolean"),
        ("/errors/0/code", "required"),
    }


def test_aperak_without_response_type_is_rejected() -> None:
    found = only_message(
        interchange(message(["BGM+++9", "FTX+AAO+++x"], identifier="APERAK:D:95B:UN"))
    )
    with pytest.raises(EdifactError) as caught:
        aperak_to_acknowledgement(found)
    assert codes(caught.value.findings) == {"missing_qualifier", "segment_out_of_place"}
