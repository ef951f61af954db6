"""One node on SQLite, shared by the whole module: agencies, traders, an operator, their keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from singlewindow.agencies.directory import ensure_directory
from singlewindow.demo.seed import ensure_demo_traders, with_check_digit
from singlewindow.identity import users
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.node import bootstrap
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.standards.documents.samples import sample_goods_declaration
from tests.api.seed_calls import seed as seed_calls
from tests.api.seed_manifests import seed as seed_manifests
from tests.inspection.seed import seed as seed_inspection
from tests.ops.seed import seed as seed_status
from tests.signing.pki import issue, make_ca
from tests.subscriptions.seed import seed as seed_subscriptions
from tests.support.exchange import pump
from tests.support.schema import build_schema


@dataclass
class ApiNode:
    app: FastAPI
    db: Database
    settings: Settings
    tokens: dict[str, str]
    known: dict[str, str]  # path parameter name -> an id that exists on this node

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def assert_error_shape(body: Any) -> None:
    """DESIGN.md §6: ``{"error": {"code", "message", "message_zh", "findings": [...]}}``."""
    assert isinstance(body, dict), body
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict), body
    assert {"code", "message", "message_zh", "findings"} <= set(error), body
    for key in ("code", "message", "message_zh"):
        assert isinstance(error[key], str), body
        assert error[key], body
    assert isinstance(error["findings"], list), body
    for finding in error["findings"]:
        assert {"path", "code", "message", "message_zh"} <= set(finding), body


@pytest.fixture(scope="module")
def api_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    from singlewindow.app import create_app

    root = tmp_path_factory.mktemp("api")
    url = f"sqlite:///{root / 'sw.db'}"
    build_schema(url)
    db = Database(url)
    settings = Settings(
        data_dir=root / "var",
        database_url=url,
        run_workers=False,
        run_simulator=False,
        long_poll_max_seconds=0.05,
    )
    tokens: dict[str, str] = {}
    with db.unit_of_work() as session:
        bootstrap(session, settings)
        for party in ensure_directory(session):
            tokens[party.code] = parties.create_api_key(session, party)[1]
        traders = ensure_demo_traders(session, settings)
        broker = parties.create_party(
            session,
            PartyIn(
                code="BROKER-API",
                kind=PartyKind.broker,
                name_zh="报关行",
                uscc=with_check_digit("91440300MA5B0K0R9"),
                customs_code="440398000A",
            ),
        )
        tokens["broker"] = parties.create_api_key(session, broker)[1]
        carrier = parties.create_party(
            session,
            PartyIn(
                code="CARRIER-API",
                kind=PartyKind.carrier,
                name_zh="示例船务代理有限公司",
                uscc=with_check_digit("91440300MA5C4RR1E"),
                customs_code="440398000C",
            ),
        )
        tokens["carrier"] = parties.create_api_key(session, carrier)[1]
        operator = parties.get_party(session, settings.node_code)
        tokens["operator"] = parties.create_api_key(session, operator)[1]
        analyst, _issued = users.create_user(
            session, settings, None, org_code=settings.node_code, username="api-analyst",
            roles=["analyst"],
        )  # fmt: skip
        user_id = analyst.id
    tokens["trader"] = traders[0].token
    tokens["other_trader"] = traders[1].token
    app = create_app(settings, db)
    # One real declaration, so that reads by id and agency decisions have something to find.
    doc: dict[str, Any] = sample_goods_declaration("I")
    doc["head"].update(
        trade_co_scc=traders[0].uscc,
        trade_code=traders[0].customs_code,
        trade_name=traders[0].name_zh,
        agent_code_scc=traders[0].uscc,
        agent_code=traders[0].customs_code,
        agent_name=traders[0].name_zh,
    )
    doc["licences"] = []
    node = ApiNode(app, db, settings, tokens, {})
    with TestClient(app) as client:
        r = client.post("/api/v1/declarations", json=doc, headers=node.auth("trader"))
        assert r.status_code == 202, r.text
        pump(db, settings)
        op = node.auth("operator")
        rules = client.get("/api/v1/exchange/rules", headers=op).json()
        messages = client.get("/api/v1/exchange/messages", headers=op).json()["items"]
        tables = client.get("/api/v1/standards/code-tables").json()
        types = client.get("/api/v1/standards/document-types").json()
        today = clock.today_china()
        mandate = client.post(
            "/api/v1/mandates",
            json={
                "agent_uscc": with_check_digit("91440300MA5B0K0R9"),
                "doc_types": ["goods_declaration"],
                "valid_from": str(today),
                "valid_to": str(today + timedelta(days=30)),
            },
            headers=node.auth("trader"),
        )
        assert mandate.status_code == 201, mandate.text
        cert = client.post(
            "/api/v1/signing/certificates",
            json={"pem": issue(make_ca(), uscc=traders[0].uscc).pem},
            headers=node.auth("trader"),
        )
        assert cert.status_code == 201, cert.text
        # Each context with routes of its own seeds the ids its path parameters need.
        seeded = (
            seed_calls(node, client)
            | seed_manifests(node, client)
            | seed_status(node, client)
            | seed_subscriptions(node, client)
            | seed_inspection(node, client)
        )
    node.known.update(
        declaration_id=r.json()["id"],
        rule_id=rules[0]["id"],
        message_id=messages[0]["id"],
        name=tables[0]["name"],
        doc_type=types[0]["type"],
        code=traders[0].code,
        recipient=traders[0].code,
        mandate_id=mandate.json()["id"],
        user_id=user_id,
        fingerprint=cert.json()["fingerprint"],
        **seeded,
    )
    yield node
    db.dispose()


@pytest.fixture(scope="module")
def api_schema(api_node: ApiNode) -> Any:
    """The node's own OpenAPI document, loaded in process from the ASGI app."""
    import schemathesis

    return schemathesis.openapi.from_asgi("/openapi.json", api_node.app)
