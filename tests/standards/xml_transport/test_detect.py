"""``detect``: any transport message, bare or in a DXP envelope, to its canonical document."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.orm import Session

from singlewindow.kit.db import Database
from singlewindow.kit.errors import BadRequest
from singlewindow.standards.codes import service
from singlewindow.standards.documents.transport_samples import sample_manifest, sample_ship_report
from singlewindow.standards.validation import validate_document
from singlewindow.standards.xml import csm, dxp, fal, manifest, transport
from singlewindow.standards.xml.safe import parse_xml
from tests.standards.xml_transport.support import canonical

CASES: list[tuple[ModuleType, str, dict[str, Any]]] = [
    (manifest, "manifest", sample_manifest("MT2101")),
    (manifest, "manifest", sample_manifest("MT3201")),
    (csm, "ship_report", sample_ship_report("CSM003", passengers=1, dangerous_goods=True)),
    (fal, "ship_report", sample_ship_report("CSM006", passengers=2)),
]
IDS = ["MT2101", "MT3201", "CSM", "FAL"]


def _wrapped(xml: bytes) -> bytes:
    return dxp.wrap(xml, msg_type="X", sender="S", receivers=["R"])


@pytest.mark.parametrize(("module", "doc_type", "doc"), CASES, ids=IDS)
@pytest.mark.parametrize("wrap", [False, True], ids=["bare", "dxp"])
def test_detect_every_format(module: ModuleType, doc_type: str, doc: dict[str, Any],
                             wrap: bool) -> None:  # fmt: skip
    xml = module.to_xml(doc)
    assert transport.detect(_wrapped(xml) if wrap else xml) == (
        doc_type,
        canonical(doc_type, doc),
    )


def test_read_root_says_format_and_envelope() -> None:
    xml = csm.to_xml(sample_ship_report())
    parsed = transport.read_root(parse_xml(_wrapped(xml)))
    assert (parsed.doc_type, parsed.format, parsed.index) == ("ship_report", "csm", 1)
    assert parsed.dxp is not None
    assert parsed.dxp.receivers == ("R",)
    assert parsed.envelope.receiver == "EPORT"


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.unit_of_work() as s:
        service.ensure_builtin_tables(s)
        yield s


def test_mapped_back_documents_pass_validate_document(session: Session) -> None:
    for module, doc_type, doc in CASES:
        detected_type, document = transport.detect(_wrapped(module.to_xml(doc)))
        assert detected_type == doc_type
        assert validate_document(session, doc_type, document) == [], module.__name__


def _refusal(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(BadRequest) as raised:
        transport.detect(data)
    assert all(f.message and f.message_zh for f in raised.value.findings)
    return [(f.path, f.code) for f in raised.value.findings]


def test_unsupported_messages() -> None:
    decmessage = b'<DecMessage xmlns="http://www.chinaport.gov.cn/dec"/>'
    assert _refusal(decmessage) == [("/DecMessage", "unsupported_message")]
    assert _refusal(b"<Manifest/>") == [("/Manifest", "unsupported_message")]
    assert _refusal(_wrapped(b"<Other/>")) == [("/DxpMsg/Data/Other", "unsupported_message")]


def test_problems_inside_an_envelope_name_their_place() -> None:
    xml = manifest.to_xml(sample_manifest()).replace(b"<FunctionCode>9", b"<FunctionCode>")
    assert ("/DxpMsg/Data/Manifest/Head/FunctionCode", "missing_element") in _refusal(_wrapped(xml))
    assert _refusal(_wrapped(b"not xml")) == [("/DxpMsg/Data", "malformed_xml")]
    assert _refusal(_wrapped(b"<!DOCTYPE x><x/>")) == [("/DxpMsg/Data", "dtd_forbidden")]
    assert _refusal(_wrapped(_wrapped(b"<x/>"))) == [("/DxpMsg/Data/DxpMsg", "nested_envelope")]


def test_envelope_problems_are_reported_before_the_inner_message() -> None:
    data = _wrapped(b"<x/>").replace(base64.b64encode(b"<x/>"), b"!!")
    assert _refusal(data) == [("/DxpMsg/Data", "invalid_base64")]


def test_gbk_encoded_messages_are_read() -> None:
    xml = csm.to_xml(sample_ship_report()).decode().replace("'UTF-8'", "'GBK'")
    doc_type, document = transport.detect(xml.encode("gbk"))
    assert doc_type == "ship_report"
    assert document["vessel"]["name_cn"] == "中远海运白羊座"
