"""Realistic, valid goods declarations for the demo, tests and benchmarks.

Codes are real (customs 5316 大鹏/盐田, trade mode 0110, HS 8471300000 …); party
identifiers are invented but well-formed (USCC check digits computed with python-stdnum).
The 6-digit domestic port code is illustrative: no port table ships yet.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from stdnum import iso6346
from stdnum.cn import uscc

from singlewindow.kit.clock import today_china


def _uscc(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


def _container(first10: str) -> str:
    return first10 + iso6346.calc_check_digit(first10)


TRADER_USCC = _uscc("91440300MA5D12345")
OWNER_USCC = _uscc("91441900MA4W67890")
BROKER_USCC = _uscc("91440300192345678")
TRADER_CODE = "4403160123"
OWNER_CODE = "4419960456"
BROKER_CODE = "4403980012"

# (HS code, name, declaration elements, unit, unit price, kg per unit)
_GOODS = (
    ("8471300000", "笔记本电脑", "4|3|便携式|小于10千克|ACME牌|X14", "001", "450.0000", "1.6"),
    ("8517130000", "智能手机", "4|3|无线网络通信|ACME牌|P20", "001", "120.5000", "0.2"),
    ("8542310000", "中央处理器", "4|3|集成电路|处理器及控制器|ACME牌|C7", "007", "8.2500", "0.01"),
    ("6109100010", "棉制针织T恤衫", "4|3|针织|男式|100%棉|ACME牌", "011", "3.2000", "0.18"),
)  # fmt: skip
_ORIGINS = ("JPN", "USA", "KOR", "DEU")


def _line(number: int, ie_flag: str) -> tuple[dict[str, Any], Decimal]:
    code, name, model, unit, price, kg = _GOODS[(number - 1) % len(_GOODS)]
    qty = Decimal(100 * number + 100)
    weight = (qty * Decimal(kg)).quantize(Decimal("0.01"))
    line: dict[str, Any] = {
        "g_no": number,
        "code_ts": code,
        "g_name": name,
        "g_model": model,
        "g_qty": str(qty),
        "g_unit": unit,
        "first_qty": str(qty),
        "first_unit": unit,
        "second_qty": str(weight),
        "second_unit": "035",
        "decl_price": price,
        "decl_total": str((qty * Decimal(price)).quantize(Decimal("0.01"))),
        "trade_curr": "USD",
        "origin_country": _ORIGINS[(number - 1) % len(_ORIGINS)] if ie_flag == "I" else "CHN",
        "destination_country": "CHN" if ie_flag == "I" else "JPN",
        "district_code": "44039",
        "duty_mode": "1",
    }
    if ie_flag == "I":
        line["ciq_dest_code"] = "440300"
    return line, weight


def sample_goods_declaration(
    ie_flag: str = "I", *, lines: int = 5, client_ref: str | None = None
) -> dict[str, Any]:
    """A valid declaration at Shenzhen customs (5316 大鹏, Yantian port) in canonical JSON.

    Import: FOB from Kobe with freight and insurance, ``ie_date`` three days ago (China
    time). Export: FOB to Kobe, no charges. ``client_ref`` defaults to a fresh unique one.
    """
    if ie_flag not in ("I", "E"):
        raise ValueError("ie_flag must be 'I' or 'E'")
    if lines < 1:
        raise ValueError("a declaration has at least one line")
    built = [_line(n, ie_flag) for n in range(1, lines + 1)]
    net = sum((w for _, w in built), Decimal(0))
    head: dict[str, Any] = {
        "ie_flag": ie_flag,
        "custom_master": "5316",
        "ie_port": "5316",
        "contr_no": f"ACME-{ie_flag}-2026-0815",
        "trade_code": TRADER_CODE,
        "trade_co_scc": TRADER_USCC,
        "trade_name": "深圳市前海示例科技有限公司",
        "owner_code": OWNER_CODE if ie_flag == "I" else TRADER_CODE,
        "owner_code_scc": OWNER_USCC if ie_flag == "I" else TRADER_USCC,
        "owner_name": "东莞示例电子有限公司" if ie_flag == "I" else "深圳市前海示例科技有限公司",
        "agent_code": BROKER_CODE,
        "agent_code_scc": BROKER_USCC,
        "agent_name": "深圳市示例报关有限公司",
        "traf_mode": "2",
        "traf_name": "COSCO SHIPPING ARIES",
        "bill_no": "COSU6312345670",
        "trade_mode": "0110",
        "cut_mode": "101",
        "trade_country": "JPN",
        "trade_area_code": "JPN",
        "distinate_port": "JPN213",
        "enty_port_code": "470401",
        "trans_mode": "3",
        "pack_no": 20 * lines,
        "wrap_type": "22",
        "gross_wet": str((net * Decimal("1.15")).quantize(Decimal("0.01"))),
        "net_wt": str(net),
        "entry_type": "M",
        "decl_trn_rel": "0",
        "promise_items": "000",
        "mark_no": "N/M",
    }
    if ie_flag == "I":
        head |= {
            "ie_date": (today_china() - timedelta(days=3)).isoformat(),
            "overseas_consignor_ename": "Kobe Electronics Trading Co., Ltd.",
            "desp_port_code": "JPN213",
            "goods_place": "深圳盐田港区集装箱码头",
            "fee_mark": "3",
            "fee_rate": "1500.00",
            "fee_curr": "USD",
            "insur_mark": "1",
            "insur_rate": "0.3",
        }
    else:
        head["overseas_consignee_ename"] = "Osaka Digital Corporation"
    half = (lines + 1) // 2
    containers = [
        {
            "container_id": _container("MSKU123456"),
            "container_md": "11",
            "goods_no": ",".join(str(n) for n in range(1, half + 1)),
            "lcl_flag": "0",
        }
    ]
    if lines > 1:
        containers.append(
            {
                "container_id": _container("TGHU987654"),
                "container_md": "21",
                "goods_no": ",".join(str(n) for n in range(half + 1, lines + 1)),
                "lcl_flag": "0",
            }
        )
    return {
        "client_ref": client_ref or f"SW{uuid.uuid4().hex[:24].upper()}",
        "head": head,
        "lines": [line for line, _ in built],
        "containers": containers,
        "licences": [{"docu_code": "Y", "cert_code": f"RCEP{ie_flag}202600012345"}],
        "attachments": [
            {
                "edoc_id": "5316000000010IM202600000000012345.pdf",
                "edoc_code": "00000001",
                "edoc_fomat_type": "US",
            }
        ],
        "free_text": {"voy_no": "045E"},
        "sign": {"oper_type": "C", "oper_name": "张三"},
    }
