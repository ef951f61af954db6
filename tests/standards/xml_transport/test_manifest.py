"""Manifest XML (MT family) <-> canonical ``manifest`` JSON."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from singlewindow.kit.clock import today_china
from singlewindow.kit.errors import BadRequest, ValidationFailed
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents.transport_samples import container_number, sample_manifest
from singlewindow.standards.rules import validate
from singlewindow.standards.xml import manifest
from singlewindow.standards.xml.mapping import Envelope
from tests.standards.xml_transport.support import c14n, canonical

ENVELOPE = Envelope(sender="SENDER1", receiver="EPORT", sent_at="20261129080000123", version="1.0")
NS = "{urn:Declaration:datamodel:standard:CN:MT1101:1}"
MESSAGE_TYPES = manifest.MESSAGE_TYPES
VARIANTS: list[dict[str, Any]] = [
    *[sample_manifest(m) for m in MESSAGE_TYPES],
    sample_manifest(function="3"),
    sample_manifest(function="5", items=False),
    sample_manifest("MT2101", bill_nos=("B1", "B2", "B3"), containers=()),
    # Three containers over two bills: the third goes back to the first bill.
    sample_manifest(containers=[container_number(f"TGHU{n:06d}") for n in (1, 2, 3)]),
]


@pytest.mark.parametrize("doc", VARIANTS, ids=lambda d: f"{d['message_type']}")
def test_samples_round_trip_and_stay_valid(doc: dict[str, Any]) -> None:
    xml = manifest.to_xml(doc, ENVELOPE)
    back, envelope = manifest.read(xml)
    assert back == canonical("manifest", doc)
    assert envelope == ENVELOPE
    assert validate("manifest", back, codes=builtin_lookup(), today=today_china()) == []
    assert manifest.to_xml(back, envelope) == xml


def test_nested_rows_come_back_grouped_by_consignment() -> None:
    doc = sample_manifest(containers=[container_number(f"TGHU{n:06d}") for n in (1, 2, 3)])
    assert [c["bill_no"] for c in doc["containers"]] == ["COSU6312345670", "COSU6312345680",
                                                         "COSU6312345670"]  # fmt: skip
    back = manifest.from_xml(manifest.to_xml(doc))
    assert [c["container_no"] for c in back["containers"]] == [
        doc["containers"][0]["container_no"],
        doc["containers"][2]["container_no"],
        doc["containers"][1]["container_no"],
    ]


def _tree(doc: dict[str, Any], envelope: Envelope | None = ENVELOPE) -> etree._Element:
    return etree.fromstring(manifest.to_xml(doc, envelope))


def _text(root: etree._Element, path: str) -> list[str]:
    ns = {"m": str(etree.QName(root).namespace)}
    return [str(e.text) for e in root.xpath(path, namespaces=ns)]


def test_layout_of_a_sea_arrival_report() -> None:
    doc = sample_manifest("MT3101")
    doc["head"]["arrival_date"] = "2026-11-29T00:30:00+00:00"  # 08:30 in China
    root = _tree(doc)
    assert root.tag == "{urn:Declaration:datamodel:standard:CN:MT3101:1}Manifest"
    assert _text(root, "m:Head/m:MessageID") == [doc["client_ref"]]
    assert _text(root, "m:Head/m:MessageType") == ["MT3101"]
    assert _text(root, "m:Head/m:FunctionCode") == ["9"]
    btm = "m:Declaration/m:BorderTransportMeans"
    assert _text(root, f"{btm}/m:TypeCode") == ["1"]  # UN Rec. 19 sea
    assert _text(root, f"{btm}/m:ID") == ["UN9074729"]
    assert _text(root, f"{btm}/m:ArrivalDateTime") == ["20261129083000"]
    assert _text(root, "m:Declaration/m:UnloadingLocation/m:ID") == ["CNYTN531601/5316"]
    consignments = root.findall(f"{NS.replace('MT1101', 'MT3101')}Declaration/"
                                f"{NS.replace('MT1101', 'MT3101')}Consignment")  # fmt: skip
    assert len(consignments) == 2
    assert _text(root, "m:Declaration/m:Consignment[1]/m:TransportContractDocument/m:ID") == [
        "COSU6312345670"
    ]
    box = "m:Declaration/m:Consignment[2]/m:TransportEquipment"
    assert _text(root, f"{box}/m:EquipmentIdentification/m:ID") == [
        doc["containers"][1]["container_no"]
    ]
    assert manifest.from_xml(etree.tostring(root))["head"]["arrival_date"] == (
        "2026-11-29T08:30:00+08:00"
    )


def test_air_means_value_attributes_and_repeated_seals() -> None:
    doc = sample_manifest("MT1201")
    doc["consignments"][0] |= {"value": "1200.50", "currency": "USD", "un_numbers": "1263 3480"}
    doc["containers"][0]["seals"] = "SL1 SL2"
    root = _tree(doc)
    assert _text(root, "m:Declaration/m:BorderTransportMeans/m:TypeCode") == ["4"]
    assert _text(root, "m:Declaration/m:BorderTransportMeans/m:ID") == ["B-1234"]
    first = root.xpath("m:Declaration/m:Consignment[1]", namespaces={"m": str(root.nsmap[None])})[0]
    value = first.find(f"{{{root.nsmap[None]}}}ValueAmount")
    assert (value.text, value.get("CurrencyTypeCode")) == ("1200.50", "USD")
    assert _text(first, "m:UNDGCode") == ["1263", "3480"]
    assert _text(first, "m:TransportEquipment/m:SealID") == ["SL1", "SL2"]
    assert manifest.from_xml(etree.tostring(root)) == canonical("manifest", doc)


def test_default_envelope() -> None:
    doc = sample_manifest()
    root = _tree(doc, envelope=None)
    assert _text(root, "m:Head/m:SenderID") == [doc["head"]["agent_code"]]
    assert _text(root, "m:Head/m:ReceiverID") == ["EPORT"]
    assert _text(root, "m:Head/m:Version") == ["1.0"]
    (sent,) = _text(root, "m:Head/m:SendTime")
    assert len(sent) == 17
    assert sent.isdigit()
    assert sent[:8] == today_china().strftime("%Y%m%d")


HAND_WRITTEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT3101:1"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="urn:Declaration:datamodel:standard:CN:MT3101:1 MT3101.xsd">
  <!-- declaration first, head last: element order is not significant when reading -->
  <Declaration>
    <Consignment>
      <TransportContractDocument><ID> COSU6312345670 </ID></TransportContractDocument>
      <TransportEquipment>
        <EquipmentIdentification><ID>MSKU7000007</ID></EquipmentIdentification>
        <FullnessCode>5</FullnessCode>
      </TransportEquipment>
    </Consignment>
    <UnloadingLocation><ID>CNYTN531601/5316</ID></UnloadingLocation>
    <BorderTransportMeans>
      <ID>9074729</ID>
      <TypeCode>1</TypeCode>
      <JourneyID>001W</JourneyID>
      <ArrivalDateTime>202611290830</ArrivalDateTime>
      <Name></Name>
    </BorderTransportMeans>
    <DeclarationOfficeID>5316</DeclarationOfficeID>
  </Declaration>
  <Head>
    <MessageID>CN_MT3101_1p0_TERM01_20261129083000</MessageID>
    <FunctionCode>9</FunctionCode>
    <MessageType>MT3101</MessageType>
    <SenderID>TERM01</SenderID>
    <SendTime>20261129083000000</SendTime>
    <Version>1.0</Version>
  </Head>
</Manifest>
"""


def test_reading_is_lenient_about_order_whitespace_and_short_forms() -> None:
    doc, envelope = manifest.read(HAND_WRITTEN)
    assert doc == {
        "message_type": "MT3101",
        "client_ref": "CN_MT3101_1p0_TERM01_20261129083000",
        "head": {
            "function": "9",
            "customs_office": "5316",
            "journey_id": "001W",
            "mode": "2",
            "means_id": "9074729",  # the UN prefix may be missing
            "arrival_date": "2026-11-29T08:30:00+08:00",  # minutes only
            "terminal_code": "CNYTN531601",
        },
        "consignments": [{"bill_no": "COSU6312345670"}],
        "containers": [
            {"bill_no": "COSU6312345670", "container_no": "MSKU7000007", "fullness": "5"}
        ],
    }
    assert envelope == Envelope(sender="TERM01", sent_at="20261129083000000", version="1.0")
    # Written back, it is the canonical form of the same message.
    again = manifest.to_xml(doc, envelope)
    assert manifest.read(again) == (doc, envelope)
    assert b"<ID>UN9074729</ID>" in again
    assert c14n(again) != c14n(HAND_WRITTEN)


# --------------------------------------------------------------------------- bad XML

SAMPLE = manifest.to_xml(sample_manifest(), ENVELOPE).decode()
MT = "/Manifest"
CONSIGNMENT = f"{MT}/Declaration/Consignment"


def _replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def edit(xml: str) -> str:
        assert old in xml, old
        return xml.replace(old, new, count)

    return edit


def _nth(old: str, new: str, n: int) -> Callable[[str], str]:
    def edit(xml: str) -> str:
        head, *parts = xml.split(old)
        assert len(parts) >= n, old
        return head + "".join((new if i == n - 1 else old) + p for i, p in enumerate(parts))

    return edit


BAD_XML: list[tuple[str, Callable[[str], str], str, str]] = [
    ("unknown message type", _replace("CN:MT1101:1", "CN:MT9999:1"), "wrong_namespace", MT),
    ("DecMessage namespace", _replace("urn:Declaration:datamodel:standard:CN:MT1101:1",
                                      "http://www.chinaport.gov.cn/dec"), "wrong_namespace", MT),
    ("no namespace", _replace(' xmlns="urn:Declaration:datamodel:standard:CN:MT1101:1"', ""),
     "wrong_namespace", MT),
    ("unknown root", lambda x: x.replace("<Manifest ", "<Manifesto ").replace(
        "</Manifest>", "</Manifesto>"), "wrong_root", "/Manifesto"),
    ("unknown element", _nth("<ConsignmentPackaging>", "<Bogus/><ConsignmentPackaging>", 2),
     "unknown_element", f"{CONSIGNMENT}[2]/Bogus"),
    ("foreign namespace", _replace("<Head>", '<Head><x:MessageID xmlns:x="urn:x">1</x:MessageID>'),
     "unknown_element", f"{MT}/Head/MessageID"),
    ("unknown attribute", _replace("<TotalGrossMassMeasure>",
                                   '<TotalGrossMassMeasure unit="KGM">'),
     "unknown_attribute", f"{CONSIGNMENT}[1]/TotalGrossMassMeasure/@unit"),
    ("unknown root attribute", _replace("<Manifest ", '<Manifest version="1" '),
     "unknown_attribute", f"{MT}/@version"),
    ("duplicate element", _replace("<FunctionCode>9</FunctionCode>",
                                   "<FunctionCode>9</FunctionCode><FunctionCode>5</FunctionCode>"),
     "duplicate_element", f"{MT}/Head/FunctionCode"),
    ("duplicate wrapper", _replace("<Carrier>", "<Carrier><ID>X</ID></Carrier><Carrier>"),
     "duplicate_element", f"{MT}/Declaration/Carrier"),
    ("missing MessageID", lambda x: x.split("<MessageID>")[0] + x.split("</MessageID>")[1],
     "missing_element", f"{MT}/Head/MessageID"),
    ("empty FunctionCode", _replace(">9</FunctionCode>", "> </FunctionCode>"),
     "missing_element", f"{MT}/Head/FunctionCode"),
    ("missing bill number", _replace("<ID>COSU6312345670</ID>", ""),
     "missing_element", f"{CONSIGNMENT}[1]/TransportContractDocument/ID"),
    ("missing Head", lambda x: x.split("<Head>")[0] + x.split("</Head>")[1],
     "missing_element", f"{MT}/Head/MessageID"),
    ("type against namespace", _replace("<MessageType>MT1101", "<MessageType>MT2101"),
     "inconsistent_value", f"{MT}/Head/MessageType"),
    ("unknown transport mode", _replace("<TypeCode>1</TypeCode>", "<TypeCode>9</TypeCode>"),
     "unmappable_value", f"{MT}/Declaration/BorderTransportMeans/TypeCode"),
    ("duplicate bill", _replace("COSU6312345680", "COSU6312345670", 2),
     "duplicate_key", f"{CONSIGNMENT}[2]"),
    ("text in a leaf with children", _replace("<FunctionCode>9</FunctionCode>",
                                              "<FunctionCode><X/>9</FunctionCode>"),
     "unexpected_children", f"{MT}/Head/FunctionCode"),
    ("text in a wrapper", _replace("<Carrier>", "<Carrier>COSCO"),
     "mixed_content", f"{MT}/Declaration/Carrier"),
    ("text in a group element", _replace("<Consignment>", "<Consignment>B/L"),
     "mixed_content", f"{CONSIGNMENT}[1]"),
    ("malformed", _replace("</Head>", "</Heda>"), "malformed_xml", "/"),
    ("doctype", _replace("<Manifest ", '<!DOCTYPE Manifest [<!ENTITY e "x">]><Manifest '),
     "dtd_forbidden", "/"),
    ("external entity", _replace("<Manifest ", '<!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                 "<Manifest "), "dtd_forbidden", "/"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "edit", "code", "path"), BAD_XML, ids=[b[0] for b in BAD_XML])
def test_bad_xml_is_refused_with_the_xpath(
    name: str, edit: Callable[[str], str], code: str, path: str
) -> None:
    with pytest.raises(BadRequest) as raised:
        manifest.from_xml(edit(SAMPLE).encode())
    error = raised.value
    assert error.status == 400
    assert (path, code) in [(f.path, f.code) for f in error.findings]
    assert all(f.message and f.message_zh for f in error.findings)
    assert error.message_zh


def test_every_layout_problem_is_reported_at_once() -> None:
    xml = _replace("<Carrier>", "<Carrier>COSCO<Bogus/>")(SAMPLE)
    xml = _replace("<MessageType>MT1101", "<MessageType>MT2101")(xml)
    with pytest.raises(BadRequest) as raised:
        manifest.from_xml(xml.encode())
    codes = sorted(f.code for f in raised.value.findings)
    assert codes == ["inconsistent_value", "mixed_content", "unknown_element"]
    assert raised.value.code == "invalid_manifest_xml"


def test_unloading_location_of_another_office_is_refused() -> None:
    xml = manifest.to_xml(sample_manifest("MT3101"), ENVELOPE).decode()
    with pytest.raises(BadRequest) as raised:
        manifest.from_xml(xml.replace("CNYTN531601/5316", "CNYTN531601/5300").encode())
    (found,) = raised.value.findings
    assert (found.path, found.code) == (f"{MT}/Declaration/UnloadingLocation/ID",
                                        "inconsistent_value")  # fmt: skip


def test_non_bytes_and_utf16_doctype_are_refused() -> None:
    with pytest.raises(BadRequest):
        manifest.from_xml("<Manifest/>")  # type: ignore[arg-type]
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE m><Manifest/>'.encode("utf-16")
    with pytest.raises(BadRequest) as raised:
        manifest.from_xml(utf16)
    assert raised.value.code == "dtd_forbidden"


# --------------------------------------------------------------------------- bad JSON


def _doc(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    doc = sample_manifest()
    change(doc)
    return doc


BAD_JSON: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    ("container of another bill", lambda d: d["containers"][0].update(bill_no="NOPE"),
     "unknown_parent", "/containers/0/bill_no"),
    ("item without bill", lambda d: d["items"][1].pop("bill_no"),
     "unknown_parent", "/items/1/bill_no"),
    ("duplicate bill", lambda d: d["consignments"][1].update(bill_no="COSU6312345670"),
     "duplicate_key", "/consignments/1/bill_no"),
    ("unknown root field", lambda d: d.update(bogus=1), "unknown_field", "/bogus"),
    ("unknown head field", lambda d: d["head"].update(bogus=1), "unknown_field", "/head/bogus"),
    ("unknown container field", lambda d: d["containers"][0].update(bogus=1),
     "unknown_field", "/containers/0/bogus"),
    ("head not an object", lambda d: d.update(head="x"), "type", "/head"),
    ("consignments not a list", lambda d: d.update(consignments={}), "type", "/consignments"),
    ("consignment not an object", lambda d: d["consignments"].append("x"),
     "type", "/consignments/2"),
    ("list as a value", lambda d: d["consignments"][0].update(packages=[1]),
     "type", "/consignments/0/packages"),
    ("boolean as a value", lambda d: d["head"].update(means_name=True), "type", "/head/means_name"),
    ("unknown mode", lambda d: d["head"].update(mode="9"), "unmappable_value", "/head/mode"),
    ("unknown message type", lambda d: d.update(message_type="MT9999"),
     "unmappable_value", "/message_type"),
    ("missing function", lambda d: d["head"].pop("function"), "required", "/head/function"),
    ("missing client_ref", lambda d: d.pop("client_ref"), "required", "/client_ref"),
    ("missing bill", lambda d: d["consignments"][0].pop("bill_no"),
     "required", "/consignments/0/bill_no"),
    ("control character", lambda d: d["head"].update(means_name="EVER\x00GIVEN"),
     "not_xml_text", "/head/means_name"),
    ("terminal with a slash", lambda d: d["head"].update(terminal_code="A/B"),
     "unmappable_value", "/head/terminal_code"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "change", "code", "path"), BAD_JSON,
                         ids=[b[0] for b in BAD_JSON])  # fmt: skip
def test_documents_that_cannot_be_written_are_refused(
    name: str, change: Callable[[dict[str, Any]], object], code: str, path: str
) -> None:
    doc = _doc(change)
    before = copy.deepcopy(doc)
    with pytest.raises(ValidationFailed) as raised:
        manifest.to_xml(doc)
    assert raised.value.status == 422
    assert (path, code) in [(f.path, f.code) for f in raised.value.findings]
    assert all(f.message and f.message_zh for f in raised.value.findings)
    assert doc == before  # the input is never changed


def test_non_object_document_is_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        manifest.to_xml([])  # type: ignore[arg-type]
    assert raised.value.findings[0].code == "type"
