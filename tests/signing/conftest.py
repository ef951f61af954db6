"""Signing fixtures: parties with API keys, a test CA, registered certificates, the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.parties.service import create_api_key, create_party
from singlewindow.signing import service
from tests.signing.pki import Ca, Issued, issue, make_ca, valid_uscc

TRADER = valid_uscc("91440300MA5D1QGN0")
BROKER = valid_uscc("91440300192QGN001")
OTHER = valid_uscc("91441900MA4WQGN01")
OPERATOR = "GD"


@dataclass
class Parties:
    tokens: dict[str, str]

    def auth(self, code: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[code]}"}


@pytest.fixture
def parties(db: Database) -> Parties:
    tokens = {}
    with db.unit_of_work() as session:
        for data in (
            PartyIn(kind=PartyKind.platform, code=OPERATOR, name_zh="广东单一窗口"),
            PartyIn(kind=PartyKind.enterprise, uscc=TRADER, name_zh="深圳签名贸易有限公司"),
            PartyIn(kind=PartyKind.broker, uscc=BROKER, name_zh="深圳签名报关有限公司"),
            PartyIn(kind=PartyKind.enterprise, uscc=OTHER, name_zh="东莞其他贸易有限公司"),
            PartyIn(
                kind=PartyKind.agency, code="CUS-5316", name_zh="大鹏海关", agency_type="customs"
            ),
        ):
            party = create_party(session, data)
            tokens[party.code] = create_api_key(session, party)[1]
    return Parties(tokens)


@pytest.fixture(scope="session")
def ca() -> Ca:
    return make_ca()


@pytest.fixture
def trader_cert(db: Database, parties: Parties, ca: Ca) -> Issued:
    issued = issue(ca, uscc=TRADER)
    with db.unit_of_work() as session:
        service.register_certificate(session, party_code=TRADER, pem=issued.pem, registered_by="t")
    return issued


@pytest.fixture
def set_clock() -> Iterator[Callable[[datetime], None]]:
    """Freeze the platform clock at a moment; restored after the test."""

    def freeze(moment: datetime) -> None:
        clock.set_clock(lambda: moment)

    yield freeze
    clock.reset_clock()
