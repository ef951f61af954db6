"""The repeated and trailing blocks of a goods declaration (reference §1.3, §1.4)."""

from __future__ import annotations

from singlewindow.standards.documents.fields import choice, coded, decimal, fixed, integer, text
from singlewindow.standards.documents.goods_declaration.head import WATERWAY_OR_AIR
from singlewindow.standards.documents.model import ALWAYS, IMPORT, BlockDef, FieldDef

WITH_SECOND_QTY = "with_second_qty"
WITH_SECOND_UNIT = "with_second_unit"

LINE_FIELDS: tuple[FieldDef, ...] = (
    integer("g_no", "GNo", "项号", "Line number", 1, 999, required=ALWAYS, wco_id="006",
            description="1..n without gaps"),
    fixed("code_ts", "CodeTS", "商品编号", "Commodity code (HS)", 10, r"^\d{10}$",
          required=ALWAYS, check="hs_code",
          description="8-digit tariff code + 2-digit customs supplement; chapter and heading "
          "must exist"),
    fixed("ciq_code", "CiqCode", "检验检疫编码", "CIQ sub-code", 3, r"^\d{3}$"),
    text("ciq_name", "CiqName", "检验检疫名称", "CIQ name", 255),
    text("g_name", "GName", "商品名称", "Description of goods", 255, required=ALWAYS,
         wco_id="137"),
    text("g_model", "GModel", "规格型号", "Specification (declaration elements)", 255,
         required=ALWAYS, description="Declaration elements separated by |"),
    decimal("g_qty", "GQty", "成交数量", "Transaction quantity", 19, 5, required=ALWAYS),
    coded("g_unit", "GUnit", "成交计量单位", "Transaction unit", "unit", 3, pattern=r"^\d{3}$",
          required=ALWAYS),
    decimal("first_qty", "FirstQty", "法定第一数量", "First statutory quantity", 19, 5,
            required=ALWAYS),
    coded("first_unit", "FirstUnit", "法定第一计量单位", "First statutory unit", "unit", 3,
          pattern=r"^\d{3}$", required=ALWAYS),
    decimal("second_qty", "SecondQty", "法定第二数量", "Second statutory quantity", 19, 5,
            required=WITH_SECOND_UNIT),
    coded("second_unit", "SecondUnit", "法定第二计量单位", "Second statutory unit", "unit", 3,
          pattern=r"^\d{3}$", required=WITH_SECOND_QTY),
    decimal("decl_price", "DeclPrice", "单价", "Unit price", 19, 4, required=ALWAYS),
    decimal("decl_total", "DeclTotal", "总价", "Total price", 19, 2, required=ALWAYS,
            description="Equals quantity x unit price within the rounding tolerance"),
    coded("trade_curr", "TradeCurr", "币制", "Currency", "currency", 3, required=ALWAYS),
    coded("origin_country", "OriginCountry", "原产国(地区)", "Country of origin", "country", 3,
          required=ALWAYS),
    coded("destination_country", "DestinationCountry", "最终目的国(地区)",
          "Country of final destination", "country", 3, required=ALWAYS),
    text("orig_place_code", "OrigPlaceCode", "原产地区代码", "Region of origin", 10),
    coded("district_code", "DistrictCode", "境内目的地/境内货源地",
          "Domestic destination/source", "domestic_district", 5, pattern=r"^[0-9A-Z]{5}$",
          required=ALWAYS),
    fixed("ciq_dest_code", "CiqDestCode", "目的地代码", "Destination division code", 6,
          r"^\d{6}$", required=IMPORT),
    coded("duty_mode", "DutyMode", "征免方式", "Duty mode", "duty_mode", 1, required=ALWAYS),
    integer("contr_item", "ContrItem", "备案序号", "Manual item number", 1, 999_999_999),
    text("exg_no", "ExgNo", "货号", "Article number", 30),
    text("exg_version", "ExgVersion", "版本号", "Version number", 8),
    text("purpose", "Purpose", "用途", "Purpose", 4),
    text("goods_attr", "GoodsAttr", "货物属性", "Goods attributes", 100),
    text("stuff", "Stuff", "成分/原料", "Ingredients/material", 400),
    text("goods_spec", "GoodsSpec", "货物规格", "Goods specification", 250),
    text("goods_model", "GoodsModel", "货物型号", "Goods model", 250),
    text("goods_brand", "GoodsBrand", "货物品牌", "Goods brand", 100),
    text("produce_date", "ProduceDate", "生产日期", "Production date(s)", 100),
    text("prod_batch_no", "ProdBatchNo", "生产批号", "Production batch", 100),
    text("un_code", "UnCode", "UN编码", "UN number", 20),
    text("dang_name", "DangName", "危险货物名称", "Dangerous goods name", 80),
    text("dang_pack_type", "DangPackType", "危包类别", "Dangerous packing group", 4),
    text("dang_pack_spec", "DangPackSpec", "危包规格", "Dangerous packing spec", 24),
    choice("no_dang_flag", "NoDangFlag", "非危险化学品", "Not a dangerous chemical",
           "0:dangerous:是危险品|1:not dangerous:非危险化学品"),
)  # fmt: skip

LINES = BlockDef("lines", "表体", "Goods lines", "DecList", LINE_FIELDS, repeated=True,
                 xml_container="DecLists", min_occurs=1, max_occurs=50,
                 description="1..max_lines lines (platform setting, default 50).")  # fmt: skip

CONTAINERS = BlockDef("containers", "集装箱", "Containers", "Container", (
    fixed("container_id", "ContainerId", "集装箱号", "Container number", 11,
          r"^[A-Z]{4}\d{7}$", required=ALWAYS, check="container", wco_id="159",
          description="ISO 6346 owner code + serial + check digit"),
    coded("container_md", "ContainerMd", "集装箱规格", "Container size/type", "container_size",
          2, required=ALWAYS),
    text("goods_no", "GoodsNo", "商品项号关系", "Goods line numbers in container", 255,
         pattern=r"^\d{1,3}(,\d{1,3})*$", required=ALWAYS,
         description="Comma-separated line numbers (GNo) packed in this container"),
    choice("lcl_flag", "LclFlag", "拼箱标识", "LCL flag", "0:full container:整箱|1:LCL:拼箱",
           required=ALWAYS),
    decimal("goods_conta_wt", "GoodsContaWt", "箱货重量", "Goods and container weight (kg)"),
    decimal("container_wt", "ContainerWt", "集装箱自重", "Container tare weight (kg)"),
), repeated=True, xml_container="DecContainers", max_occurs=None)  # fmt: skip

LICENCES = BlockDef("licences", "随附证件", "Licences and certificates", "LicenseDocu", (
    coded("docu_code", "DocuCode", "监管证件代码", "Licence document code", "licence_document",
          4, required=ALWAYS),
    text("cert_code", "CertCode", "监管证件编号", "Licence number", 32, required=ALWAYS),
), repeated=True, xml_container="DecLicenseDocus", max_occurs=None)  # fmt: skip

REQUEST_CERTS = BlockDef("request_certs", "申请单证", "Requested CIQ certificates",
                         "DecRequestCert", (
    text("app_cert_code", "AppCertCode", "申请单证代码", "Certificate code", 10, required=ALWAYS),
    integer("appl_ori", "ApplOri", "申请单证正本数", "Originals", 0, 99),
    integer("appl_copy_quan", "ApplCopyQuan", "申请单证副本数", "Copies", 0, 99),
), repeated=True, xml_container="DecRequestCerts", max_occurs=None)  # fmt: skip

OTHER_PACKS = BlockDef("other_packs", "其他包装", "Other packaging", "DecOtherPack", (
    integer("pack_qty", "PackQty", "包装件数", "Number of packages", 0, 999_999_999,
            required=ALWAYS),
    coded("pack_type", "PackType", "包装材料种类", "Packaging type", "packaging", 2,
          required=ALWAYS),
), repeated=True, xml_container="DecOtherPacks", max_occurs=None)  # fmt: skip

COP_LIMITS = BlockDef("cop_limits", "企业资质", "Company qualifications", "DecCopLimit", (
    text("ent_qualif_no", "EntQualifNo", "企业资质编号", "Qualification number", 50,
         required=ALWAYS),
    text("ent_qualif_type_code", "EntQualifTypeCode", "企业资质类别代码",
         "Qualification type", 10, required=ALWAYS),
), repeated=True, xml_container="DecCopLimits", max_occurs=None)  # fmt: skip

COP_PROMISES = BlockDef("cop_promises", "企业承诺", "Company declarations", "DecCopPromise", (
    text("declaratio_material_code", "DeclaratioMaterialCode", "证明/声明材料代码",
         "Declaration material code", 20, required=ALWAYS),
), repeated=True, xml_container="DecCopPromises", max_occurs=None)  # fmt: skip

FREE_TEXT = BlockDef("free_text", "自由文本", "Free text", "DecFreeTxt", (
    text("rel_id", "RelId", "关联报关单号", "Related declaration", 18),
    text("rel_man_no", "RelManNo", "关联备案号", "Related manual", 12),
    text("bon_no", "BonNo", "监管仓号", "Bonded warehouse number", 32),
    text("voy_no", "VoyNo", "航次号", "Voyage/flight number", 32, required=WATERWAY_OR_AIR),
    text("dec_bp_no", "DecBpNo", "报关员联系方式", "Declarant contact", 50),
    text("cus_fie", "CusFie", "货场代码", "Yard code", 8),
    text("dec_no", "DecNo", "报关员号", "Declarant number", 20),
))  # fmt: skip

SIGN = BlockDef("sign", "签名", "Signature", "DecSign", (
    choice("oper_type", "OperType", "操作类型", "Operation type",
           "A:upload:报关单上载|B:upload with transit:报关单转关单上载|C:declare:报关单申报"
           "|D:declare with transit:报关单转关单申报|E:manual upload:电子手册报关单上载"
           "|G:save draft:暂存"),
    text("ic_code", "ICCode", "操作员IC卡号", "Operator IC card", 20),
    fixed("cop_code", "CopCode", "录入单位代码", "Data-entry company code", 10,
          r"^[0-9A-Z]{10}$"),
    text("oper_name", "OperName", "操作员姓名", "Operator name", 50),
    text("client_ref", "ClientSeqNo", "客户端编号", "Client reference", 32, min_length=1,
         required=ALWAYS, at_root=True,
         description="Unique per declaration; resubmitting it is idempotent"),
    text("sign", "Sign", "数字签名", "Signature value", 4000),
    text("sign_date", "SignDate", "签名日期", "Signing time", 16, min_length=14,
         pattern=r"^\d{14}(\d{2})?$", description="yyyyMMddHHmmss plus optional 2 digits"),
    text("certificate", "Certificate", "证书号", "Certificate number", 64),
    text("host_id", "HostId", "主机编号", "Host id", 32),
))  # fmt: skip

ATTACHMENTS = BlockDef("attachments", "随附单据", "Attached documents", "EdocRealation", (
    text("edoc_id", "EdocID", "文件名", "Document id (file name)", 64, required=ALWAYS),
    coded("edoc_code", "EdocCode", "随附单据类别", "Attached document type",
          "attached_document", 8, required=ALWAYS),
    choice("edoc_fomat_type", "EdocFomatType", "随附单据格式类型", "Format",
           "S:structured:结构化|US:unstructured (PDF):非结构化", required=ALWAYS),
    text("op_note", "OpNote", "操作说明", "Note", 255),
    text("edoc_cop_id", "EdocCopId", "随附单据文件企业名", "Company file name", 64),
    text("edoc_owner_code", "EdocOwnerCode", "所属单位海关编号", "Owner customs code", 10),
    text("sign_unit", "SignUnit", "签名单位代码", "Signing unit code", 10),
    text("sign_time", "SignTime", "签名时间", "Signing time", 20),
    text("edoc_owner_name", "EdocOwnerName", "所属单位名称", "Owner name", 70),
    integer("edoc_size", "EdocSize", "随附单据文件大小", "File size (bytes)", 0),
), repeated=True, max_occurs=None)  # fmt: skip
