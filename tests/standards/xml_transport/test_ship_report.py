"""CSM vessel messages and the FAL ship report <-> canonical ``ship_report`` JSON."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from lxml import etree

from singlewindow.kit.clock import today_china
from singlewindow.kit.errors import BadRequest, ValidationFailed
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents.transport_samples import sample_ship_report
from singlewindow.standards.rules import validate
from singlewindow.standards.xml import csm, fal
from singlewindow.standards.xml.mapping import Envelope
from tests.standards.xml_transport.support import canonical

MODULES = {"csm": csm, "fal": fal}
ENVELOPE = Envelope(sender="AGENT1", receiver="EPORT", sent_at="2026-11-29T08:00:00+08:00",
                    version="1.0")  # fmt: skip


def _full(message_type: str) -> dict[str, Any]:
    """A sample with every block: FAL forms 1-7 and the CSM005 movements."""
    doc = sample_ship_report(message_type, passengers=2, dangerous_goods=True)
    doc["stores"] = [{"seq": 1, "description": "DIESEL OIL", "quantity": "120.5", "unit": "070",
                      "location": "TANK 3"}]  # fmt: skip
    doc["crew_effects"] = [{"crew_seq": 1, "description": "CIGARETTES", "quantity": "200",
                            "unit": "012"}]  # fmt: skip
    doc["movements"] = [{"seq": 1, "at": "2026-11-29T09:00:00+08:00", "from_berth": "ANCH1",
                         "to_berth": "YT05", "kind": "berth"}]  # fmt: skip
    return doc


VARIANTS = [sample_ship_report(f"CSM00{n}", passengers=n % 2) for n in range(1, 8)]
VARIANTS += [_full("CSM005"), _full("CSM007")]


@pytest.mark.parametrize("fmt", sorted(MODULES))
@pytest.mark.parametrize("doc", VARIANTS, ids=lambda d: d["message_type"])
def test_samples_round_trip_and_stay_valid(fmt: str, doc: dict[str, Any]) -> None:
    module = MODULES[fmt]
    xml = module.to_xml(doc, ENVELOPE)
    back, envelope = module.read(xml)
    assert back == canonical("ship_report", doc)
    assert envelope == ENVELOPE
    assert module.to_xml(back, envelope) == xml
    assert validate("ship_report", back, codes=builtin_lookup(), today=today_china()) == []


def _values(xml: bytes, path: str) -> list[str]:
    root = etree.fromstring(xml)
    found = root.xpath(path, namespaces={"s": str(root.nsmap[None])})
    return [str(e.text) for e in found]


def test_csm_layout() -> None:
    doc = _full("CSM005")
    xml = csm.to_xml(doc, ENVELOPE)
    root = etree.fromstring(xml)
    assert root.tag == "{http://www.chinaport.gov.cn/csm}CSM005Message"
    assert root.get("version") == "1.0"
    assert _values(xml, "s:HEAD/s:MESSAGE_ID") == [doc["client_ref"]]
    assert _values(xml, "s:SHIP/s:IMO") == ["9074729"]
    assert _values(xml, "s:SHIP/s:VESSELNAMECN") == ["中远海运白羊座"]
    assert _values(xml, "s:VOYAGE/s:ENTER_NUMBER") == ["001E"]
    assert _values(xml, "s:VOYAGE/s:ABROAD_NUMBER") == ["001W"]
    assert _values(xml, "s:VOYAGE/s:ARRIVAL_DATE") == [doc["voyage"]["eta"]]  # ISO, verbatim
    assert _values(xml, "s:VOYAGE/s:CREW_NUMBER") == ["2"]
    assert len(_values(xml, "s:CREW_LIST/s:CREW")) == 2
    un_numbers = [row["un_number"] for row in doc["dangerous_goods"]]
    assert _values(xml, "s:DANGEROUS_GOODS_LIST/s:DANGEROUS_GOODS/s:UN_NO") == un_numbers
    assert _values(xml, "s:MOVEMENT_LIST/s:MOVEMENT/s:MOVE_TYPE") == ["berth"]


def test_fal_layout_has_the_seven_forms() -> None:
    doc = _full("CSM002")
    xml = fal.to_xml(doc, ENVELOPE)
    root = etree.fromstring(xml)
    assert root.tag == "{urn:singlewindow:fal:1}FalReport"
    forms = [etree.QName(child).localname for child in root]
    assert forms == [
        "Header", "GeneralDeclaration", "CargoDeclaration", "ShipStoresDeclaration",
        "CrewEffectsDeclaration", "CrewList", "PassengerList", "DangerousGoodsManifest",
        "ShipMovements",
    ]  # fmt: skip
    ship = "s:GeneralDeclaration/s:Ship"
    assert _values(xml, f"{ship}/s:IMOShipIdentificationNumber") == ["9074729"]
    assert _values(xml, f"{ship}/s:FlagStateOfShip") == ["HKG"]
    assert _values(xml, "s:Header/s:MessageType") == ["CSM002"]
    member = "s:CrewList/s:CrewMember[1]"
    assert _values(xml, f"{member}/s:RankOrRating") == [doc["crew"][0]["rank"]]
    assert _values(xml, f"{member}/s:IdentityDocument/s:NumberOfIdentityDocument") == [
        doc["crew"][0]["doc_no"]
    ]
    mrz = _values(xml, f"{member}/s:IdentityDocument/s:MachineReadableZone")
    assert mrz == [doc["crew"][0]["mrz"]]
    assert "\n" in mrz[0]  # the two MRZ lines survive as one text


def test_vessel_record_writes_only_what_it_has() -> None:
    doc = sample_ship_report("CSM001")
    for module, absent in ((csm, b"CREW_LIST"), (fal, b"CrewList")):
        xml = module.to_xml(doc, ENVELOPE)
        assert absent not in xml
        assert module.from_xml(xml) == doc


def test_default_envelopes() -> None:
    doc = sample_ship_report()
    root = etree.fromstring(csm.to_xml(doc))
    assert root.get("version") == "1.0"
    assert _values(csm.to_xml(doc), "s:HEAD/s:RECEIVER_ID") == ["EPORT"]
    (sent,) = _values(csm.to_xml(doc), "s:HEAD/s:SEND_TIME")
    assert sent.startswith(today_china().isoformat())
    assert sent.endswith("+08:00")
    (prepared,) = _values(fal.to_xml(doc), "s:Header/s:DateAndTimeOfPreparation")
    assert prepared.startswith(today_china().isoformat())


# --------------------------------------------------------------------------- bad XML

CSM_XML = csm.to_xml(_full("CSM005"), ENVELOPE).decode()
FAL_XML = fal.to_xml(_full("CSM005"), ENVELOPE).decode()
CSM_ROOT, FAL_ROOT = "/CSM005Message", "/FalReport"


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(xml: str) -> str:
        assert old in xml, old
        return xml.replace(old, new, 1)

    return edit


BAD_XML: list[tuple[str, str, Callable[[str], str], str, str]] = [
    ("csm", "unknown message type", lambda x: x.replace("CSM005Message", "CSM009Message"),
     "wrong_root", "/CSM009Message"),
    ("csm", "wrong namespace", _replace("http://www.chinaport.gov.cn/csm", "urn:x"),
     "wrong_namespace", CSM_ROOT),
    ("csm", "unknown element", _replace("<SHIP>", "<SHIP><TONNAGE>1</TONNAGE>"),
     "unknown_element", f"{CSM_ROOT}/SHIP/TONNAGE"),
    ("csm", "unknown element in a list", _replace("<CREW_LIST>", "<CREW_LIST><SAILOR/>"),
     "unknown_element", f"{CSM_ROOT}/CREW_LIST/SAILOR"),
    ("csm", "unknown element in an item", _replace("<RANK>", "<ROLE/><RANK>"),
     "unknown_element", f"{CSM_ROOT}/CREW_LIST/CREW[1]/ROLE"),
    ("csm", "duplicate list", _replace("<CREW_LIST>", "<CREW_LIST/><CREW_LIST>"),
     "duplicate_element", f"{CSM_ROOT}/CREW_LIST"),
    ("csm", "missing message id", lambda x: x.split("<MESSAGE_ID>")[0]
     + x.split("</MESSAGE_ID>")[1], "missing_element", f"{CSM_ROOT}/HEAD/MESSAGE_ID"),
    ("csm", "message type contradicts the root", _replace("<MESSAGE_TYPE>CSM005",
                                                          "<MESSAGE_TYPE>CSM004"),
     "inconsistent_value", f"{CSM_ROOT}/HEAD/MESSAGE_TYPE"),
    ("csm", "unknown root attribute", _replace('version="1.0"', 'version="1.0" ver="2"'),
     "unknown_attribute", f"{CSM_ROOT}/@ver"),
    ("csm", "doctype", lambda x: x.replace("<CSM005Message", "<!DOCTYPE a><CSM005Message"),
     "dtd_forbidden", "/"),
    ("fal", "unknown root", lambda x: x.replace("FalReport", "FalForm"), "wrong_root",
     "/FalForm"),
    ("fal", "wrong namespace", _replace("urn:singlewindow:fal:1", "urn:singlewindow:fal:2"),
     "wrong_namespace", FAL_ROOT),
    ("fal", "unknown form", _replace("<CrewList>", "<HealthDeclaration/><CrewList>"),
     "unknown_element", f"{FAL_ROOT}/HealthDeclaration"),
    ("fal", "duplicate value", _replace("<FamilyName>", "<FamilyName>A</FamilyName><FamilyName>"),
     "duplicate_element", f"{FAL_ROOT}/CrewList/CrewMember[1]/FamilyName"),
    ("fal", "value with children", _replace("<NameOfShip>", "<NameOfShip><b/>"),
     "unexpected_children", f"{FAL_ROOT}/GeneralDeclaration/Ship/NameOfShip"),
    ("fal", "missing message type", lambda x: x.split("<MessageType>")[0]
     + x.split("</MessageType>")[1], "missing_element", f"{FAL_ROOT}/Header/MessageType"),
    ("fal", "malformed", _replace("</CrewList>", ""), "malformed_xml", "/"),
]  # fmt: skip


@pytest.mark.parametrize(("fmt", "name", "edit", "code", "path"), BAD_XML,
                         ids=[f"{b[0]}-{b[1]}" for b in BAD_XML])  # fmt: skip
def test_bad_xml_is_refused_with_the_xpath(
    fmt: str, name: str, edit: Callable[[str], str], code: str, path: str
) -> None:
    source = CSM_XML if fmt == "csm" else FAL_XML
    with pytest.raises(BadRequest) as raised:
        MODULES[fmt].from_xml(edit(source).encode())
    assert raised.value.status == 400
    assert (path, code) in [(f.path, f.code) for f in raised.value.findings]
    assert all(f.message and f.message_zh for f in raised.value.findings)


# --------------------------------------------------------------------------- bad JSON


@pytest.mark.parametrize("module", [csm, fal], ids=["csm", "fal"])
@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (lambda d: d["vessel"].update(tonnage=1), "unknown_field", "/vessel/tonnage"),
        (lambda d: d.update(vessel=["x"]), "type", "/vessel"),
        (lambda d: d.update(crew={"seq": 1}), "type", "/crew"),
        (lambda d: d["crew"].append(None), "type", "/crew/2"),
        (lambda d: d["crew"][0].update(rank={"x": 1}), "type", "/crew/0/rank"),
        (lambda d: d.pop("client_ref"), "required", "/client_ref"),
        (lambda d: d["voyage"].update(free_text="\x07"), "not_xml_text", "/voyage/free_text"),
    ],
    ids=["unknown field", "object", "list", "item", "value", "client_ref", "control"],
)
def test_documents_that_cannot_be_written_are_refused(
    module: ModuleType, change: Callable[[dict[str, Any]], object], code: str, path: str
) -> None:
    doc = sample_ship_report()
    change(doc)
    with pytest.raises(ValidationFailed) as raised:
        module.to_xml(doc)
    assert (path, code) in [(f.path, f.code) for f in raised.value.findings]


def test_csm_needs_a_known_message_type_fal_leaves_it_to_validation() -> None:
    doc = sample_ship_report()
    doc["message_type"] = "CSM301"
    with pytest.raises(ValidationFailed) as raised:
        csm.to_xml(doc)
    assert raised.value.findings[0].path == "/message_type"
    back = fal.from_xml(fal.to_xml(doc))
    assert back["message_type"] == "CSM301"
    findings = validate("ship_report", back, codes=builtin_lookup(), today=today_china())
    assert [f.path for f in findings] == ["/message_type"]
