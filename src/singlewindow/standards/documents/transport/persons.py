"""``person_list`` and ``dangerous_goods``: filings of any mode attached to a call."""

from __future__ import annotations

from dataclasses import replace

from singlewindow.standards.documents.fields import choice, text
from singlewindow.standards.documents.model import ALWAYS, BlockDef, DocumentType
from singlewindow.standards.documents.transport.common import (
    CREW,
    DANGEROUS_GOODS,
    DIRECTION,
    PASSENGERS,
    count,
    customs_office,
    port,
    root_fields,
)

MODES = "sea:sea:水路|air:air:航空|road:road:公路|rail:rail:铁路"


def _call(message_types: str, title_zh: str, title_en: str) -> BlockDef:
    return BlockDef(
        "call", "运输工具航次", "Call of the transport means", "", (
            *root_fields(message_types, title_zh, title_en),
            choice("mode", "", "运输方式", "Mode", MODES, required=ALWAYS),
            text("means_id", "", "运输工具编号", "Means of transport id", 35, required=ALWAYS,
                 description="Sea: IMO number (UN+IMO accepted); air: registration; road: "
                 "plate; rail: train number"),
            text("journey_id", "", "航次航班号", "Journey id", 35, required=ALWAYS,
                 description="Sea: voyage_in (I) or voyage_out (E); air: flight number; "
                 "road: trip number; rail: train number"),
            port("port", "口岸", "Port", required=ALWAYS),
            customs_office("customs_office", "申报海关", "Customs office", required=ALWAYS),
            choice("direction", "", "进出境方向", "Direction", DIRECTION, required=ALWAYS),
            count("crew_count", "船员/机组人数", "Number of crew"),
            count("passenger_count", "旅客人数", "Number of passengers"),
        ), min_occurs=1,
        description="The call the filing attaches to (created if it does not exist yet).",
    )  # fmt: skip


PERSON_LIST = DocumentType(
    type="person_list",
    version="1.0",
    title_en="Crew and passenger list",
    title_zh="船员/旅客名单",
    blocks=(
        _call(
            "crew:crew list:船员/机组名单|passengers:passenger list:旅客名单"
            "|both:crew and passenger lists:船员及旅客名单",
            "人员名单",
            "Person list",
        ),
        CREW,
        PASSENGERS,
    ),
    description="Crew and passenger pre-declaration (FAL forms 5 and 6) of any mode: "
    "message_type crew needs crew, passengers needs passengers, both needs both.",
)

DANGEROUS_GOODS_DECLARATION = DocumentType(
    type="dangerous_goods",
    version="1.0",
    title_en="Dangerous goods declaration",
    title_zh="危险货物申报",
    blocks=(
        _call(
            "DG:dangerous goods declaration:危险货物申报",
            "危险货物申报",
            "Dangerous goods declaration",
        ),
        replace(DANGEROUS_GOODS, min_occurs=1),
    ),
    description="Dangerous goods declaration (FAL form 7) of any mode.",
)

__all__ = ["DANGEROUS_GOODS_DECLARATION", "PERSON_LIST"]
