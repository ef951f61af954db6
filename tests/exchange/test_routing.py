"""Routing rules as data: defaults, resolvers, projection, errors, audited operator edits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from singlewindow.exchange import record_inbound, route, send
from singlewindow.exchange.models import Message, RoutingRule
from singlewindow.exchange.routing import ensure_default_rules
from singlewindow.exchange.rules import DEFAULT_RULES
from singlewindow.kit.db import Database
from singlewindow.kit.errors import ValidationFailed
from tests.exchange.conftest import Register


def declaration(master: str = "5316", licences: list[Any] | None = None) -> dict[str, Any]:
    return {
        "client_ref": "C-1",
        "head": {
            "ie_flag": "I",
            "custom_master": master,
            "ie_port": "5316",
            "trade_co_scc": "91440300MA5G00000R",
            "trade_name": "ACME",
            "trade_mode": "0110",
            "owner_name": "hidden from licensing",
        },
        "licences": licences or [],
        "lines": [
            {
                "g_no": 1,
                "code_ts": "8471300000",
                "g_name": "laptop",
                "g_qty": 2,
                "g_unit": "011",
                "decl_total": 100,
                "trade_curr": "USD",
                "origin_country": "CHN",
            },
        ],
    }


def test_defaults_are_idempotent(db: Database, register: Register) -> None:
    with db.unit_of_work() as session:
        assert ensure_default_rules(session) == 0
        assert session.scalar(select(func.count()).select_from(RoutingRule)) == len(DEFAULT_RULES)


def test_customs_district_whole_document(db: Database, register: Register) -> None:
    doc = declaration()
    with db.unit_of_work() as session:
        envelopes = route(
            session, kind="goods_declaration", document=doc, sender="TRADER", correlation_id="D1"
        )
    assert [e.recipient for e in envelopes] == ["CUS-5300"]
    assert envelopes[0].payload == doc
    assert len(envelopes[0].digest) == 64


def test_licensing_gets_a_projection(db: Database, register: Register) -> None:
    doc = declaration(licences=[{"licence_no": "L-1", "type": "AUTO"}])
    with db.unit_of_work() as session:
        envelopes = route(
            session, kind="goods_declaration", document=doc, sender="TRADER", correlation_id="D2"
        )
    by = {e.recipient: e.payload for e in envelopes}
    assert set(by) == {"CUS-5300", "LIC-GD"}
    lic = by["LIC-GD"]
    assert "owner_name" not in lic["head"]
    assert "custom_master" not in lic["head"]
    assert lic["licences"] == doc["licences"]
    assert lic["lines"] == [{k: v for k, v in doc["lines"][0].items() if k != "origin_country"}]


def test_release_notice_to_every_port_operator(db: Database, register: Register) -> None:
    with db.unit_of_work() as session:
        envelopes = route(
            session,
            kind="release_notice",
            document={"head": {"ie_port": "5316"}},
            sender="GD",
            correlation_id="D3",
        )
    assert sorted(e.recipient for e in envelopes) == ["PORT-HP", "PORT-NS"]


def test_missing_recipient_is_a_bilingual_422(db: Database, register: Register) -> None:
    with db.unit_of_work() as session, pytest.raises(ValidationFailed) as info:
        route(
            session,
            kind="goods_declaration",
            document=declaration("5716"),
            sender="TRADER",
            correlation_id="D4",
        )
    err = info.value
    assert err.status == 422
    assert err.code == "no_recipient"
    assert err.findings[0].path == "/head/custom_master"
    assert err.message_zh
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_outbox_is_in_the_callers_transaction(db: Database, register: Register) -> None:
    def failing_request() -> None:
        with db.unit_of_work() as session:
            send(
                session,
                kind="notice",
                sender="GD",
                recipient="TRADER",
                correlation_id="X",
                payload={},
            )
            raise RuntimeError("the caller's work failed")

    with pytest.raises(RuntimeError):
        failing_request()
    with db.unit_of_work() as session:
        env = send(
            session,
            kind="notice",
            sender="GD",
            recipient="TRADER",
            correlation_id="Y",
            payload={"a": 1},
        )
        inbound = record_inbound(
            session, kind="decision", sender="CUS-5300", correlation_id="Y", payload={"ok": True}
        )
    with db.read_only() as session:
        rows = {m.id: m.state for m in session.scalars(select(Message))}
    assert rows == {env.id: "pending", inbound.id: "received"}


def test_operator_edits_are_validated_and_audited(
    app_client: TestClient, register: Register
) -> None:
    op = register.auth("GD")
    rule = {
        "name": "health_declaration.maritime",
        "kind": "health_declaration",
        "condition": {"op": "eq", "path": "/head/ie_flag", "value": "I"},
        "recipient": {"resolver": "fixed", "code": "LIC-GD"},
        "projection": ["/head/ie_flag"],
    }
    r = app_client.post("/api/v1/exchange/rules", json=rule, headers=op)
    assert r.status_code == 201, r.text
    rule_id = r.json()["id"]
    bad = rule | {"name": "bad", "recipient": {"resolver": "nope"}, "projection": ["x"]}
    r = app_client.post("/api/v1/exchange/rules", json=bad, headers=op)
    assert r.status_code == 422
    paths = {f["path"] for f in r.json()["error"]["findings"]}
    assert paths == {"/recipient/resolver", "/projection/0"}
    r = app_client.put(f"/api/v1/exchange/rules/{rule_id}", json=rule | {"priority": 5}, headers=op)
    assert r.status_code == 200
    assert r.json()["version"] == 2
    r = app_client.post(f"/api/v1/exchange/rules/{rule_id}/deactivate", headers=op)
    assert r.json()["active"] is False
    changes = app_client.get(f"/api/v1/exchange/rules/{rule_id}/changes", headers=op).json()
    assert [c["action"] for c in changes] == ["create", "update", "deactivate"]
    assert changes[1]["before"]["priority"] == 100
    assert changes[1]["after"]["priority"] == 5
    assert all(c["actor"] == "GD" for c in changes)
    listed = app_client.get("/api/v1/exchange/rules?kind=health_declaration", headers=op).json()
    assert [x["name"] for x in listed] == ["health_declaration.maritime"]


def test_rule_routes_need_an_operator(app_client: TestClient, register: Register) -> None:
    assert app_client.get("/api/v1/exchange/rules").status_code == 401
    r = app_client.get("/api/v1/exchange/rules", headers=register.auth("TRADER"))
    assert r.status_code == 403
    r = app_client.get("/api/v1/exchange/rules/nope", headers=register.auth("GD"))
    assert r.status_code == 404
