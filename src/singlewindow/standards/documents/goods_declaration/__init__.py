"""The customs goods declaration (进出口货物报关单), DecMessage layout (reference §1)."""

from __future__ import annotations

from singlewindow.standards.documents.goods_declaration.head import HEAD, WATERWAY_OR_AIR
from singlewindow.standards.documents.goods_declaration.items import (
    ATTACHMENTS,
    CONTAINERS,
    COP_LIMITS,
    COP_PROMISES,
    FREE_TEXT,
    LICENCES,
    LINES,
    OTHER_PACKS,
    REQUEST_CERTS,
    SIGN,
    WITH_SECOND_QTY,
    WITH_SECOND_UNIT,
)
from singlewindow.standards.documents.model import ChargeRule, Condition, DocumentType

CONDITIONS = (
    Condition(
        WATERWAY_OR_AIR,
        "head.traf_mode",
        "required when the mode of transport is waterway (2) or air (5)",
        "运输方式为水路运输(2)或航空运输(5)时必填",
        values=("2", "5"),
    ),
    Condition(
        WITH_SECOND_QTY,
        ".second_qty",
        "required when a second statutory quantity is declared",
        "申报法定第二数量时必填",
    ),
    Condition(
        WITH_SECOND_UNIT,
        ".second_unit",
        "required when a second statutory unit is declared",
        "申报法定第二计量单位时必填",
    ),
)

# Customs value is CIF-based on import and FOB-based on export: a charge must be declared
# exactly when the agreed price does not already have the customs basis.
# Transaction methods 5 (market price) and 6 (垫仓) are not listed: charges are optional.
CHARGE_RULES = (
    ChargeRule("1", "I", freight="forbidden", insurance="forbidden"),  # CIF
    ChargeRule("2", "I", freight="forbidden", insurance="required"),  # C&F
    ChargeRule("3", "I", freight="required", insurance="required"),  # FOB
    ChargeRule("4", "I", freight="required", insurance="forbidden"),  # C&I
    ChargeRule("7", "I", freight="required", insurance="required"),  # EXW
    ChargeRule("1", "E", freight="required", insurance="required"),  # CIF
    ChargeRule("2", "E", freight="required", insurance="forbidden"),  # C&F
    ChargeRule("3", "E", freight="forbidden", insurance="forbidden"),  # FOB
    ChargeRule("4", "E", freight="forbidden", insurance="required"),  # C&I
    ChargeRule("7", "E", freight="forbidden", insurance="forbidden"),  # EXW
)

GOODS_DECLARATION = DocumentType(
    type="goods_declaration",
    version="1.0",
    title_en="Customs goods declaration",
    title_zh="进出口货物报关单",
    # Block order is the DecMessage child order (reference §1.4).
    blocks=(
        HEAD,
        LINES,
        CONTAINERS,
        LICENCES,
        REQUEST_CERTS,
        OTHER_PACKS,
        COP_LIMITS,
        COP_PROMISES,
        FREE_TEXT,
        SIGN,
        ATTACHMENTS,
    ),
    xml_namespace="http://www.chinaport.gov.cn/dec",
    xml_root="DecMessage",
    xml_version="5.0",
    conditions=CONDITIONS,
    charge_rules=CHARGE_RULES,
    description=(
        "Combined customs and inspection goods declaration (since 2018). Canonical JSON "
        "keys are the snake_case DecMessage tags; client_ref is DecSign/ClientSeqNo."
    ),
)

__all__ = ["GOODS_DECLARATION"]
