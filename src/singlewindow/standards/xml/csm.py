"""China customs vessel messages CSM001-CSM007 <-> canonical ``ship_report`` JSON.

PROVISIONAL LAYOUT. The message family is known (cn-standards §3.1) but no public schema
was found; the field names are those of §3.2 (IMO, SHIP_NO, SHIP_NAME, VESSELNAMECN,
ENTER_NUMBER, ABROAD_NUMBER, DEPARTURE_PORT_CODE, ARRIVAL_PORT_CODE, BERTH_CODE,
ARRIVAL_DATE, AGENT_CODE, CONTEXT_NAME, DECLARATION_DATE, FREE_TEXT) and the rest are named
in the same style. The layout we write and read::

    <CSM002Message xmlns="http://www.chinaport.gov.cn/csm" version="1.0">
      <HEAD>MESSAGE_ID (= client_ref), MESSAGE_TYPE, SENDER_ID, RECEIVER_ID, SEND_TIME</HEAD>
      <SHIP>the vessel (FAL 1 particulars)</SHIP>
      <VOYAGE>the call: voyages, ports, times, agent, master, counts</VOYAGE>
      <CARGO_LIST><CARGO/>…</CARGO_LIST>                      FAL 2 summary
      <STORES_LIST><STORES/>…</STORES_LIST>                   FAL 3
      <CREW_EFFECTS_LIST><CREW_EFFECTS/>…</CREW_EFFECTS_LIST> FAL 4
      <CREW_LIST><CREW/>…</CREW_LIST>                         FAL 5
      <PASSENGER_LIST><PASSENGER/>…</PASSENGER_LIST>          FAL 6
      <DANGEROUS_GOODS_LIST><DANGEROUS_GOODS/>…</…>           FAL 7
      <MOVEMENT_LIST><MOVEMENT/>…</MOVEMENT_LIST>             CSM005 movements
    </CSM002Message>

The root element names the message type (as the e-port's CEB messages do:
``CEB311Message``). Date-times are ISO 8601 with offset (§3.2: "datetime with timezone")
and dates ISO ``YYYY-MM-DD``, both carried verbatim. A list wrapper is written only when
the list has items.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from singlewindow.standards.documents.registry import get_document_type
from singlewindow.standards.xml.mapping import (
    Envelope,
    Group,
    Integer,
    Leaf,
    Number,
    Text,
    china_now,
    finding,
    invalid_xml,
    not_renderable,
    read_message,
    root_group,
    serialise,
    write_message,
    wrong_root,
)
from singlewindow.standards.xml.safe import parse_xml

NAMESPACE = "http://www.chinaport.gov.cn/csm"
VERSION = "1.0"
_ROOT = re.compile(r"(CSM\d{3})Message")
MESSAGE_TYPES = get_document_type("ship_report").block("voyage").field("message_type").enum_codes

NUMBER, INTEGER = Number(), Integer()
DATE, MOMENT = Text("date"), Text("datetime")


def _person(*, crew: bool) -> tuple[Leaf, ...]:
    rank = (Leaf("rank", "RANK"),) if crew else ()
    return (
        Leaf("seq", "SEQ_NO", INTEGER),
        Leaf("family_name", "FAMILY_NAME"),
        Leaf("given_names", "GIVEN_NAMES"),
        *rank,
        Leaf("nationality", "NATIONALITY"),
        Leaf("birth_date", "BIRTH_DATE", DATE),
        Leaf("birth_place", "BIRTH_PLACE"),
        Leaf("gender", "GENDER"),
        Leaf("doc_type", "DOC_TYPE"),
        Leaf("doc_no", "DOC_NO"),
        Leaf("doc_country", "DOC_COUNTRY"),
        Leaf("doc_expiry", "DOC_EXPIRY", DATE),
        Leaf("mrz", "MRZ"),
    )


TABLE = root_group((
    Leaf("client_ref", "HEAD/MESSAGE_ID", required=True),
    Leaf("message_type", "HEAD/MESSAGE_TYPE", required=True),
    Leaf("sender", "HEAD/SENDER_ID", envelope=True),
    Leaf("receiver", "HEAD/RECEIVER_ID", envelope=True),
    Leaf("sent_at", "HEAD/SEND_TIME", envelope=True),
    Leaf("vessel/imo", "SHIP/IMO"),
    Leaf("vessel/ship_no", "SHIP/SHIP_NO"),
    Leaf("vessel/name_en", "SHIP/SHIP_NAME"),
    Leaf("vessel/name_cn", "SHIP/VESSELNAMECN"),
    Leaf("vessel/call_sign", "SHIP/CALL_SIGN"),
    Leaf("vessel/mmsi", "SHIP/MMSI"),
    Leaf("vessel/flag", "SHIP/NATIONALITY_CODE"),
    Leaf("vessel/ship_type", "SHIP/SHIP_TYPE"),
    Leaf("vessel/gross_tonnage", "SHIP/GROSS_TONNAGE", NUMBER),
    Leaf("vessel/net_tonnage", "SHIP/NET_TONNAGE", NUMBER),
    Leaf("vessel/registry_port", "SHIP/REGISTRY_PORT"),
    Leaf("vessel/owner_name", "SHIP/OWNER_NAME"),
    Leaf("voyage/voyage_in", "VOYAGE/ENTER_NUMBER"),
    Leaf("voyage/voyage_out", "VOYAGE/ABROAD_NUMBER"),
    Leaf("voyage/port_of_call", "VOYAGE/ARRIVAL_PORT_CODE"),
    Leaf("voyage/customs_office", "VOYAGE/CUSTOMS_CODE"),
    Leaf("voyage/berth_code", "VOYAGE/BERTH_CODE"),
    Leaf("voyage/last_port", "VOYAGE/DEPARTURE_PORT_CODE"),
    Leaf("voyage/next_port", "VOYAGE/NEXT_PORT_CODE"),
    Leaf("voyage/eta", "VOYAGE/ARRIVAL_DATE", MOMENT),
    Leaf("voyage/etd", "VOYAGE/DEPARTURE_DATE", MOMENT),
    Leaf("voyage/ata", "VOYAGE/ACTUAL_ARRIVAL_DATE", MOMENT),
    Leaf("voyage/atd", "VOYAGE/ACTUAL_DEPARTURE_DATE", MOMENT),
    Leaf("voyage/purpose", "VOYAGE/CALL_PURPOSE"),
    Leaf("voyage/agent_scc", "VOYAGE/AGENT_CODE"),
    Leaf("voyage/agent_name", "VOYAGE/CONTEXT_NAME"),
    Leaf("voyage/master_name", "VOYAGE/MASTER_NAME"),
    Leaf("voyage/crew_count", "VOYAGE/CREW_NUMBER", INTEGER),
    Leaf("voyage/passenger_count", "VOYAGE/PASSENGER_NUMBER", INTEGER),
    Leaf("voyage/declaration_date", "VOYAGE/DECLARATION_DATE", DATE),
    Leaf("voyage/free_text", "VOYAGE/FREE_TEXT"),
    Group("cargo", "CARGO_LIST/CARGO", nodes=(
        Leaf("bill_no", "BILL_NO"),
        Leaf("packages", "PACK_NO", INTEGER),
        Leaf("package_type", "WRAP_TYPE"),
        Leaf("gross_weight_kg", "GROSS_WT", NUMBER),
        Leaf("description", "GOODS_DESC"),
        Leaf("loading_port", "LOADING_PORT_CODE"),
        Leaf("discharge_port", "DISCHARGE_PORT_CODE"),
        Leaf("containers", "CONTAINER_NUMBER", INTEGER),
    )),
    Group("stores", "STORES_LIST/STORES", nodes=(
        Leaf("seq", "SEQ_NO", INTEGER),
        Leaf("description", "GOODS_DESC"),
        Leaf("quantity", "QTY", NUMBER),
        Leaf("unit", "UNIT_CODE"),
        Leaf("location", "LOCATION"),
    )),
    Group("crew_effects", "CREW_EFFECTS_LIST/CREW_EFFECTS", nodes=(
        Leaf("crew_seq", "CREW_SEQ_NO", INTEGER),
        Leaf("description", "GOODS_DESC"),
        Leaf("quantity", "QTY", NUMBER),
        Leaf("unit", "UNIT_CODE"),
    )),
    Group("crew", "CREW_LIST/CREW", nodes=_person(crew=True)),
    Group("passengers", "PASSENGER_LIST/PASSENGER", nodes=(
        *_person(crew=False),
        Leaf("embark_port", "EMBARK_PORT_CODE"),
        Leaf("disembark_port", "DISEMBARK_PORT_CODE"),
        Leaf("transit", "TRANSIT_FLAG"),
    )),
    Group("dangerous_goods", "DANGEROUS_GOODS_LIST/DANGEROUS_GOODS", nodes=(
        Leaf("seq", "SEQ_NO", INTEGER),
        Leaf("bill_no", "BILL_NO"),
        Leaf("un_number", "UN_NO"),
        Leaf("proper_shipping_name", "PROPER_SHIPPING_NAME"),
        Leaf("imdg_class", "IMDG_CLASS"),
        Leaf("subsidiary_risk", "SUBSIDIARY_RISK"),
        Leaf("packing_group", "PACKING_GROUP"),
        Leaf("flash_point_c", "FLASH_POINT", NUMBER),
        Leaf("marine_pollutant", "MARINE_POLLUTANT"),
        Leaf("packages", "PACK_NO", INTEGER),
        Leaf("package_type", "WRAP_TYPE"),
        Leaf("gross_mass_kg", "GROSS_WT", NUMBER),
        Leaf("net_mass_kg", "NET_WT", NUMBER),
        Leaf("container_no", "CONTAINER_NO"),
        Leaf("stowage_position", "STOWAGE_POSITION"),
        Leaf("ems", "EMS"),
    )),
    Group("movements", "MOVEMENT_LIST/MOVEMENT", nodes=(
        Leaf("seq", "SEQ_NO", INTEGER),
        Leaf("at", "MOVE_TIME", MOMENT),
        Leaf("from_berth", "FROM_BERTH_CODE"),
        Leaf("to_berth", "TO_BERTH_CODE"),
        Leaf("kind", "MOVE_TYPE"),
    )),
))  # fmt: skip


def from_xml(data: bytes) -> dict[str, Any]:
    """The canonical ``ship_report`` of CSM XML bytes; ``BadRequest`` (400) with findings at
    XPaths for unsafe or malformed XML and any layout problem."""
    return read(data)[0]


def read(data: bytes) -> tuple[dict[str, Any], Envelope]:
    return read_element(parse_xml(data))


def is_csm(root: etree._Element) -> bool:
    name = etree.QName(root)
    return name.namespace == NAMESPACE and bool(_ROOT.fullmatch(name.localname))


def read_element(root: etree._Element) -> tuple[dict[str, Any], Envelope]:
    name = etree.QName(root)
    path = f"/{name.localname[:64]}"
    match = _ROOT.fullmatch(name.localname)
    if match is None or match.group(1) not in MESSAGE_TYPES:
        raise wrong_root(
            path,
            "wrong_root",
            f"Root element must be CSM001Message … CSM007Message, not {name.localname[:64]}",
            "根元素应为 CSM001Message … CSM007Message",
        )
    if name.namespace != NAMESPACE:
        raise wrong_root(
            path,
            "wrong_namespace",
            f"{name.localname} must be in namespace {NAMESPACE}",
            f"{name.localname} 的命名空间应为 {NAMESPACE}",
        )
    document, envelope, findings = read_message(
        root, TABLE, preset={"message_type": match.group(1)}, root_attributes=frozenset({"version"})
    )
    if findings:
        raise invalid_xml(findings, "vessel message (CSM)", "船舶申报(CSM)", "invalid_csm_xml")
    envelope["version"] = root.get("version", "")
    return document, Envelope.from_dict(envelope)


def to_xml(document: dict[str, Any], envelope: Envelope | None = None) -> bytes:
    """CSM XML (UTF-8) of a canonical ``ship_report``. Without an envelope the receiver is
    ``EPORT`` and the send time now (China time, ISO 8601). ``ValidationFailed`` (422)
    with findings at JSON pointers when the document cannot be written."""
    if not isinstance(document, dict):
        raise not_renderable(
            [finding("", "type", "A ship report must be a JSON object", "船舶申报应为 JSON 对象")],
            "CSM",
            "船舶申报",
        )
    message_type = document.get("message_type")
    if message_type not in MESSAGE_TYPES:
        raise not_renderable(
            [
                finding(
                    "/message_type",
                    "unmappable_value",
                    f"message_type must be one of {', '.join(MESSAGE_TYPES)}",
                    "message_type 应为 CSM001-CSM007 之一",
                )
            ],
            "CSM",
            "船舶申报",
        )
    values = (envelope or Envelope(receiver="EPORT", version=VERSION)).as_dict()
    if envelope is None:
        values["sent_at"] = china_now("%Y-%m-%dT%H:%M:%S+08:00")
    root = etree.Element(etree.QName(NAMESPACE, f"{message_type}Message"), nsmap={None: NAMESPACE})
    if version := values.pop("version", ""):
        root.set("version", version)
    findings = write_message(root, TABLE, document, values)
    if findings:
        raise not_renderable(findings, "CSM", "船舶申报")
    return serialise(root)


__all__ = [
    "MESSAGE_TYPES",
    "NAMESPACE",
    "TABLE",
    "from_xml",
    "is_csm",
    "read",
    "read_element",
    "to_xml",
]
