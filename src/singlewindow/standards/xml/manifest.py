"""China customs manifest XML (MT1101 … MT5202) <-> canonical ``manifest`` JSON.

Layout (reference cn-standards §2.2; element names from public samples, WCO data model
style): root ``<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT2101:1">`` — the
namespace carries the message type — with ``Head`` (MessageID, FunctionCode, MessageType,
SenderID, ReceiverID, SendTime ``yyyyMMddHHmmssSSS``, Version) and ``Declaration``
(office, representative, agent, carrier, ``BorderTransportMeans``, the MT3101
``UnloadingLocation`` and one ``Consignment`` per bill with its ``TransportEquipment`` and
``ConsignmentItem`` elements nested inside).

Choices where the samples are silent, all in the one table below:

- ``client_ref`` is the ``MessageID`` (both are the sender's unique message reference);
  sender, receiver, send time and version are the ``Envelope``, not the document.
- ``BorderTransportMeans/TypeCode`` is UN Rec. 19 (1 sea, 2 rail, 3 road, 4 air; the
  MT3101 sample has 1 for sea); ``head.mode`` is the TrafMode code (2, 3, 4, 5).
- Sea means are written ``UN`` + IMO; reading strips one ``UN`` (and accepts it missing).
- The MT3101 unloading location is ``<terminal>/<office>``; reading keeps the terminal and
  refuses an office other than ``DeclarationOfficeID``.
- Date-times are ``yyyyMMddHHmmss`` in China time (as in the samples): another offset is
  converted, fractions of a second are dropped.
- Countries stay ISO alpha-3 and currencies ISO alpha-3, as in DecMessage.
- Space-separated ``seals`` and ``un_numbers`` are one ``SealID`` / ``UNDGCode`` each.
- Containers and items come back grouped by consignment, in consignment order.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from singlewindow.standards.documents.registry import get_document_type
from singlewindow.standards.xml.mapping import (
    ChinaDateTime,
    CodeMap,
    Envelope,
    Group,
    Integer,
    Leaf,
    Number,
    Unmappable,
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

ROOT = "Manifest"
NAMESPACE_FORMAT = "urn:Declaration:datamodel:standard:CN:{}:1"
_NAMESPACE = re.compile(r"urn:Declaration:datamodel:standard:CN:(MT\d{4}):1")
MESSAGE_TYPES = get_document_type("manifest").block("head").field("message_type").enum_codes
SEA = "2"


class MeansId:
    """``head.means_id``: sea means are written ``UN`` + IMO (cn-standards §2.2)."""

    kind = "string"

    def encode(self, value: Any, scope: dict[str, Any]) -> str:
        text = str(value)
        return f"UN{text}" if _mode(scope) == SEA else text

    def decode(self, text: str, scope: dict[str, Any]) -> Any:
        return text[2:] if _mode(scope) == SEA and text.startswith("UN") else text


class TerminalCode:
    """``head.terminal_code`` <-> ``UnloadingLocation/ID`` = ``<terminal>/<office>``."""

    kind = "string"

    def encode(self, value: Any, scope: dict[str, Any]) -> str:
        text = str(value)
        if "/" in text:
            raise Unmappable("A terminal code cannot contain '/'", "理货/卸货地代码不能包含 '/'")
        office = _head(scope).get("customs_office")
        return f"{text}/{office}" if office else text

    def decode(self, text: str, scope: dict[str, Any]) -> Any:
        terminal, _, office = text.partition("/")
        declared = _head(scope).get("customs_office")
        if office and office != declared:
            raise Unmappable(
                f"Unloading location office {office[:8]!r} differs from the declaration "
                f"office {declared!r}",
                f"卸货地关区 {office[:8]!r} 与申报海关 {declared!r} 不一致",
                code="inconsistent_value",
            )
        return terminal


def _head(scope: dict[str, Any]) -> dict[str, Any]:
    head = scope.get("head")
    return head if isinstance(head, dict) else {}


def _mode(scope: dict[str, Any]) -> Any:
    return _head(scope).get("mode")


NUMBER, INTEGER, MOMENT = Number(), Integer(), ChinaDateTime()
MODE = CodeMap((("2", "1"), ("3", "2"), ("4", "3"), ("5", "4")), "transport mode")
_BTM = "Declaration/BorderTransportMeans"

CONTAINERS = Group("containers", "TransportEquipment", inherit="bill_no", nodes=(
    Leaf("container_no", "EquipmentIdentification/ID"),
    Leaf("size_type", "CharacteristicCode"),
    Leaf("fullness", "FullnessCode"),
    Leaf("seals", "SealID", many=True),
))  # fmt: skip

ITEMS = Group("items", "ConsignmentItem", inherit="bill_no", nodes=(
    Leaf("seq", "SequenceNumeric", INTEGER),
    Leaf("packages", "Packaging/QuantityQuantity", INTEGER),
    Leaf("package_type", "Packaging/TypeCode"),
    Leaf("description", "Commodity/CargoDescription"),
    Leaf("hs_code", "Commodity/Classification/ID"),
    Leaf("gross_weight_kg", "GoodsMeasure/GrossMassMeasure", NUMBER),
    Leaf("container_no", "EquipmentIdentification/ID"),
    Leaf("un_number", "UNDGCode"),
))  # fmt: skip

CONSIGNMENTS = Group("consignments", "Declaration/Consignment", key="bill_no", nodes=(
    Leaf("bill_no", "TransportContractDocument/ID", required=True),
    Leaf("change_reason", "TransportContractDocument/ChangeReasonCode"),
    Leaf("house_bill_no", "AssociatedTransportDocument/ID"),
    Leaf("volume_m3", "GrossVolumeMeasure", NUMBER),
    Leaf("value", "ValueAmount", NUMBER),
    Leaf("currency", "ValueAmount/@CurrencyTypeCode"),
    Leaf("loading_port", "LoadingLocation/ID"),
    Leaf("unloading_port", "UnloadingLocation/ID"),
    Leaf("delivery_place", "DeliveryDestination/Line"),
    Leaf("freight_payment", "FreightPayment/MethodCode"),
    Leaf("packages", "ConsignmentPackaging/QuantityQuantity", INTEGER),
    Leaf("package_type", "ConsignmentPackaging/TypeCode"),
    Leaf("gross_weight_kg", "TotalGrossMassMeasure", NUMBER),
    Leaf("consignee_id", "Consignee/ID"),
    Leaf("consignee_name", "Consignee/Name"),
    Leaf("consignee_address", "Consignee/Address/Line"),
    Leaf("consignee_country", "Consignee/Address/CountryCode"),
    Leaf("consignor_id", "Consignor/ID"),
    Leaf("consignor_name", "Consignor/Name"),
    Leaf("consignor_country", "Consignor/Address/CountryCode"),
    Leaf("notify_name", "NotifyParty/Name"),
    Leaf("un_numbers", "UNDGCode", many=True),
    CONTAINERS,
    ITEMS,
))  # fmt: skip

TABLE = root_group((
    Leaf("client_ref", "Head/MessageID", required=True),
    Leaf("head/function", "Head/FunctionCode", required=True),
    Leaf("message_type", "Head/MessageType", required=True),
    Leaf("sender", "Head/SenderID", envelope=True),
    Leaf("receiver", "Head/ReceiverID", envelope=True),
    Leaf("sent_at", "Head/SendTime", envelope=True),
    Leaf("version", "Head/Version", envelope=True),
    Leaf("head/customs_office", "Declaration/DeclarationOfficeID"),
    Leaf("head/representative", "Declaration/RepresentativePerson/Name"),
    Leaf("head/agent_code", "Declaration/Agent/ID"),
    Leaf("head/carrier_code", "Declaration/Carrier/ID"),
    Leaf("head/change_reason", "Declaration/ChangeReasonCode"),
    Leaf("head/journey_id", f"{_BTM}/JourneyID"),
    Leaf("head/mode", f"{_BTM}/TypeCode", MODE),
    Leaf("head/means_id", f"{_BTM}/ID", MeansId()),
    Leaf("head/means_name", f"{_BTM}/Name"),
    Leaf("head/first_arrival_port", f"{_BTM}/FirstArrivalLocationID"),
    Leaf("head/arrival_date", f"{_BTM}/ArrivalDateTime", MOMENT),
    Leaf("head/departure_date", f"{_BTM}/DepartureDateTime", MOMENT),
    Leaf("head/loading_port", f"{_BTM}/LoadingLocation/ID"),
    Leaf("head/unloading_port", f"{_BTM}/UnloadingLocation/ID"),
    Leaf("head/terminal_code", "Declaration/UnloadingLocation/ID", TerminalCode()),
    CONSIGNMENTS,
))  # fmt: skip


def from_xml(data: bytes) -> dict[str, Any]:
    """The canonical ``manifest`` document of manifest XML bytes. ``BadRequest`` (400)
    with findings at XPaths for unsafe or malformed XML and any layout problem."""
    return read(data)[0]


def read(data: bytes) -> tuple[dict[str, Any], Envelope]:
    """(document, envelope) of manifest XML bytes."""
    return read_element(parse_xml(data))


def is_manifest(root: etree._Element) -> bool:
    name = etree.QName(root)
    return name.localname == ROOT and bool(_NAMESPACE.fullmatch(name.namespace or ""))


def read_element(root: etree._Element) -> tuple[dict[str, Any], Envelope]:
    """(document, envelope) of a parsed ``Manifest`` element."""
    name = etree.QName(root)
    path = f"/{name.localname[:64]}"
    if name.localname != ROOT:
        raise wrong_root(
            path,
            "wrong_root",
            f"Root element must be {ROOT}, not {name.localname[:64]}",
            f"根元素应为 {ROOT}",
        )
    match = _NAMESPACE.fullmatch(name.namespace or "")
    if match is None or match.group(1) not in MESSAGE_TYPES:
        expected = NAMESPACE_FORMAT.format("MTnnnn")
        raise wrong_root(
            path,
            "wrong_namespace",
            f"{ROOT} must be in namespace {expected} with a known message type",
            f"{ROOT} 的命名空间应为 {expected}(已知的报文类型)",
        )
    document, envelope, findings = read_message(
        root, TABLE, preset={"message_type": match.group(1)}
    )
    if findings:
        raise invalid_xml(findings, "manifest (MT)", "舱单(MT)", "invalid_manifest_xml")
    return document, Envelope.from_dict(envelope)


def to_xml(document: dict[str, Any], envelope: Envelope | None = None) -> bytes:
    """Manifest XML (UTF-8) of a canonical ``manifest`` document. Without an envelope the
    sender is the agent (or carrier) code, the receiver ``EPORT``, the send time now.
    ``ValidationFailed`` (422) with findings at JSON pointers when it cannot be written."""
    if not isinstance(document, dict):
        raise not_renderable(
            [finding("", "type", "A manifest must be a JSON object", "舱单应为 JSON 对象")],
            "manifest",
            "舱单",
        )
    message_type = document.get("message_type")
    if message_type not in MESSAGE_TYPES:
        raise not_renderable(
            [
                finding(
                    "/message_type",
                    "unmappable_value",
                    f"message_type must be one of {', '.join(MESSAGE_TYPES)}",
                    "message_type 应为已知的舱单报文类型",
                )
            ],
            "manifest",
            "舱单",
        )
    namespace = NAMESPACE_FORMAT.format(message_type)
    root = etree.Element(etree.QName(namespace, ROOT), nsmap={None: namespace})
    findings = write_message(root, TABLE, document, _envelope(document, envelope))
    if findings:
        raise not_renderable(findings, "manifest", "舱单")
    return serialise(root)


def _envelope(document: dict[str, Any], envelope: Envelope | None) -> dict[str, str]:
    if envelope is not None:
        return envelope.as_dict()
    head = _head(document)
    sender = head.get("agent_code") or head.get("carrier_code")
    values = {"receiver": "EPORT", "sent_at": china_now("%Y%m%d%H%M%S%f")[:17], "version": "1.0"}
    if isinstance(sender, str) and sender:
        values["sender"] = sender
    return values


__all__ = ["MESSAGE_TYPES", "TABLE", "from_xml", "is_manifest", "read", "read_element", "to_xml"]
