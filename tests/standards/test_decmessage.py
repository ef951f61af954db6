"""DecMessage XML: safe parsing, structure errors, fixtures and the sample round trip."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from singlewindow.kit.clock import today_china
from singlewindow.kit.errors import BadRequest
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents import get_document_type
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.rules import normalise, validate
from singlewindow.standards.xml import parse_decmessage, render_decmessage

FIXTURES = Path(__file__).parent.parent / "fixtures" / "decmessage"
NS = "http://www.chinaport.gov.cn/dec"
GD = "goods_declaration"


def refused(data: bytes) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        parse_decmessage(data)
    error = caught.value
    assert error.status == 400
    assert error.findings, "a refusal carries findings"
    for f in error.findings:
        assert f.path.startswith("/")
        assert f.message
        assert f.message_zh
    return error


def minimal(head: str = "<IEFlag>I</IEFlag>", extra: str = "") -> bytes:
    return (
        f'<DecMessage version="5.0" xmlns="{NS}"><DecHead>{head}</DecHead>'
        f"<DecLists/>{extra}</DecMessage>"
    ).encode()


# --- safety ----------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE DecMessage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<DecMessage xmlns="http://www.chinaport.gov.cn/dec"><DecHead><NoteS>&xxe;</NoteS></DecHead>
</DecMessage>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<DecMessage xmlns="http://www.chinaport.gov.cn/dec"><DecHead><NoteS>&lol9;</NoteS></DecHead>
</DecMessage>"""

DOCTYPE_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE DecMessage>
<DecMessage xmlns="http://www.chinaport.gov.cn/dec"><DecHead/></DecMessage>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE DecMessage SYSTEM "http://127.0.0.1:9/evil.dtd">
<DecMessage xmlns="http://www.chinaport.gov.cn/dec"><DecHead/></DecMessage>"""


@pytest.mark.parametrize(
    "data", [XXE, LAUGHS, DOCTYPE_ONLY, EXTERNAL_DTD], ids=["xxe", "laughs", "doctype", "dtd"]
)
def test_dtd_and_entities_are_refused_without_expansion(data: bytes) -> None:
    started = time.perf_counter()
    error = refused(data)
    assert error.code == "dtd_forbidden"
    assert "root:" not in repr(error.as_body())  # nothing from /etc/passwd
    assert "lollol" not in repr(error.as_body())
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("data", [XXE, LAUGHS, DOCTYPE_ONLY])
def test_dtd_is_refused_in_utf16_too(data: bytes) -> None:
    encoded = data.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    error = refused(encoded.decode().encode("utf-16"))
    assert error.code == "dtd_forbidden"


def test_undeclared_entity_is_malformed() -> None:
    assert refused(minimal("<NoteS>&xxe;</NoteS>")).code == "malformed_xml"


@pytest.mark.parametrize(
    "data",
    [b"", b"not xml", b"<DecMessage", minimal("<IEFlag>I</IEFlag")],
    ids=["empty", "text", "unclosed", "broken"],
)
def test_malformed(data: bytes) -> None:
    assert refused(data).code == "malformed_xml"


def test_wrong_namespace() -> None:
    for ns in ('xmlns="http://example.com/dec"', ""):
        error = refused(f"<DecMessage {ns}><DecHead/></DecMessage>".encode())
        assert error.code == "wrong_namespace"


def test_wrong_root() -> None:
    response = f'<DecImportResponse xmlns="{NS}"><ResponseCode>0</ResponseCode></DecImportResponse>'
    error = refused(response.encode())
    assert error.code == "wrong_root"


def test_unknown_and_duplicate_elements_are_all_reported() -> None:
    data = minimal(
        "<IEFlag>I</IEFlag><IEFlag>E</IEFlag><Colour>red</Colour><NoteS><b>x</b></NoteS>",
        extra="<TrnHead/><DecContainers><Box/></DecContainers><EdocRealation><Foo/></EdocRealation>",
    )
    error = refused(data)
    assert error.code == "invalid_decmessage"
    assert {(f.path, f.code) for f in error.findings} == {
        ("/DecMessage/DecHead/IEFlag", "duplicate_element"),
        ("/DecMessage/DecHead/Colour", "unknown_element"),
        ("/DecMessage/DecHead/NoteS", "unexpected_children"),
        ("/DecMessage/TrnHead", "unknown_element"),
        ("/DecMessage/DecContainers/Box", "unknown_element"),
        ("/DecMessage/EdocRealation[1]/Foo", "unknown_element"),
    }


def test_foreign_namespace_child_is_unknown() -> None:
    data = minimal(extra='<x:DecFreeTxt xmlns:x="urn:other"><x:VoyNo>1</x:VoyNo></x:DecFreeTxt>')
    assert [f.code for f in refused(data).findings] == ["unknown_element"]


def test_paths_index_repeated_items() -> None:
    lines = "<DecList><GNo>1</GNo></DecList><DecList><GNo>2</GNo><Oops/></DecList>"
    data = f'<DecMessage xmlns="{NS}"><DecLists>{lines}</DecLists></DecMessage>'.encode()
    [finding] = refused(data).findings
    assert finding.path == "/DecMessage/DecLists/DecList[2]/Oops"


def test_values_are_canonicalised_and_empty_tags_dropped() -> None:
    head = (
        "<IEFlag> I </IEFlag><IEDate>20250915</IEDate><PackNo>007</PackNo>"
        "<GrossWet>1.50</GrossWet><NoteS/>"
    )
    doc = parse_decmessage(minimal(head))
    assert doc == {
        "head": {"ie_flag": "I", "ie_date": "2025-09-15", "pack_no": 7, "gross_wet": "1.50"},
        "lines": [],
    }


def test_badly_typed_values_are_kept_for_the_validator() -> None:
    doc = parse_decmessage(minimal("<IEDate>2025-9-1</IEDate><PackNo>many</PackNo>"))
    assert doc["head"] == {"ie_date": "2025-9-1", "pack_no": "many"}
    findings = validate(GD, doc, codes=builtin_lookup(), today=today_china())
    assert {("/head/ie_date", "type"), ("/head/pack_no", "type")} <= {
        (f.path, f.code) for f in findings
    }


# --- fixtures and rendering ------------------------------------------------------------


@pytest.mark.parametrize("name", ["import_general", "export_general"])
def test_fixtures_parse_to_valid_documents(name: str) -> None:
    doc = parse_decmessage((FIXTURES / f"{name}.xml").read_bytes())
    assert validate(GD, doc, codes=builtin_lookup(), today=today_china()) == []
    assert parse_decmessage(render_decmessage(doc)) == doc


def test_import_fixture_content() -> None:
    doc = parse_decmessage((FIXTURES / "import_general.xml").read_bytes())
    assert doc["client_ref"] == "YT2025091500001"
    assert doc["head"]["custom_master"] == "5316"
    assert doc["head"]["ie_flag"] == "I"
    assert len(doc["lines"]) == 3
    assert len(doc["containers"]) == 2
    assert doc["licences"] == [{"docu_code": "Y", "cert_code": "RCEP250912KR000123"}]
    assert doc["free_text"]["voy_no"] == "0118W"
    assert doc["sign"]["oper_type"] == "C"
    assert "client_ref" not in doc["sign"]
    assert doc["lines"][0]["decl_price"] == "455.5"


@pytest.mark.parametrize("ie_flag", ["I", "E"])
def test_sample_round_trip(ie_flag: str) -> None:
    doc = sample_goods_declaration(ie_flag, lines=5)
    assert parse_decmessage(render_decmessage(doc)) == doc


def test_numbers_render_as_plain_decimals() -> None:
    doc = sample_goods_declaration("I", lines=1)
    doc["lines"][0].update(decl_price=450.0, g_qty=200, decl_total="9E+4")
    parsed = parse_decmessage(render_decmessage(doc))
    assert parsed["lines"][0]["decl_price"] == "450.0"
    assert parsed["lines"][0]["g_qty"] == "200"
    assert parsed == normalise(GD, parsed)


def test_render_follows_reference_order() -> None:
    doc = sample_goods_declaration("I", lines=2)
    root = etree.fromstring(render_decmessage(doc))
    assert root.get("version") == get_document_type(GD).xml_version
    children = [etree.QName(c).localname for c in root]
    assert children == [
        "DecHead",
        "DecLists",
        "DecContainers",
        "DecLicenseDocus",
        "DecFreeTxt",
        "DecSign",
        "EdocRealation",
    ]
    sign = [etree.QName(c).localname for c in root.find(f"{{{NS}}}DecSign")]  # type: ignore[union-attr]
    assert sign == ["OperType", "OperName", "ClientSeqNo"]
    head = [etree.QName(c).localname for c in root.find(f"{{{NS}}}DecHead")]  # type: ignore[union-attr]
    expected = [
        f.xml_tag for f in get_document_type(GD).block("head").fields if f.name in doc["head"]
    ]
    assert head == expected


def test_client_ref_alone_makes_a_dec_sign() -> None:
    doc: dict[str, Any] = {"client_ref": "C-1", "head": {"ie_flag": "E"}, "lines": []}
    xml = render_decmessage(doc)
    assert b"<ClientSeqNo>C-1</ClientSeqNo>" in xml
    assert parse_decmessage(xml) == doc


@pytest.mark.parametrize(
    "data", [XXE, LAUGHS, DOCTYPE_ONLY, EXTERNAL_DTD], ids=["xxe", "laughs", "doctype", "dtd"]
)
def test_parser_layer_refuses_even_without_the_byte_scan(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from singlewindow.standards.xml import safe

    monkeypatch.setattr(safe, "_has_dtd_markup", lambda _data: False)
    started = time.perf_counter()
    error = refused(data)
    assert error.code in {"dtd_forbidden", "malformed_xml"}
    body = repr(error.as_body())
    assert "root:" not in body
    assert "lollol" not in body
    assert time.perf_counter() - started < 1
