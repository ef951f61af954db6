"""A node with its directory of agencies and terminals, two carriers and keys for everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from stdnum.cn import uscc

from singlewindow.agencies.directory import ensure_directory
from singlewindow.exchange.models import Message
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.node import bootstrap
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.transport.models import (
    TransportCall,
    TransportClearance,
    TransportEvent,
    TransportReport,
    Vessel,
)
from tests.support.exchange import pump

CARRIERS = {
    # token name: (party code, first 17 characters of the USCC, customs code)
    "carrier": ("CARRIER-A", "91440300MA5C4RR1E", "440398000C"),
    "other_carrier": ("CARRIER-B", "91440100MA5C4RR2F", "440198000D"),  # Guangzhou
}
# Most call tests run on SQLite only, to keep the suite fast; test_sea_call runs on both.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TABLES = (TransportCall, TransportReport, TransportClearance, TransportEvent, Vessel, Message)


@dataclass
class Node:
    client: TestClient
    db: Database
    settings: Settings
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def file(self, doc_type: str, doc: Any, who: str = "carrier") -> Any:
        return self.client.post(
            f"/api/v1/transport/reports/{doc_type}", json=doc, headers=self.auth(who)
        )

    def accepted(self, doc_type: str, doc: Any, who: str = "carrier") -> dict[str, Any]:
        r = self.file(doc_type, doc, who)
        assert r.status_code == 202, r.text
        body: dict[str, Any] = r.json()
        return body

    def clear(
        self, who: str, call_id: str, phase: str, decision: str = "cleared", **kw: Any
    ) -> Any:
        return self.client.post(
            f"/api/v1/transport/calls/{call_id}/clearances",
            json={"phase": phase, "decision": decision, **kw},
            headers=self.auth(who),
        )

    def get(self, path: str, who: str = "carrier", **params: Any) -> Any:
        return self.client.get(f"/api/v1/transport{path}", params=params, headers=self.auth(who))

    def inbox(self, who: str) -> list[dict[str, Any]]:
        """Everything waiting for ``who``, acknowledged (so the next read shows only new)."""
        pump(self.db, self.settings)
        r = self.client.get("/api/v1/exchange/inbox", params={"wait": 0}, headers=self.auth(who))
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        if items:
            ack = self.client.post(
                "/api/v1/exchange/inbox/ack",
                json={"ids": [i["id"] for i in items]},
                headers=self.auth(who),
            )
            assert ack.status_code == 200, ack.text
        return items

    def counts(self) -> dict[str, int]:
        with self.db.unit_of_work() as session:
            return {
                t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
                for t in TABLES
            }


@pytest.fixture
def node(app_client: TestClient, db: Database, settings: Settings) -> Node:
    tokens: dict[str, str] = {}
    with db.unit_of_work() as session:
        bootstrap(session, settings)
        for party in ensure_directory(session):
            tokens[party.code] = parties.create_api_key(session, party)[1]
        for name, (code, first17, customs_code) in CARRIERS.items():
            carrier = parties.create_party(
                session,
                PartyIn(
                    code=code,
                    kind=PartyKind.carrier,
                    name_zh=f"示例船务代理 {code}",
                    uscc=first17 + uscc.calc_check_digit(first17),
                    customs_code=customs_code,
                ),
            )
            tokens[name] = parties.create_api_key(session, carrier)[1]
        operator = parties.get_party(session, settings.node_code)
        tokens["operator"] = parties.create_api_key(session, operator)[1]
        shenzhen = parties.create_party(
            session,
            PartyIn(
                code="CITY-SZ", kind=PartyKind.platform, name_zh="深圳市平台",
                attrs={"city": "440300"},
            ),
        )  # fmt: skip
        tokens["city_operator"] = parties.create_api_key(session, shenzhen)[1]
    return Node(app_client, db, settings, tokens)
