"""A node with its directory of agencies, two traders and keys for everyone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from singlewindow.agencies.directory import ensure_directory
from singlewindow.demo.seed import ensure_demo_traders
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.node import bootstrap
from singlewindow.parties import service as parties
from singlewindow.standards.documents.samples import sample_goods_declaration
from tests.support.exchange import pump


@dataclass
class Node:
    client: TestClient
    db: Database
    settings: Settings
    tokens: dict[str, str]
    traders: list[Any]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def document(self, trader: int = 0, ie_flag: str = "I", **kw: Any) -> dict[str, Any]:
        t = self.traders[trader]
        doc = sample_goods_declaration(ie_flag, **kw)
        head = doc["head"]
        head.update(
            trade_co_scc=t.uscc,
            trade_code=t.customs_code,
            trade_name=t.name_zh,
            agent_code_scc=t.uscc,
            agent_code=t.customs_code,
            agent_name=t.name_zh,
        )
        doc["licences"] = []
        return doc

    def submit(self, doc: dict[str, Any], who: str = "trader") -> Any:
        return self.client.post("/api/v1/declarations", json=doc, headers=self.auth(who))

    def pump(self) -> None:
        pump(self.db, self.settings)

    def inbox(self, who: str) -> list[dict[str, Any]]:
        self.pump()
        r = self.client.get("/api/v1/exchange/inbox", params={"wait": 0}, headers=self.auth(who))
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    def decide(self, who: str, declaration_id: str, decision: str, **kw: Any) -> Any:
        return self.client.post(
            "/api/v1/agency/decisions",
            json={"declaration_id": declaration_id, "decision": decision, **kw},
            headers=self.auth(who),
        )


@pytest.fixture
def node(app_client: TestClient, db: Database, settings: Settings) -> Node:
    tokens: dict[str, str] = {}
    with db.unit_of_work() as session:
        bootstrap(session, settings)
        members = ensure_directory(session)
        traders = ensure_demo_traders(session, settings)
        for party in members:
            tokens[party.code] = parties.create_api_key(session, party)[1]
        op = parties.get_party(session, settings.node_code)
        tokens["operator"] = parties.create_api_key(session, op)[1]
    tokens["trader"] = traders[0].token
    tokens["other_trader"] = traders[1].token
    return Node(app_client, db, settings, tokens, traders)


@pytest.fixture
def entry_no() -> Callable[[str, str, str], str]:
    from singlewindow.agencies.simulator import entry_no_for

    return entry_no_for
