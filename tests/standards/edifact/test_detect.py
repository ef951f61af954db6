"""One interchange, several message types: a document or a rejection per message."""

from __future__ import annotations

import io

import pytest

from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.documents.transport_samples import sample_manifest
from singlewindow.standards.edifact import (
    EdifactError,
    Parsed,
    Rejection,
    aperak,
    baplie,
    cuscar,
    cusdec,
    cusres,
    encode_interchange,
    iter_documents,
    read_documents,
    write_interchange,
)
from tests.standards.edifact.build import ENVELOPE, codes, interchange, message


def mixed() -> str:
    """An interchange with each message type we read, built from the writers' bodies."""
    texts = [
        cuscar.manifest_to_cuscar(sample_manifest(), **ENVELOPE),
        cusdec.goods_declaration_to_cusdec(sample_goods_declaration("I", lines=2), **ENVELOPE),
        baplie.container_list_to_baplie(
            {"voyage": "1", "containers": [{"position": "0010282", "container_no": "X1"}]},
            **ENVELOPE,
        ),
        cusres.response_to_cusres({"status": "released", "reasons": []}, **ENVELOPE),
        aperak.acknowledgement_to_aperak({"ref": "1", "accepted": True, "errors": []}, **ENVELOPE),
    ]
    messages = []
    for text in texts:
        start, end = text.index("UNH+"), text.index("UNZ+")
        messages.append(text[start:end])
    unb = texts[0][: texts[0].index("UNH+")]
    return unb + "".join(messages) + f"UNZ+{len(messages)}+{ENVELOPE['reference']}'"


def test_each_message_becomes_its_document() -> None:
    found = read_documents(encode_interchange(mixed()))
    assert [item.doc_type for item in found if isinstance(item, Parsed)] == [
        "manifest",
        "goods_declaration",
        "container_list",
        "agency_response",
        "acknowledgement",
    ]
    doc_type, document, index = found[0]  # unpacks as (doc_type, canonical JSON, index)
    assert (doc_type, index) == ("manifest", 0)
    assert document["head"]["journey_id"] == "001E"
    assert found[3].document == {"status": "released", "reasons": []}  # type: ignore[union-attr]


def test_unsupported_and_broken_messages_are_rejections_between_good_ones() -> None:
    good = ["BGM+785:::MT1101+R1+9", "TDT+20+001E+1", "CNI+1", "RFF+BM:B1"]
    text = interchange(
        message(good, ref="1"),
        message(["BGM+380+INV1+9"], ref="2", identifier="INVOIC:D:96A:UN"),
        message([*good, "LOC+99+X"], ref="3"),
        message(good, ref="4"),
    )
    first, unsupported, broken, last = iter_documents(io.BytesIO(text.encode()), chunk_size=16)
    assert isinstance(first, Parsed)
    assert isinstance(last, Parsed)
    assert last.reference == "4"
    assert isinstance(unsupported, Rejection)
    assert codes(unsupported.findings) == {"unsupported_message_type"}
    assert isinstance(broken, Rejection)
    assert broken.reference == "3"
    assert codes(broken.findings) == {"unknown_qualifier"}
    assert broken.findings[0].path == "/messages/2/segments/6/elements/1/components/1"


def test_interchange_errors_come_before_any_document_for_small_inputs() -> None:
    text = interchange(message(["BGM+785+R1+9", "TDT+20+1", "CNI+1"]), count=2)
    with pytest.raises(EdifactError) as caught:
        read_documents(text)
    assert codes(caught.value.findings) == {"control_count_mismatch"}


def test_write_interchange_with_several_messages_reads_back() -> None:
    bodies = [cuscar.manifest_segments(sample_manifest(bill_nos=(f"B{n}",))) for n in range(3)]
    text = write_interchange(bodies, message=cuscar.MESSAGE, **ENVELOPE)
    found = read_documents(text)
    assert [
        item.document["consignments"][0]["bill_no"] for item in found if isinstance(item, Parsed)
    ] == [
        "B0",
        "B1",
        "B2",
    ]
