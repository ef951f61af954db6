"""Field constructors and the blocks every transport document shares (docs/transport.md).

The shared blocks — ``crew`` (FAL 5), ``passengers`` (FAL 6), ``dangerous_goods`` (FAL 7)
and ``cargo`` (FAL 2) — are defined once here and reused by every type that carries them.
XML tags are left empty: the XML mapping of transport messages keeps its own tables.
"""

from __future__ import annotations

from typing import Any

from singlewindow.standards.documents.fields import (
    choice,
    coded,
    day,
    decimal,
    fixed,
    integer,
    text,
)
from singlewindow.standards.documents.model import ALWAYS, BlockDef, FieldDef, FieldType

UNLOCODE_PATTERN = r"^[A-Z]{2}[A-Z2-9]{3}$"
COUNTRY_PATTERN = r"^[A-Z]{3}$"
CUSTOMS_PATTERN = r"^\d{4}$"
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
CONTAINER_PATTERN = r"^[A-Z]{4}\d{7}$"
CLIENT_REF_MAX = 64

# The four-stage message types of aircraft, vehicle and train reports.
STAGES = (
    "pre_arrival:pre-arrival report:抵港预报|arrival:arrival report:抵港确报"
    "|pre_departure:pre-departure report:离港预报|departure:departure report:离港确报"
)
DIRECTION = "I:inbound (entry):进境|E:outbound (exit):出境"
YES_NO = "Y:yes:是|N:no:否"
DOC_TYPE = (
    "P:passport:护照|S:seafarer's identity document:海员证|I:identity card:身份证件"
    "|O:other travel document:其他证件"
)
IMDG_CLASSES = (
    "1.1:explosives, mass explosion hazard:爆炸品(整体爆炸危险)"
    "|1.2:explosives, projection hazard:爆炸品(迸射危险)"
    "|1.3:explosives, fire hazard:爆炸品(燃烧危险)"
    "|1.4:explosives, no significant hazard:爆炸品(无重大危险)"
    "|1.5:very insensitive explosives:非常不敏感爆炸品"
    "|1.6:extremely insensitive articles:极端不敏感物品"
    "|2.1:flammable gases:易燃气体|2.2:non-flammable, non-toxic gases:非易燃无毒气体"
    "|2.3:toxic gases:毒性气体|3:flammable liquids:易燃液体"
    "|4.1:flammable solids:易燃固体|4.2:substances liable to spontaneous combustion:易于自燃的物质"
    "|4.3:substances which emit flammable gases with water:遇水放出易燃气体的物质"
    "|5.1:oxidizing substances:氧化性物质|5.2:organic peroxides:有机过氧化物"
    "|6.1:toxic substances:毒性物质|6.2:infectious substances:感染性物质"
    "|7:radioactive material:放射性物质|8:corrosive substances:腐蚀性物质"
    "|9:miscellaneous dangerous substances and articles:杂项危险物质和物品"
)


def moment(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    """An ISO 8601 date-time that must carry its UTC offset (``2026-11-29T08:00:00+08:00``)."""
    kw.setdefault("description", "ISO 8601 date-time with UTC offset")
    return FieldDef(name, zh, en, FieldType.DATETIME, "", check="datetime_offset", **kw)


def port(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    """A UN/LOCODE: shape and country checked by ``unlocode``, membership by the table."""
    return coded(
        name, "", zh, en, "unlocode", 5, min_length=5, pattern=UNLOCODE_PATTERN, check="unlocode",
        **kw,
    )  # fmt: skip


def country(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    """An ISO 3166 alpha-3 country (table ``country``, as in DecMessage)."""
    return coded(name, "", zh, en, "country", 3, min_length=3, pattern=COUNTRY_PATTERN, **kw)


def customs_office(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    """A 4-digit customs office (table ``customs_district``)."""
    return coded(
        name, "", zh, en, "customs_district", 4, min_length=4, pattern=CUSTOMS_PATTERN, **kw
    )


def packaging(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    return coded(name, "", zh, en, "packaging", 2, min_length=2, pattern=r"^\d{2}$", **kw)


def unit(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    return coded(name, "", zh, en, "unit", 3, min_length=3, pattern=r"^\d{3}$", **kw)


def container_no(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    kw.setdefault("description", "ISO 6346: owner code, category, serial, check digit")
    return fixed(name, "", zh, en, 11, CONTAINER_PATTERN, check="container", **kw)


def uscc(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    kw.setdefault("description", "18-char unified social credit code, GB 32100 check digit")
    return fixed(name, "", zh, en, 18, USCC_PATTERN, check="uscc", **kw)


def weight(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    return decimal(name, "", zh, en, 19, 5, **kw)


def count(name: str, zh: str, en: str, **kw: Any) -> FieldDef:
    return integer(name, "", zh, en, 0, 999_999_999, **kw)


def seq(**kw: Any) -> FieldDef:
    kw.setdefault("description", "1..n without gaps")
    return integer("seq", "", "序号", "Sequence number", 1, 99_999, required=ALWAYS, **kw)


def un_number(name: str = "un_number", **kw: Any) -> FieldDef:
    kw.setdefault("description", "4-digit UN number of the UN Model Regulations (0004 and above)")
    return fixed(name, "", "联合国编号", "UN number", 4, r"^\d{4}$", check="un_number", **kw)


def root_fields(message_types: str, title_zh: str, title_en: str) -> tuple[FieldDef, FieldDef]:
    """``client_ref`` and ``message_type``: at the JSON root of every transport document."""
    return (
        text(
            "client_ref", "", "客户端编号", "Client reference", CLIENT_REF_MAX, min_length=1,
            required=ALWAYS, at_root=True,
            description="Idempotency key per filer and document type; resubmitting it "
            "answers the same filing",
        ),
        choice(
            "message_type", "", f"{title_zh}报文类型", f"{title_en} message type", message_types,
            required=ALWAYS, at_root=True,
        ),
    )  # fmt: skip


def person_fields(*, with_rank: bool) -> tuple[FieldDef, ...]:
    """The person of FAL forms 5 and 6 (crew with ``rank``, passengers without)."""
    rank = (text("rank", "", "职务", "Rank or rating", 35, required=ALWAYS),) if with_rank else ()
    return (
        seq(),
        text("family_name", "", "姓", "Family name", 70, required=ALWAYS),
        text("given_names", "", "名", "Given names", 70),
        *rank,
        country("nationality", "国籍", "Nationality", required=ALWAYS),
        day("birth_date", "", "出生日期", "Date of birth", required=ALWAYS),
        text("birth_place", "", "出生地", "Place of birth", 70),
        choice("gender", "", "性别", "Gender", "M:male:男|F:female:女|X:unspecified:未指定",
               required=ALWAYS),
        choice("doc_type", "", "证件类型", "Identity document type", DOC_TYPE, required=ALWAYS),
        text("doc_no", "", "证件号码", "Identity document number", 20, required=ALWAYS),
        country("doc_country", "证件签发国", "Issuing state of the document"),
        day("doc_expiry", "", "证件有效期至", "Expiry date of the document"),
        text(
            "mrz", "", "机读区", "Machine readable zone", 92, min_length=61, check="mrz",
            description="ICAO 9303 TD1 (3x30), TD2 (2x36) or TD3 (2x44) lines joined by \\n; "
            "check digits verified, document number, birth date, expiry and nationality must "
            "agree with the fields",
        ),
    )  # fmt: skip


CREW = BlockDef(
    "crew", "船员/机组人员名单", "Crew list", "", person_fields(with_rank=True),
    repeated=True, max_occurs=None, description="FAL form 5.",
)  # fmt: skip

PASSENGERS = BlockDef(
    "passengers", "旅客名单", "Passenger list", "", (
        *person_fields(with_rank=False),
        port("embark_port", "登船/登机港", "Port of embarkation", required=ALWAYS),
        port("disembark_port", "离船/离机港", "Port of disembarkation", required=ALWAYS),
        choice("transit", "", "过境旅客", "Transit passenger", YES_NO),
    ), repeated=True, max_occurs=None, description="FAL form 6.",
)  # fmt: skip

DANGEROUS_GOODS = BlockDef(
    "dangerous_goods", "危险货物", "Dangerous goods", "", (
        seq(),
        text("bill_no", "", "提运单号", "Bill of lading / waybill number", 35),
        un_number(required=ALWAYS),
        text("proper_shipping_name", "", "正确运输名称", "Proper shipping name", 256,
             required=ALWAYS),
        choice("imdg_class", "", "危险类别", "IMDG class or division", IMDG_CLASSES,
               required=ALWAYS),
        choice("subsidiary_risk", "", "次要危险性", "Subsidiary risk", IMDG_CLASSES),
        choice("packing_group", "", "包装类别", "Packing group",
               "I:great danger:I类(高度危险)|II:medium danger:II类(中度危险)"
               "|III:minor danger:III类(轻度危险)",
               description="Required for classes 3, 4.x, 5.1, 6.1, 8 and 9 unless the entry "
               "has none (then say so in the proper shipping name or omit per IMDG 3.2)"),
        decimal("flash_point_c", "", "闪点(°C)", "Flash point (°C)", 7, 2, minimum=None,
                description="Required for class 3"),
        choice("marine_pollutant", "", "海洋污染物", "Marine pollutant", YES_NO),
        count("packages", "件数", "Number of packages"),
        packaging("package_type", "包装种类", "Type of packages"),
        weight("gross_mass_kg", "毛重(千克)", "Gross mass (kg)", required=ALWAYS),
        weight("net_mass_kg", "净重(千克)", "Net mass (kg)", description="Not above gross"),
        container_no("container_no", "集装箱号", "Container number"),
        text("stowage_position", "", "积载位置", "Stowage position", 7, min_length=6,
             pattern=r"^\d{6,7}$", check="stowage",
             description="Bay-row-tier (ISO 9711): BBRRTT or BBBRRTT"),
        text("ems", "", "应急措施表", "EmS (emergency schedules)", 9,
             pattern=r"^F-[A-J], ?S-[A-Z]$", description="Fire and spillage schedules, F-E,S-D"),
    ), repeated=True, max_occurs=None, description="FAL form 7.",
)  # fmt: skip

CARGO = BlockDef(
    "cargo", "货物申报", "Cargo declaration", "", (
        text("bill_no", "", "提运单号", "Bill of lading / air waybill number", 35,
             required=ALWAYS),
        count("packages", "件数", "Number of packages", required=ALWAYS),
        packaging("package_type", "包装种类", "Type of packages"),
        weight("gross_weight_kg", "毛重(千克)", "Gross weight (kg)", required=ALWAYS),
        text("description", "", "货物描述", "Description of goods", 512),
        port("loading_port", "装货港", "Port of loading"),
        port("discharge_port", "卸货港", "Port of discharge"),
        count("containers", "集装箱数", "Number of containers"),
    ), repeated=True, max_occurs=None, description="FAL form 2 summary, one row per bill.",
)  # fmt: skip
