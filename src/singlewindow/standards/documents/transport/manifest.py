"""``manifest`` — the manifest family (reference cn-standards §2): original, pre-load,
arrival report, loading and tally messages for sea (MT?1?1) and air (MT?2?1)."""

from __future__ import annotations

from singlewindow.standards.documents.fields import choice, coded, fixed, text
from singlewindow.standards.documents.model import ALWAYS, BlockDef, Condition, DocumentType
from singlewindow.standards.documents.transport.common import (
    container_no,
    count,
    country,
    customs_office,
    moment,
    packaging,
    port,
    root_fields,
    seq,
    un_number,
    weight,
)

MANIFEST_MESSAGE_TYPES = (
    "MT1101:import original manifest (sea):进口原始舱单(海运)"
    "|MT2101:export pre-load manifest (sea):出口预配舱单(海运)"
    "|MT3101:arrival report (sea, terminal):运抵报告(海运)"
    "|MT4101:loading manifest (sea):装载舱单(海运)"
    "|MT5101:tally report, import (sea):进口理货报告(海运)"
    "|MT5102:tally report, export (sea):出口理货报告(海运)"
    "|MT1201:import original manifest (air, provisional):进口原始舱单(空运,暂定)"
    "|MT2201:export pre-load manifest (air, provisional):出口预配舱单(空运,暂定)"
    "|MT3201:arrival report (air):运抵报告(空运)"
    "|MT4201:loading manifest (air, provisional):装载舱单(空运,暂定)"
    "|MT5201:tally report, import (air):进口理货报告(空运)"
    "|MT5202:tally report, export (air):出口理货报告(空运)"
)
CARGO_MANIFESTS = ("MT1101", "MT2101", "MT4101", "MT1201", "MT2201", "MT4201")
TALLY_REPORTS = ("MT5101", "MT5102", "MT5201", "MT5202")
ARRIVAL_REPORTS = ("MT3101", "MT3201")
DELETE = "3"

CARGO_MANIFEST = "cargo_manifest"
COUNTED_MANIFEST = "counted_manifest"
ARRIVAL_REPORT = "arrival_report"

HEAD = BlockDef(
    "head", "舱单表头", "Manifest header", "", (
        *root_fields(MANIFEST_MESSAGE_TYPES, "舱单", "Manifest"),
        customs_office("customs_office", "申报海关", "Customs office (DeclarationOfficeID)",
                       required=ALWAYS),
        text("carrier_code", "", "承运人代码", "Carrier code (Carrier/ID)", 17,
             required=ALWAYS),
        text("agent_code", "", "代理人代码", "Agent code", 17),
        text("representative", "", "舱单传输人", "Representative (filer)", 70),
        coded("mode", "", "运输方式", "Mode of transport", "transport_mode", 1,
              pattern=r"^[2345]$", required=ALWAYS,
              description="TrafMode: 2 sea, 5 air, 4 road, 3 rail"),
        text("means_id", "", "运输工具编号", "Means of transport id", 35,
             description="Sea: the IMO number (7 digits; UN+IMO as written in the XML is "
             "accepted and normalised to the 7 digits); air: aircraft registration; road: "
             "plate; rail: train number"),
        text("means_name", "", "运输工具名称", "Means of transport name", 70),
        text("journey_id", "", "航次航班号", "Journey id (voyage / flight number)", 35,
             required=ALWAYS),
        port("loading_port", "装货港", "Port of loading"),
        port("unloading_port", "卸货港", "Port of unloading"),
        port("first_arrival_port", "境内第一目的港", "First port of arrival"),
        moment("arrival_date", "抵港时间", "Arrival date-time"),
        moment("departure_date", "离港时间", "Departure date-time"),
        text("terminal_code", "", "理货/卸货地代码", "Terminal code (UnloadingLocation)", 35,
             pattern=r"^[A-Z0-9]+$", required=ARRIVAL_REPORT,
             description="MT3101/MT3201 unloading location, e.g. CNTAC230030"),
        choice("function", "", "报文功能", "Message function",
               "9:original:原始|2:add:增加|5:amend:修改|3:delete:删除", required=ALWAYS),
        text("change_reason", "", "变更原因", "Reason for change", 256,
             description="Amend (5) and delete (3): here for the whole message or per "
             "consignment"),
    ), min_occurs=1,
)  # fmt: skip

CONSIGNMENTS = BlockDef(
    "consignments", "提运单", "Consignments (bills)", "", (
        text("bill_no", "", "提运单号", "Bill of lading / air waybill number", 35,
             required=ALWAYS),
        text("house_bill_no", "", "分提运单号", "House bill number", 35),
        count("packages", "件数", "Number of packages", required=COUNTED_MANIFEST),
        packaging("package_type", "包装种类", "Type of packages", required=CARGO_MANIFEST),
        weight("gross_weight_kg", "毛重(千克)", "Gross weight (kg)", required=CARGO_MANIFEST),
        weight("volume_m3", "体积(立方米)", "Volume (m³)"),
        weight("value", "货值", "Value"),
        coded("currency", "", "币制", "Currency", "currency", 3, pattern=r"^[A-Z]{3}$"),
        port("loading_port", "装货港", "Port of loading"),
        port("unloading_port", "卸货港", "Port of unloading"),
        text("delivery_place", "", "交货地", "Place of delivery", 70),
        text("freight_payment", "", "运费支付方式", "Freight payment method", 3,
             description="PP prepaid, CC collect"),
        text("consignor_id", "", "发货人代码", "Consignor id", 70,
             description="<id-type>+<id>"),
        text("consignor_name", "", "发货人名称", "Consignor name", 140),
        country("consignor_country", "发货人国别", "Consignor country"),
        text("consignee_id", "", "收货人代码", "Consignee id", 70,
             pattern=r"^[A-Z0-9]{1,10}\+\S+$", description="<id-type>+<id>, e.g. USCI+9144…"),
        text("consignee_name", "", "收货人名称", "Consignee name", 140),
        text("consignee_address", "", "收货人地址", "Consignee address", 256),
        country("consignee_country", "收货人国别", "Consignee country"),
        text("notify_name", "", "通知人名称", "Notify party", 140),
        text("un_numbers", "", "危险品联合国编号", "UN numbers of dangerous goods", 255,
             pattern=r"^\d{4}( \d{4})*$", description="Space-separated, when the consignment "
             "carries dangerous goods"),
        text("change_reason", "", "变更原因", "Reason for change", 256),
    ), repeated=True, max_occurs=None,
    description="At least one, except in an arrival report that lists containers only.",
)  # fmt: skip

CONTAINERS = BlockDef(
    "containers", "集装箱", "Containers", "", (
        text("bill_no", "", "提运单号", "Bill number", 35, required=ALWAYS,
             description="A consignment of this message"),
        container_no("container_no", "集装箱号", "Container number", required=ALWAYS),
        fixed("size_type", "", "尺寸类型", "Size and type", 4, r"^[0-9A-Z]{4}$",
              description="ISO 6346 size-type (22G1) or customs code (20GP)"),
        choice("fullness", "", "重箱或空箱", "Full or empty", "5:full:重箱|4:empty:空箱"),
        text("seals", "", "封志号", "Seal numbers", 255, pattern=r"^\S+( \S+)*$",
             description="Space-separated"),
    ), repeated=True, max_occurs=None,
)  # fmt: skip

ITEMS = BlockDef(
    "items", "货物明细", "Goods items", "", (
        text("bill_no", "", "提运单号", "Bill number", 35, required=ALWAYS),
        seq(description="1..n without gaps within each bill"),
        count("packages", "件数", "Number of packages"),
        packaging("package_type", "包装种类", "Type of packages"),
        text("description", "", "货物描述", "Description of goods", 512),
        text("hs_code", "", "商品编码", "HS code", 10, min_length=4, pattern=r"^\d{4,10}$"),
        weight("gross_weight_kg", "毛重(千克)", "Gross weight (kg)"),
        container_no("container_no", "集装箱号", "Container number"),
        un_number(),
    ), repeated=True, max_occurs=None,
)  # fmt: skip

MANIFEST = DocumentType(
    type="manifest",
    version="1.0",
    title_en="Manifest",
    title_zh="舱单",
    blocks=(HEAD, CONSIGNMENTS, CONTAINERS, ITEMS),
    conditions=(
        Condition(CARGO_MANIFEST, "message_type",
                  "required in cargo manifests (MT1101, MT2101, MT4101 and air) except "
                  "deletions", "原始、预配、装载舱单必填(删除除外)",
                  values=CARGO_MANIFESTS, unless_field="head.function",
                  unless_values=(DELETE,)),
        Condition(COUNTED_MANIFEST, "message_type",
                  "required in cargo manifests and tally reports except deletions",
                  "原始、预配、装载舱单及理货报告必填(删除除外)",
                  values=CARGO_MANIFESTS + TALLY_REPORTS, unless_field="head.function",
                  unless_values=(DELETE,)),
        Condition(ARRIVAL_REPORT, "message_type",
                  "required in arrival reports (MT3101, MT3201)", "运抵报告必填",
                  values=ARRIVAL_REPORTS),
    ),
    description=(
        "Manifest family by carrier, terminal or tally company. function 2 adds, 5 replaces "
        "and 3 deletes the named consignments of the journey's manifest."
    ),
)  # fmt: skip
