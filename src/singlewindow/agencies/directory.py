"""The standard agency and port-operator parties of a Guangdong node.

Customs head offices (直属海关) receive the declarations of their district; the provincial
licensing authority verifies licences; terminal operators receive release notices for the
customs offices at their gates. Operators can add or change parties later; this is the
starting directory used by ``make run``, the demo, tests and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from singlewindow.parties import service as parties
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import AgencyType, PartyIn, PartyKind


@dataclass(frozen=True)
class Entry:
    code: str
    kind: PartyKind
    name_zh: str
    name_en: str
    agency_type: AgencyType | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


CUSTOMS_DISTRICTS = {
    "5100": ("广州海关", "Guangzhou Customs"),
    "5200": ("黄埔海关", "Huangpu Customs"),
    "5300": ("深圳海关", "Shenzhen Customs"),
    "5700": ("拱北海关", "Gongbei Customs"),
    "6000": ("汕头海关", "Shantou Customs"),
    "6700": ("湛江海关", "Zhanjiang Customs"),
    "6800": ("江门海关", "Jiangmen Customs"),
}

DIRECTORY: list[Entry] = [
    *(
        Entry(
            f"CUS{district}",
            PartyKind.agency,
            zh,
            en,
            AgencyType.customs,
            {"customs_district": district},
        )
        for district, (zh, en) in CUSTOMS_DISTRICTS.items()
    ),
    Entry(
        "LIC-GD",
        PartyKind.agency,
        "广东省商务厅（许可证）",
        "Guangdong Department of Commerce (licensing)",
        AgencyType.licensing,
    ),
    Entry(
        "MSA-GD",
        PartyKind.agency,
        "广东海事局",
        "Guangdong Maritime Safety Administration",
        AgencyType.maritime,
    ),
    Entry(
        "BIS-GD",
        PartyKind.agency,
        "广东出入境边防检查总站",
        "Guangdong Border Inspection",
        AgencyType.border,
    ),
    Entry(
        "PORT-YICT",
        PartyKind.port_operator,
        "盐田国际集装箱码头",
        "Yantian International Container Terminals",
        attrs={"customs_offices": ["5316"], "unlocode": "CNYTN"},
    ),
    Entry(
        "PORT-SCT",
        PartyKind.port_operator,
        "蛇口集装箱码头",
        "Shekou Container Terminals",
        attrs={"customs_offices": ["5304", "5348", "5349"], "unlocode": "CNSHK"},
    ),
    Entry(
        "PORT-NSCT",
        PartyKind.port_operator,
        "南沙港区集装箱码头",
        "Nansha Container Terminal",
        attrs={"customs_offices": ["5167"], "unlocode": "CNNSA"},
    ),
    Entry(
        "PORT-HPCT",
        PartyKind.port_operator,
        "黄埔港集装箱码头",
        "Huangpu Container Terminal",
        attrs={"customs_offices": ["5208", "5216"], "unlocode": "CNHUA"},
    ),
    Entry(
        "PORT-CAN",
        PartyKind.port_operator,
        "广州白云机场货站",
        "Guangzhou Baiyun Air Cargo",
        attrs={"customs_offices": ["5141"], "unlocode": "CNCAN"},
    ),
]


def ensure_directory(session: Session) -> list[Party]:
    """Creates the standard agencies and port operators that are missing. Idempotent."""
    out = []
    for entry in DIRECTORY:
        party = parties.find_party(session, entry.code)
        if party is None:
            party = parties.create_party(
                session,
                PartyIn(
                    kind=entry.kind,
                    code=entry.code,
                    name_zh=entry.name_zh,
                    name_en=entry.name_en,
                    agency_type=entry.agency_type,
                    attrs=entry.attrs,
                ),
            )
        out.append(party)
    return out
