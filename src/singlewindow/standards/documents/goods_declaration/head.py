"""DecHead — the goods declaration header (reference cn-standards.md §1.2).

Field order is the XML child order of ``DecHead``.
"""

from __future__ import annotations

from decimal import Decimal

from singlewindow.standards.documents.fields import (
    choice,
    coded,
    day,
    decimal,
    fixed,
    integer,
    text,
)
from singlewindow.standards.documents.model import (
    ALWAYS,
    EXPORT,
    IMPORT,
    BlockDef,
    Direction,
    FieldDef,
)

CUSTOMS = r"^\d{4}$"
USCC = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
CUSTOMS_CODE = r"^[0-9A-Z]{10}$"
FOREIGN_PORT = r"^[A-Z]{3}\d{3}$"
CHARGE_MARK = "1:rate (percent):率|2:per unit:单价|3:total amount:总价"
WATERWAY_OR_AIR = "waterway_or_air"


def _party(
    prefix: str, tag: str, zh: str, en: str, *, ciq_tag: str, required: str
) -> list[FieldDef]:
    """The four fields every domestic party carries: customs code, USCC, CIQ code, name."""
    code_required = "never" if prefix == "owner" else required
    return [
        fixed(
            f"{prefix}_code",
            f"{tag}Code",
            f"{zh}海关编码",
            f"{en} customs code",
            10,
            CUSTOMS_CODE,
            required=code_required,
            check="customs_code",
            description="10-char customs registration code (海关注册编码)"
            + (
                "; optional for an end user without customs registration"
                if prefix == "owner"
                else ""
            ),
        ),
        fixed(
            f"{prefix}_code_scc" if prefix != "trade" else "trade_co_scc",
            f"{tag}CodeScc" if prefix != "trade" else "TradeCoScc",
            f"{zh}统一社会信用代码",
            f"{en} USCC",
            18,
            USCC,
            required=required,
            check="uscc",
            description="18-char unified social credit code, GB 32100 check digit",
        ),
        fixed(
            f"{prefix}_ciq_code" if prefix != "agent" else "decl_ciq_code",
            ciq_tag,
            f"{zh}检验检疫编码",
            f"{en} CIQ code",
            10,
            r"^[0-9A-Z]{10}$",
        ),
        text(f"{prefix}_name", f"{tag}Name", f"{zh}名称", f"{en} name", 70, required=required),
    ]


def _charge(prefix: str, tag: str, zh: str, en: str) -> list[FieldDef]:
    return [
        choice(f"{prefix}_mark", f"{tag}Mark", f"{zh}标记", f"{en} mark", CHARGE_MARK),
        decimal(f"{prefix}_rate", f"{tag}Rate", f"{zh}数值", f"{en} rate or amount", 19, 5),
        coded(f"{prefix}_curr", f"{tag}Curr", f"{zh}币制", f"{en} currency", "currency", 3),
    ]


HEAD_FIELDS: tuple[FieldDef, ...] = (
    choice("ie_flag", "IEFlag", "进出口标志", "Import/export flag",
           "I:import:进口|E:export:出口", required=ALWAYS),
    coded("custom_master", "CustomMaster", "申报地海关", "Customs office of declaration",
          "customs_district", 4, pattern=CUSTOMS, required=ALWAYS),
    coded("ie_port", "IEPort", "进出境关别", "Customs office of entry/exit",
          "customs_district", 4, pattern=CUSTOMS, required=ALWAYS),
    day("ie_date", "IEDate", "进出口日期", "Import/export date", required=IMPORT,
        description="Import: arrival date, not in the future. Export: filled at release."),
    text("manual_no", "ManualNo", "备案号", "Manual/record number", 12),
    text("contr_no", "ContrNo", "合同协议号", "Contract number", 32),
    *_party("trade", "Trade", "境内收发货人", "Domestic consignee/consignor",
            ciq_tag="TradeCiqCode", required=ALWAYS),
    *_party("owner", "Owner", "消费使用/生产销售单位", "End user/producer",
            ciq_tag="OwnerCiqCode", required=ALWAYS),
    *_party("agent", "Agent", "申报单位", "Declarant (broker)",
            ciq_tag="DeclCiqCode", required=ALWAYS),
    fixed("cop_code", "CopCode", "录入单位海关编码", "Data-entry company customs code",
          10, CUSTOMS_CODE, check="customs_code"),
    fixed("cop_code_scc", "CopCodeScc", "录入单位统一社会信用代码", "Data-entry company USCC",
          18, USCC, check="uscc"),
    text("cop_name", "CopName", "录入单位名称", "Data-entry company name", 70),
    text("overseas_consignor_code", "OverseasConsignorCode", "境外发货人代码",
         "Overseas consignor code", 50, direction=Direction.IMPORT),
    text("overseas_consignor_cname", "OverseasConsignorCname", "境外发货人中文名称",
         "Overseas consignor Chinese name", 150, direction=Direction.IMPORT),
    text("overseas_consignor_ename", "OverseasConsignorEname", "境外发货人名称(外文)",
         "Overseas consignor name", 100, direction=Direction.IMPORT, required=IMPORT),
    text("overseas_consignor_addr", "OverseasConsignorAddr", "境外发货人地址",
         "Overseas consignor address", 100, direction=Direction.IMPORT),
    text("overseas_consignee_code", "OverseasConsigneeCode", "境外收货人代码",
         "Overseas consignee code", 50, direction=Direction.EXPORT),
    text("overseas_consignee_ename", "OverseasConsigneeEname", "境外收货人名称(外文)",
         "Overseas consignee name", 100, direction=Direction.EXPORT, required=EXPORT),
    coded("traf_mode", "TrafMode", "运输方式", "Mode of transport", "transport_mode", 1,
          required=ALWAYS),
    text("traf_name", "TrafName", "运输工具名称", "Means of transport name", 50,
         required=WATERWAY_OR_AIR),
    text("bill_no", "BillNo", "提运单号", "Bill of lading / AWB number", 32,
         required=WATERWAY_OR_AIR),
    coded("trade_mode", "TradeMode", "监管方式", "Customs regime (trade mode)", "trade_mode", 4,
          pattern=r"^\d{4}$", required=ALWAYS),
    coded("cut_mode", "CutMode", "征免性质", "Levy nature", "levy_nature", 3,
          pattern=r"^\d{3}$", required=IMPORT),
    text("license_no", "LicenseNo", "许可证号", "Licence number", 20),
    coded("trade_country", "TradeCountry", "启运国/运抵国", "Country of departure/arrival",
          "country", 3, required=ALWAYS),
    coded("trade_area_code", "TradeAreaCode", "贸易国(地区)", "Trading country",
          "country", 3, required=ALWAYS),
    fixed("distinate_port", "DistinatePort", "经停港/指运港", "Port of transit/destination",
          6, FOREIGN_PORT, required=ALWAYS, check="foreign_port",
          description="6-char port code: ISO alpha-3 country + 3 digits"),
    fixed("desp_port_code", "DespPortCode", "启运港", "Port of departure",
          6, FOREIGN_PORT, required=IMPORT, direction=Direction.IMPORT, check="foreign_port"),
    fixed("enty_port_code", "EntyPortCode", "入境口岸/离境口岸", "Port of entry/exit",
          6, r"^\d{6}$", required=ALWAYS, description="6-digit domestic port code"),
    text("goods_place", "GoodsPlace", "货物存放地点", "Place where goods are stored", 100,
         required=IMPORT),
    day("desp_date", "DespDate", "启运日期", "Date of departure"),
    day("cmpl_dschrg_dt", "CmplDschrgDt", "卸毕日期", "Date discharge completed"),
    coded("trans_mode", "TransMode", "成交方式", "Transaction method", "transaction_method", 1,
          required=ALWAYS),
    *_charge("fee", "Fee", "运费", "Freight"),
    *_charge("insur", "Insur", "保费", "Insurance"),
    *_charge("other", "Other", "杂费", "Other charges"),
    integer("pack_no", "PackNo", "件数", "Number of packages", 0, 999_999_999, required=ALWAYS),
    coded("wrap_type", "WrapType", "包装种类", "Type of packaging", "packaging", 2,
          pattern=r"^\d{2}$", required=ALWAYS),
    choice("no_other_pack", "NoOtherPack", "其他包装标志", "No other packaging flag",
           "0:other packaging declared:有其他包装|1:no other packaging:无其他包装"),
    decimal("gross_wet", "GrossWet", "毛重(千克)", "Gross weight (kg)", 19, 5,
            minimum=Decimal("0"), required=ALWAYS, wco_id="131"),
    decimal("net_wt", "NetWt", "净重(千克)", "Net weight (kg)", 19, 5, required=ALWAYS),
    choice("entry_type", "EntryType", "报关单类型", "Declaration type",
           "0:ordinary:普通报关|L:with list:带清单|W:paperless:无纸报关"
           "|D:list and paperless:清单无纸|M:paperless clearance:通关无纸化",
           required=ALWAYS),
    choice("decl_trn_rel", "DeclTrnRel", "报关/转关关系标志", "Declaration/transit relation",
           "0:ordinary declaration:一般报关单|1:transit in advance:转关提前报关单"
           "|2:record list:备案清单|3:transit record list:转关提前备案清单"
           "|4:export second transit:出口二次转关", required=ALWAYS),
    choice("chk_surety", "ChkSurety", "担保验放标志", "Release against guarantee",
           "0:no:否|1:yes:是"),
    text("bill_type", "BillType", "备案清单类型", "Record list type", 1),
    FieldDef("promise_items", "承诺事项", "Declared relationships (promise items)",
             xml_tag="PromiseItmes", max_length=9, min_length=3, pattern=r"^[019]{3,9}$",
             required=IMPORT,
             description="One digit per item (special relationship, price influence, "
             "royalties …): 1 = yes, 0 = no, 9 = not applicable"),
    text("mark_no", "MarkNo", "标记唛码", "Shipping marks", 400, required=ALWAYS,
         description="N/M when there are none"),
    text("note_s", "NoteS", "备注", "Remarks", 255),
    text("insp_org_code", "InspOrgCode", "口岸检验检疫机关", "Port inspection authority", 10),
    text("purp_org_code", "PurpOrgCode", "目的地检验检疫机关", "Destination inspection authority",
         10),
    text("org_code", "OrgCode", "检验检疫受理机关", "Inspection accepting authority", 10),
    text("vsa_org_code", "VsaOrgCode", "领证机关", "Certificate issuing authority", 10),
    text("spec_decl_flag", "SpecDeclFlag", "特种业务标识", "Special business flags", 10),
    text("correlation_no", "CorrelationNo", "关联号码", "Correlated number", 255),
    text("correlation_reason_flag", "CorrelationReasonFlag", "关联理由", "Correlation reason", 2),
    choice("orig_box_flag", "OrigBoxFlag", "原集装箱标识", "Original container flag",
           "0:no:否|1:yes:是"),
    text("check_flow", "CheckFlow", "查验分流", "Inspection routing", 1),
    text("tax_aamin_mark", "TaxAaminMark", "税收征管标记", "Tax administration mark", 1),
)  # fmt: skip

HEAD = BlockDef(
    "head",
    "表头",
    "Header",
    "DecHead",
    HEAD_FIELDS,
    min_occurs=1,
    max_occurs=1,
    description="One per declaration.",
)
