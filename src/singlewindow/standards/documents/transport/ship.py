"""``ship_report`` — the vessel declaration, IMO FAL forms 1-7 (reference cn-standards §3)."""

from __future__ import annotations

from singlewindow.standards.documents.fields import choice, day, decimal, fixed, integer, text
from singlewindow.standards.documents.model import ALWAYS, BlockDef, Condition, DocumentType
from singlewindow.standards.documents.transport.common import (
    CARGO,
    CREW,
    DANGEROUS_GOODS,
    PASSENGERS,
    count,
    country,
    customs_office,
    moment,
    port,
    root_fields,
    seq,
    unit,
    uscc,
)

SHIP_MESSAGE_TYPES = (
    "CSM001:vessel record:船舶备案|CSM002:pre-arrival report:进境(港)预报"
    "|CSM003:confirmed arrival report:进境(港)确报|CSM004:actual arrival:抵港报告"
    "|CSM005:movement in port:港内移泊|CSM006:pre-departure report:出境(港)预报"
    "|CSM007:confirmed departure:出境(港)确报"
)
CALL_REPORT = "call_report"
EXPECTED_ARRIVAL = "expected_arrival"
ACTUAL_ARRIVAL = "actual_arrival"
EXPECTED_DEPARTURE = "expected_departure"
ACTUAL_DEPARTURE = "actual_departure"

VESSEL = BlockDef(
    "vessel", "船舶", "Vessel", "", (
        fixed("imo", "", "IMO编号", "IMO number", 7, r"^\d{7}$", required=ALWAYS, check="imo",
              description="7 digits, the last one the IMO check digit"),
        text("ship_no", "", "海关船舶编号", "Customs ship id", 32),
        text("name_en", "", "船舶英文名称", "Ship name", 70, required=ALWAYS),
        text("name_cn", "", "船舶中文名称", "Ship name (Chinese)", 70),
        text("call_sign", "", "呼号", "Call sign", 10, pattern=r"^[A-Z0-9]{3,10}$"),
        fixed("mmsi", "", "MMSI", "MMSI", 9, r"^\d{9}$"),
        country("flag", "船籍国", "Flag state", required=ALWAYS),
        text("ship_type", "", "船舶类型", "Ship type", 35),
        decimal("gross_tonnage", "", "总吨", "Gross tonnage", 12, 2),
        decimal("net_tonnage", "", "净吨", "Net tonnage", 12, 2),
        text("registry_port", "", "船籍港", "Port of registry", 35,
             description="Name or UN/LOCODE; free text because ports of registry are often "
             "outside the loaded UN/LOCODE list"),
        text("owner_name", "", "船舶所有人", "Owner", 140),
    ), min_occurs=1, description="FAL form 1: particulars of the ship.",
)  # fmt: skip

VOYAGE = BlockDef(
    "voyage", "航次", "Voyage and call", "", (
        *root_fields(SHIP_MESSAGE_TYPES, "船舶申报", "Ship report"),
        text("voyage_in", "", "进境航次", "Inbound voyage (ENTER_NUMBER)", 32,
             required=CALL_REPORT),
        text("voyage_out", "", "出境航次", "Outbound voyage (ABROAD_NUMBER)", 32),
        port("port_of_call", "挂靠港", "Port of call", required=CALL_REPORT),
        customs_office("customs_office", "申报海关", "Customs office", required=ALWAYS,
                       description="For CSM001 the registering office"),
        text("berth_code", "", "泊位代码", "Berth", 20),
        port("last_port", "上一港", "Last port of call"),
        port("next_port", "下一港", "Next port of call"),
        moment("eta", "预计抵港时间", "Estimated time of arrival", required=EXPECTED_ARRIVAL),
        moment("etd", "预计离港时间", "Estimated time of departure",
               required=EXPECTED_DEPARTURE),
        moment("ata", "实际抵港时间", "Actual time of arrival", required=ACTUAL_ARRIVAL),
        moment("atd", "实际离港时间", "Actual time of departure", required=ACTUAL_DEPARTURE),
        choice("purpose", "", "靠港目的", "Purpose of call",
               "cargo:cargo operations:装卸货|passengers:passengers:上下旅客"
               "|bunkering:bunkering:加油|repair:repair:修理|other:other:其他"),
        uscc("agent_scc", "船舶代理统一社会信用代码", "Ship agent USCC"),
        text("agent_name", "", "船舶代理名称", "Ship agent", 140),
        text("master_name", "", "船长姓名", "Master", 70),
        count("crew_count", "船员人数", "Number of crew"),
        count("passenger_count", "旅客人数", "Number of passengers"),
        day("declaration_date", "", "申报日期", "Declaration date"),
        text("free_text", "", "备注", "Remarks", 512),
    ), min_occurs=1, description="FAL form 1: the call. A CSM001 vessel record needs only "
    "customs_office.",
)  # fmt: skip

STORES = BlockDef(
    "stores", "船用物品", "Ship's stores", "", (
        seq(),
        text("description", "", "物品名称", "Description", 256, required=ALWAYS),
        decimal("quantity", "", "数量", "Quantity", 19, 5, required=ALWAYS),
        unit("unit", "计量单位", "Unit", required=ALWAYS),
        text("location", "", "存放位置", "Location on board", 70),
    ), repeated=True, max_occurs=None, description="FAL form 3.",
)  # fmt: skip

CREW_EFFECTS = BlockDef(
    "crew_effects", "船员物品", "Crew's effects", "", (
        integer("crew_seq", "", "船员序号", "Crew sequence number", 1, 99_999,
                required=ALWAYS, description="The seq of the crew member in crew"),
        text("description", "", "物品名称", "Description", 256, required=ALWAYS),
        decimal("quantity", "", "数量", "Quantity", 19, 5, required=ALWAYS),
        unit("unit", "计量单位", "Unit"),
    ), repeated=True, max_occurs=None, description="FAL form 4.",
)  # fmt: skip

MOVEMENTS = BlockDef(
    "movements", "港内移泊", "Movements in port", "", (
        seq(),
        moment("at", "移泊时间", "Time of movement", required=ALWAYS),
        text("from_berth", "", "原泊位", "From berth", 20),
        text("to_berth", "", "新泊位", "To berth", 20, required=ALWAYS),
        choice("kind", "", "移泊类型", "Kind of movement",
               "shift:shift:移泊|anchor:to anchorage:锚泊|berth:to berth:靠泊",
               required=ALWAYS),
    ), repeated=True, max_occurs=None, description="CSM005 movements in port.",
)  # fmt: skip


def _on(name: str, en: str, zh: str, *types: str) -> Condition:
    return Condition(name, "message_type", en, zh, values=types)


SHIP_REPORT = DocumentType(
    type="ship_report",
    version="1.0",
    title_en="Ship report",
    title_zh="船舶申报",
    blocks=(VESSEL, VOYAGE, CARGO, STORES, CREW_EFFECTS, CREW, PASSENGERS, DANGEROUS_GOODS,
            MOVEMENTS),
    conditions=(
        _on(CALL_REPORT, "required for call reports (CSM002-CSM007)",
            "航次申报(CSM002-CSM007)必填", "CSM002", "CSM003", "CSM004", "CSM005", "CSM006",
            "CSM007"),
        _on(EXPECTED_ARRIVAL, "required for arrival reports (CSM002, CSM003)",
            "进境预报、确报(CSM002、CSM003)必填", "CSM002", "CSM003"),
        _on(ACTUAL_ARRIVAL, "required for the actual arrival (CSM004)",
            "抵港报告(CSM004)必填", "CSM004"),
        _on(EXPECTED_DEPARTURE, "required for the pre-departure report (CSM006)",
            "出境预报(CSM006)必填", "CSM006"),
        _on(ACTUAL_DEPARTURE, "required for the confirmed departure (CSM007)",
            "出境确报(CSM007)必填", "CSM007"),
    ),
    description=(
        "Vessel declaration (IMO FAL forms 1-7) by the carrier or ship agent. The call key "
        "is (sea, IMO, voyage_in); voyage_out is the export journey id manifests use."
    ),
)  # fmt: skip
