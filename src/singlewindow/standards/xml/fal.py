"""IMO FAL ship report XML (maritime single window style) <-> canonical ``ship_report`` JSON.

One document carries the seven FAL forms of the FAL Convention in a namespace of ours,
``urn:singlewindow:fal:1``. Element names follow the data element names of the IMO
Compendium on Facilitation and Electronic Business where we know them (NameOfShip,
IMOShipIdentificationNumber, FlagStateOfShip, FamilyName, RankOrRating,
NatureOfIdentityDocument, PortOfEmbarkation, ProperShippingName, EmS …); where we do not
(the customs ship number, the Chinese ship name, the CSM005 movements block) they are named
in the same style. Values are XML Schema forms: ``xs:date``, ``xs:dateTime`` with offset,
decimals in plain notation, carried verbatim. Layout::

    <FalReport xmlns="urn:singlewindow:fal:1" version="1.0">
      <Header>DocumentIdentifier (= client_ref), MessageType (CSM00n), sender, recipient,
              DateAndTimeOfPreparation</Header>
      <GeneralDeclaration> FAL 1: Ship, Voyage, ShipAgent </GeneralDeclaration>
      <CargoDeclaration> FAL 2: Consignment* </CargoDeclaration>
      <ShipStoresDeclaration> FAL 3: StoresItem* </ShipStoresDeclaration>
      <CrewEffectsDeclaration> FAL 4: CrewEffects* </CrewEffectsDeclaration>
      <CrewList> FAL 5: CrewMember* </CrewList>
      <PassengerList> FAL 6: Passenger* </PassengerList>
      <DangerousGoodsManifest> FAL 7: DangerousGoodsItem* </DangerousGoodsManifest>
      <ShipMovements> CSM005: Movement* (our extension) </ShipMovements>
    </FalReport>

A form is written only when it has content.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

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

NAMESPACE = "urn:singlewindow:fal:1"
ROOT = "FalReport"
VERSION = "1.0"

NUMBER, INTEGER = Number(), Integer()
DATE, MOMENT = Text("date"), Text("datetime")
_SHIP, _VOYAGE = "GeneralDeclaration/Ship", "GeneralDeclaration/Voyage"
_DOC = "IdentityDocument"


def _person(*, crew: bool) -> tuple[Leaf, ...]:
    rank = (Leaf("rank", "RankOrRating"),) if crew else ()
    return (
        Leaf("seq", "SequenceNumber", INTEGER),
        Leaf("family_name", "FamilyName"),
        Leaf("given_names", "GivenNames"),
        *rank,
        Leaf("nationality", "Nationality"),
        Leaf("birth_date", "DateOfBirth", DATE),
        Leaf("birth_place", "PlaceOfBirth"),
        Leaf("gender", "Gender"),
        Leaf("doc_type", f"{_DOC}/NatureOfIdentityDocument"),
        Leaf("doc_no", f"{_DOC}/NumberOfIdentityDocument"),
        Leaf("doc_country", f"{_DOC}/IssuingStateOfIdentityDocument"),
        Leaf("doc_expiry", f"{_DOC}/ExpiryDateOfIdentityDocument", DATE),
        Leaf("mrz", f"{_DOC}/MachineReadableZone"),
    )


TABLE = root_group((
    Leaf("client_ref", "Header/DocumentIdentifier", required=True),
    Leaf("message_type", "Header/MessageType", required=True),
    Leaf("sender", "Header/SenderIdentifier", envelope=True),
    Leaf("receiver", "Header/RecipientIdentifier", envelope=True),
    Leaf("sent_at", "Header/DateAndTimeOfPreparation", envelope=True),
    Leaf("vessel/name_en", f"{_SHIP}/NameOfShip"),
    Leaf("vessel/name_cn", f"{_SHIP}/NameOfShipInChinese"),
    Leaf("vessel/imo", f"{_SHIP}/IMOShipIdentificationNumber"),
    Leaf("vessel/ship_no", f"{_SHIP}/CustomsShipIdentificationNumber"),
    Leaf("vessel/call_sign", f"{_SHIP}/CallSign"),
    Leaf("vessel/mmsi", f"{_SHIP}/MMSINumber"),
    Leaf("vessel/flag", f"{_SHIP}/FlagStateOfShip"),
    Leaf("vessel/ship_type", f"{_SHIP}/TypeOfShip"),
    Leaf("vessel/gross_tonnage", f"{_SHIP}/GrossTonnage", NUMBER),
    Leaf("vessel/net_tonnage", f"{_SHIP}/NetTonnage", NUMBER),
    Leaf("vessel/registry_port", f"{_SHIP}/PortOfRegistry"),
    Leaf("vessel/owner_name", f"{_SHIP}/NameOfShipOwner"),
    Leaf("voyage/voyage_in", f"{_VOYAGE}/VoyageNumberInward"),
    Leaf("voyage/voyage_out", f"{_VOYAGE}/VoyageNumberOutward"),
    Leaf("voyage/port_of_call", f"{_VOYAGE}/PortOfCall"),
    Leaf("voyage/customs_office", f"{_VOYAGE}/CustomsOffice"),
    Leaf("voyage/berth_code", f"{_VOYAGE}/PositionOfShipInPort"),
    Leaf("voyage/last_port", f"{_VOYAGE}/LastPortOfCall"),
    Leaf("voyage/next_port", f"{_VOYAGE}/NextPortOfCall"),
    Leaf("voyage/eta", f"{_VOYAGE}/EstimatedDateAndTimeOfArrival", MOMENT),
    Leaf("voyage/etd", f"{_VOYAGE}/EstimatedDateAndTimeOfDeparture", MOMENT),
    Leaf("voyage/ata", f"{_VOYAGE}/ActualDateAndTimeOfArrival", MOMENT),
    Leaf("voyage/atd", f"{_VOYAGE}/ActualDateAndTimeOfDeparture", MOMENT),
    Leaf("voyage/purpose", f"{_VOYAGE}/PurposeOfCall"),
    Leaf("voyage/master_name", f"{_VOYAGE}/NameOfMaster"),
    Leaf("voyage/crew_count", f"{_VOYAGE}/NumberOfCrew", INTEGER),
    Leaf("voyage/passenger_count", f"{_VOYAGE}/NumberOfPassengers", INTEGER),
    Leaf("voyage/declaration_date", f"{_VOYAGE}/DateOfDeclaration", DATE),
    Leaf("voyage/free_text", f"{_VOYAGE}/Remarks"),
    Leaf("voyage/agent_scc", "GeneralDeclaration/ShipAgent/Identifier"),
    Leaf("voyage/agent_name", "GeneralDeclaration/ShipAgent/Name"),
    Group("cargo", "CargoDeclaration/Consignment", nodes=(
        Leaf("bill_no", "TransportDocumentIdentifier"),
        Leaf("packages", "NumberOfPackages", INTEGER),
        Leaf("package_type", "KindOfPackages"),
        Leaf("gross_weight_kg", "GrossMass", NUMBER),
        Leaf("description", "DescriptionOfGoods"),
        Leaf("loading_port", "PortOfLoading"),
        Leaf("discharge_port", "PortOfDischarge"),
        Leaf("containers", "NumberOfContainers", INTEGER),
    )),
    Group("stores", "ShipStoresDeclaration/StoresItem", nodes=(
        Leaf("seq", "SequenceNumber", INTEGER),
        Leaf("description", "NameOfArticle"),
        Leaf("quantity", "Quantity", NUMBER),
        Leaf("unit", "UnitOfMeasure"),
        Leaf("location", "LocationOnBoard"),
    )),
    Group("crew_effects", "CrewEffectsDeclaration/CrewEffects", nodes=(
        Leaf("crew_seq", "CrewMemberSequenceNumber", INTEGER),
        Leaf("description", "DescriptionOfEffects"),
        Leaf("quantity", "Quantity", NUMBER),
        Leaf("unit", "UnitOfMeasure"),
    )),
    Group("crew", "CrewList/CrewMember", nodes=_person(crew=True)),
    Group("passengers", "PassengerList/Passenger", nodes=(
        *_person(crew=False),
        Leaf("embark_port", "PortOfEmbarkation"),
        Leaf("disembark_port", "PortOfDisembarkation"),
        Leaf("transit", "TransitPassenger"),
    )),
    Group("dangerous_goods", "DangerousGoodsManifest/DangerousGoodsItem", nodes=(
        Leaf("seq", "SequenceNumber", INTEGER),
        Leaf("bill_no", "TransportDocumentIdentifier"),
        Leaf("un_number", "UNNumber"),
        Leaf("proper_shipping_name", "ProperShippingName"),
        Leaf("imdg_class", "ClassOfDangerousGoods"),
        Leaf("subsidiary_risk", "SubsidiaryRisk"),
        Leaf("packing_group", "PackingGroup"),
        Leaf("flash_point_c", "FlashPoint", NUMBER),
        Leaf("marine_pollutant", "MarinePollutant"),
        Leaf("packages", "NumberOfPackages", INTEGER),
        Leaf("package_type", "KindOfPackages"),
        Leaf("gross_mass_kg", "GrossMass", NUMBER),
        Leaf("net_mass_kg", "NetMass", NUMBER),
        Leaf("container_no", "ContainerIdentificationNumber"),
        Leaf("stowage_position", "StowagePosition"),
        Leaf("ems", "EmS"),
    )),
    Group("movements", "ShipMovements/Movement", nodes=(
        Leaf("seq", "SequenceNumber", INTEGER),
        Leaf("at", "DateAndTimeOfMovement", MOMENT),
        Leaf("from_berth", "FromBerth"),
        Leaf("to_berth", "ToBerth"),
        Leaf("kind", "KindOfMovement"),
    )),
))  # fmt: skip


def from_xml(data: bytes) -> dict[str, Any]:
    """The canonical ``ship_report`` of FAL XML bytes; ``BadRequest`` (400) with findings at
    XPaths for unsafe or malformed XML and any layout problem."""
    return read(data)[0]


def read(data: bytes) -> tuple[dict[str, Any], Envelope]:
    return read_element(parse_xml(data))


def is_fal(root: etree._Element) -> bool:
    return etree.QName(root).namespace == NAMESPACE


def read_element(root: etree._Element) -> tuple[dict[str, Any], Envelope]:
    name = etree.QName(root)
    path = f"/{name.localname[:64]}"
    if name.localname != ROOT:
        raise wrong_root(
            path,
            "wrong_root",
            f"Root element must be {ROOT}, not {name.localname[:64]}",
            f"根元素应为 {ROOT}",
        )
    if name.namespace != NAMESPACE:
        raise wrong_root(
            path,
            "wrong_namespace",
            f"{ROOT} must be in namespace {NAMESPACE}",
            f"{ROOT} 的命名空间应为 {NAMESPACE}",
        )
    document, envelope, findings = read_message(root, TABLE, root_attributes=frozenset({"version"}))
    if findings:
        raise invalid_xml(findings, "FAL ship report", "FAL 船舶申报", "invalid_fal_xml")
    envelope["version"] = root.get("version", "")
    return document, Envelope.from_dict(envelope)


def to_xml(document: dict[str, Any], envelope: Envelope | None = None) -> bytes:
    """FAL XML (UTF-8) of a canonical ``ship_report``. Without an envelope the preparation
    time is now (China time). ``ValidationFailed`` (422) with findings at JSON pointers
    when the document cannot be written."""
    if not isinstance(document, dict):
        raise not_renderable(
            [finding("", "type", "A ship report must be a JSON object", "船舶申报应为 JSON 对象")],
            "FAL",
            "FAL 船舶申报",
        )
    values = (envelope or Envelope(version=VERSION)).as_dict()
    if envelope is None:
        values["sent_at"] = china_now("%Y-%m-%dT%H:%M:%S+08:00")
    root = etree.Element(etree.QName(NAMESPACE, ROOT), nsmap={None: NAMESPACE})
    if version := values.pop("version", ""):
        root.set("version", version)
    findings = write_message(root, TABLE, document, values)
    if findings:
        raise not_renderable(findings, "FAL", "FAL 船舶申报")
    return serialise(root)


__all__ = ["NAMESPACE", "TABLE", "from_xml", "is_fal", "read", "read_element", "to_xml"]
