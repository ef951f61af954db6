"""Demo traders: enterprises with valid unified social credit codes and their API keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from singlewindow.agencies.directory import ensure_directory
from singlewindow.kit import clock
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.parties.models import ApiKey
from singlewindow.parties.schemas import PartyIn, PartyKind

KEY_NAME = "demo"


def with_check_digit(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


@dataclass(frozen=True)
class DemoTrader:
    code: str
    uscc: str
    customs_code: str
    name_zh: str
    name_en: str
    token: str


TRADERS = [
    (
        with_check_digit("91440300MA5EXAMP1"),
        "4403960001",
        "深圳前海示例电子贸易有限公司",
        "Shenzhen Qianhai Example Electronics Trading Co., Ltd.",
    ),
    (
        with_check_digit("91440101MA59NXHA2"),
        "4401960002",
        "广州南沙示范进出口有限公司",
        "Guangzhou Nansha Demo Import & Export Co., Ltd.",
    ),
    (
        with_check_digit("91440300MA5BRKE93"),
        "4403980003",
        "深圳盐田报关行有限公司",
        "Shenzhen Yantian Customs Brokerage Co., Ltd.",
    ),
]


def ensure_demo_traders(session: Session, settings: Settings) -> list[DemoTrader]:
    """Creates the demo enterprises (and agency directory) and gives each a fresh key."""
    ensure_directory(session)
    session.execute(
        update(ApiKey)
        .where(ApiKey.name == KEY_NAME, ApiKey.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    out = []
    for code, customs_code, zh, en in TRADERS:
        party = parties.find_party(session, code) or parties.create_party(
            session,
            PartyIn(
                kind=PartyKind.enterprise,
                uscc=code,
                customs_code=customs_code,
                name_zh=zh,
                name_en=en,
            ),
        )
        _key, token = parties.create_api_key(session, party, name=KEY_NAME)
        out.append(DemoTrader(party.code, code, customs_code, zh, en, token))
    return out
