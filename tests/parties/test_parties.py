"""Parties and API keys, through the service and the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Conflict, ValidationFailed
from singlewindow.parties import service
from singlewindow.parties.auth import principal_for_token
from singlewindow.parties.schemas import PartyIn, PartyKind

VALID_USCC = "91440300MA5EXAMP1F"


def _operator_token(db: Database) -> str:
    with db.unit_of_work() as session:
        op = service.create_party(
            session, PartyIn(kind=PartyKind.platform, code="GD", name_zh="广东单一窗口")
        )
        return service.create_api_key(session, op)[1]


def test_enterprise_needs_valid_uscc(db: Database) -> None:
    with db.unit_of_work() as session, pytest.raises(ValidationFailed) as err:
        service.create_party(
            session,
            PartyIn(kind=PartyKind.enterprise, uscc="91440300MA5EXAMP1A", name_zh="x"),
        )
    assert err.value.findings[0].path == "/uscc"
    assert err.value.findings[0].code == "uscc_invalid"


def test_duplicate_code_conflicts(db: Database) -> None:
    data = PartyIn(kind=PartyKind.enterprise, uscc=VALID_USCC, name_zh="示例")
    with db.unit_of_work() as session:
        service.create_party(session, data)
    with db.unit_of_work() as session, pytest.raises(Conflict):
        service.create_party(session, data)


def test_key_is_hashed_and_resolves(db: Database) -> None:
    with db.unit_of_work() as session:
        party = service.create_party(
            session, PartyIn(kind=PartyKind.enterprise, uscc=VALID_USCC, name_zh="示例")
        )
        key, token = service.create_api_key(session, party)
        assert token.split("_", 2)[2] not in key.secret_sha256
    with db.unit_of_work() as session:
        principal = principal_for_token(session, token)
    assert principal.party_code == VALID_USCC
    assert principal.kind == PartyKind.enterprise


def test_expired_and_revoked_keys_are_refused(app_client: TestClient, db: Database) -> None:
    with db.unit_of_work() as session:
        party = service.create_party(
            session, PartyIn(kind=PartyKind.enterprise, uscc=VALID_USCC, name_zh="示例")
        )
        _k1, expired = service.create_api_key(
            session, party, expires_at=clock.now() - timedelta(seconds=1)
        )
        k2, revoked = service.create_api_key(session, party)
        service.revoke_api_key(session, k2.prefix)
        _k3, good = service.create_api_key(session, party)
    for token in (expired, revoked, "sw_nothing_here", "garbage"):
        r = app_client.get("/api/v1/parties/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
        assert r.json()["error"]["message_zh"]
    r = app_client.get("/api/v1/parties/me", headers={"Authorization": f"Bearer {good}"})
    assert r.status_code == 200
    assert r.json()["uscc"] == VALID_USCC


def test_operator_creates_party_and_key(app_client: TestClient, db: Database) -> None:
    auth = {"Authorization": f"Bearer {_operator_token(db)}"}
    r = app_client.post(
        "/api/v1/parties",
        json={
            "kind": "agency",
            "code": "CUS5300",
            "name_zh": "深圳海关",
            "agency_type": "customs",
            "attrs": {"customs_district": "5300"},
        },
        headers=auth,
    )
    assert r.status_code == 201, r.text
    r = app_client.post("/api/v1/parties/CUS5300/keys", json={"name": "edi"}, headers=auth)
    assert r.status_code == 201
    token = r.json()["token"]
    me = app_client.get("/api/v1/parties/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["code"] == "CUS5300"


def test_non_operator_cannot_manage_parties(app_client: TestClient, db: Database) -> None:
    with db.unit_of_work() as session:
        party = service.create_party(
            session, PartyIn(kind=PartyKind.enterprise, uscc=VALID_USCC, name_zh="示例")
        )
        token = service.create_api_key(session, party)[1]
    r = app_client.post(
        "/api/v1/parties",
        json={"kind": "platform", "code": "EVIL", "name_zh": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "wrong_role"


def test_bad_party_input_names_the_field(app_client: TestClient, db: Database) -> None:
    auth = {"Authorization": f"Bearer {_operator_token(db)}"}
    r = app_client.post(
        "/api/v1/parties", json={"kind": "enterprise", "name_zh": "x", "uscc": "123"}, headers=auth
    )
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["path"] == "/uscc"
    r = app_client.post(
        "/api/v1/parties",
        content=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
