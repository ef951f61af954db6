"""Decision reason codes (provisional, operator-replaceable later through code tables)."""

from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {
    "R01": ("Declaration elements incomplete", "申报要素不全"),
    "R02": ("HS classification doubtful", "商品归类存疑"),
    "R03": ("Declared value doubtful", "申报价格存疑"),
    "R04": ("Licence missing or invalid", "许可证件缺失或无效"),
    "R05": ("Quantity or weight inconsistent", "数量或重量不符"),
    "R06": ("Origin doubtful", "原产地存疑"),
    "R07": ("Manifest data not matched", "舱单数据不符"),
    "R08": ("Prohibited or restricted goods", "禁止或限制类货物"),
    "R09": ("Enterprise credit risk", "企业信用风险"),
    "I01": ("Random selection for inspection", "随机布控查验"),
    "I02": ("Risk-targeted inspection", "风险布控查验"),
    "L01": ("Licence verified", "许可证核验通过"),
    "L02": ("Licence not found", "许可证不存在"),
    "L03": ("Licence quantity exhausted", "许可证数量已用完"),
    "Z99": ("Other", "其他"),
}
