"""Mandates (代理报关委托): granting, scope, revocation, and brokers' submissions checked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from singlewindow.declarations.models import Declaration
from singlewindow.demo.seed import with_check_digit
from singlewindow.kit import clock
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import PartyIn, PartyKind
from tests.declarations.conftest import Node

BROKER_USCC = with_check_digit("91440300MA5B0K0R1")
OTHER_BROKER_USCC = with_check_digit("91440300MA5B0K0R2")


@pytest.fixture
def brokers(node: Node) -> Node:
    with node.db.unit_of_work() as session:
        for code, uscc in (("BROKER-A", BROKER_USCC), ("BROKER-B", OTHER_BROKER_USCC)):
            party = parties.create_party(
                session,
                PartyIn(
                    code=code,
                    kind=PartyKind.broker,
                    name_zh=f"报关行{code[-1]}",
                    uscc=uscc,
                    customs_code=f"4403980{code[-1]}{'A' if code[-1] == 'A' else 'B'}0",
                ),
            )
            node.tokens[code] = parties.create_api_key(session, party)[1]
    return node


def _grant(node: Node, who: str = "trader", **kw: Any) -> Any:
    today = clock.today_china()
    body = {
        "agent_uscc": BROKER_USCC,
        "doc_types": ["goods_declaration"],
        "customs_districts": ["5300"],
        "valid_from": str(today - timedelta(days=1)),
        "valid_to": str(today + timedelta(days=30)),
    } | kw
    return node.client.post("/api/v1/mandates", json=body, headers=node.auth(who))


def _broker_doc(node: Node, client_ref: str, agent: str = BROKER_USCC, **kw: Any) -> Any:
    doc = node.document(client_ref=client_ref, **kw)
    doc["head"]["agent_code_scc"] = agent
    return doc


def test_broker_needs_a_mandate_and_it_is_recorded(brokers: Node) -> None:
    node = brokers
    refused = node.submit(_broker_doc(node, "MB-1"), who="BROKER-A")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "no_mandate"
    assert error["message_zh"]
    assert error["findings"][0]["path"] == "/head/agent_code_scc"
    with node.db.read_only() as session:
        assert session.query(Declaration).count() == 0

    granted = _grant(node)
    assert granted.status_code == 201, granted.text
    mandate = granted.json()
    assert mandate["state"] == "active"
    assert mandate["grantor_uscc"] == node.traders[0].uscc

    accepted = node.submit(_broker_doc(node, "MB-2"), who="BROKER-A")
    assert accepted.status_code == 202, accepted.text
    got = node.client.get(
        f"/api/v1/declarations/{accepted.json()['id']}", headers=node.auth("BROKER-A")
    )
    assert got.status_code == 200, got.text
    assert got.json()["mandate_id"] == mandate["id"]

    # Another broker is not covered by that mandate.
    other = node.submit(_broker_doc(node, "MB-3", agent=OTHER_BROKER_USCC), who="BROKER-B")
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "no_mandate"


def test_the_owner_files_without_a_mandate(brokers: Node) -> None:
    r = brokers.submit(brokers.document(client_ref="OWN-1"))
    assert r.status_code == 202
    got = brokers.client.get(
        f"/api/v1/declarations/{r.json()['id']}", headers=brokers.auth("trader")
    )
    assert got.json()["mandate_id"] is None


@pytest.mark.parametrize(
    ("grant", "code"),
    [
        ({"customs_districts": ["5100"]}, "mandate_scope_district"),
        ({"valid_from": "2020-01-01", "valid_to": "2020-12-31"}, None),  # refused at grant
        (
            {
                "valid_from": str(clock.today_china() + timedelta(days=3)),
                "valid_to": str(clock.today_china() + timedelta(days=9)),
            },
            "mandate_not_in_period",
        ),
    ],
)
def test_scope_and_period_are_enforced(
    brokers: Node, grant: dict[str, Any], code: str | None
) -> None:
    r = _grant(brokers, **grant)
    if code is None:
        assert r.status_code == 422
        assert r.json()["error"]["findings"][0]["path"] == "/valid_to"
        return
    assert r.status_code == 201, r.text
    refused = brokers.submit(_broker_doc(brokers, "SCOPE-1"), who="BROKER-A")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == code


def test_every_district_when_none_listed(brokers: Node) -> None:
    assert _grant(brokers, customs_districts=[]).status_code == 201
    assert brokers.submit(_broker_doc(brokers, "ALL-1"), who="BROKER-A").status_code == 202


def test_revoked_mandate_refuses_and_revoke_rules(brokers: Node) -> None:
    node = brokers
    mandate = _grant(node).json()
    url = f"/api/v1/mandates/{mandate['id']}"
    # A stranger neither sees nor revokes it.
    assert node.client.get(url, headers=node.auth("other_trader")).status_code == 404
    r = node.client.post(f"{url}/revoke", json={"reason": "x"}, headers=node.auth("other_trader"))
    assert r.status_code == 404
    # The broker sees it and may decline it.
    assert node.client.get(url, headers=node.auth("BROKER-A")).status_code == 200
    r = node.client.post(
        f"{url}/revoke", json={"reason": "declined"}, headers=node.auth("BROKER-A")
    )
    assert r.status_code == 200
    assert r.json()["state"] == "revoked"
    again = node.client.post(f"{url}/revoke", json={"reason": "x"}, headers=node.auth("trader"))
    assert again.status_code == 409
    refused = node.submit(_broker_doc(node, "REV-1"), who="BROKER-A")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mandate_revoked"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"agent_uscc": "91440300MA5B0K0R1X"}, "/agent_uscc"),  # bad check digit
        ({"agent_uscc": "__own__"}, "/agent_uscc"),  # an enterprise, not a broker
        ({"doc_types": ["ship_call"]}, "/doc_types/0"),
        ({"customs_districts": ["5316"]}, "/customs_districts/0"),  # not a head office
        ({"customs_districts": ["9900"]}, "/customs_districts/0"),
        ({"valid_from": "2026-12-31", "valid_to": "2026-12-01"}, "/valid_to"),
    ],
)
def test_bad_grants_are_refused_naming_the_field(
    brokers: Node, body: dict[str, Any], path: str
) -> None:
    if body.get("agent_uscc") == "__own__":
        body = {"agent_uscc": brokers.traders[1].uscc}
    r = _grant(brokers, **body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert path in [f["path"] for f in error["findings"]]
    assert all(f["message_zh"] for f in error["findings"])
    listed = brokers.client.get("/api/v1/mandates", headers=brokers.auth("trader")).json()
    assert listed["items"] == []


def test_only_declarants_grant_and_listing_is_scoped(brokers: Node) -> None:
    node = brokers
    r = _grant(node, who="CUS5300")
    assert r.status_code == 403
    mine = _grant(node).json()
    as_grantor = node.client.get(
        "/api/v1/mandates", params={"role": "grantor"}, headers=node.auth("trader")
    ).json()
    assert [m["id"] for m in as_grantor["items"]] == [mine["id"]]
    as_agent = node.client.get(
        "/api/v1/mandates", params={"role": "agent"}, headers=node.auth("BROKER-A")
    ).json()
    assert [m["id"] for m in as_agent["items"]] == [mine["id"]]
    other = node.client.get("/api/v1/mandates", headers=node.auth("other_trader")).json()
    assert other["items"] == []
    everyone = node.client.get("/api/v1/mandates", headers=node.auth("operator")).json()
    assert [m["id"] for m in everyone["items"]] == [mine["id"]]
    bad = node.client.get("/api/v1/mandates", params={"role": "boss"}, headers=node.auth("trader"))
    assert bad.status_code == 422
