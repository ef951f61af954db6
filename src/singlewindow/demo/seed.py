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
from singlewindow.parties.auth import forget_api_keys
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
    forget_api_keys(session)
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


# The demo's shipping agent (files ship reports and manifests) and the terminal that reports
# arrivals: (code, USCC, customs code, zh, en); the terminal is a directory port operator.
DEMO_CARRIER = (
    "CARRIER-DEMO",
    with_check_digit("91440300MA5DC0RG1"),
    "4403980C01",
    "深圳示例国际船舶代理有限公司",
    "Shenzhen Example International Shipping Agency Co., Ltd.",
)
DEMO_TERMINAL = "PORT-YICT"


@dataclass(frozen=True)
class DemoPartner:
    code: str
    name_zh: str
    name_en: str
    token: str


def ensure_demo_partners(session: Session) -> dict[str, DemoPartner]:
    """The demo carrier and terminal with fresh keys (``carrier`` and ``terminal``)."""
    ensure_directory(session)
    code, scc, customs_code, zh, en = DEMO_CARRIER
    carrier = parties.find_party(session, code) or parties.create_party(
        session,
        PartyIn(
            code=code,
            kind=PartyKind.carrier,
            uscc=scc,
            customs_code=customs_code,
            name_zh=zh,
            name_en=en,
        ),
    )
    terminal = parties.get_party(session, DEMO_TERMINAL)
    out = {}
    for role, party in (("carrier", carrier), ("terminal", terminal)):
        session.execute(
            update(ApiKey)
            .where(
                ApiKey.party_id == party.id,
                ApiKey.name == KEY_NAME,
                ApiKey.revoked_at.is_(None),
            )
            .values(revoked_at=clock.now())
        )
        forget_api_keys(session)
        _key, token = parties.create_api_key(session, party, name=KEY_NAME)
        out[role] = DemoPartner(party.code, party.name_zh, party.name_en or "", token)
    return out


def submit_demo_declarations(
    base_url: str, trader: DemoTrader, count: int, *, wait_s: float = 60.0
) -> int:
    """Files ``count`` demo declarations through the public API once the node answers.

    Used by ``singlewindow run`` on a fresh node so that the portal and the API have
    something to show; the simulated agencies then decide them as usual.
    """
    import time

    import httpx

    from singlewindow.demo.scenario import demo_document

    deadline = time.monotonic() + wait_s
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while time.monotonic() < deadline:
            try:
                if client.get("/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {trader.token}"}
        accepted = 0
        for i in range(count):
            doc = demo_document(trader, i)
            doc["client_ref"] = f"DEMO-RUN-{i:04d}"
            r = client.post("/api/v1/declarations", json=doc, headers=headers)
            accepted += r.status_code == 202
    return accepted
