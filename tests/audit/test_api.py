"""The operator routes: listing with filters and cursors, verify, head; auth and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from singlewindow import audit
from singlewindow.audit.models import AuditEntry
from singlewindow.kit.db import Database
from tests.audit.conftest import Register, entry_at, fill, raw

ROUTES = ["/api/v1/audit/entries", "/api/v1/audit/verify", "/api/v1/audit/head"]


@pytest.mark.parametrize("route", ROUTES)
def test_routes_need_credentials(app_client: TestClient, register: Register, route: str) -> None:
    r = app_client.get(route)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("party", ["TRADER", "CUS-5300"])
def test_routes_are_for_operators(
    app_client: TestClient, register: Register, route: str, party: str
) -> None:
    r = app_client.get(route, headers=register.auth(party))
    assert r.status_code == 403
    body = r.json()["error"]
    assert body["code"] == "wrong_role"
    assert body["message_zh"]


def get(client: TestClient, register: Register, route: str, **params: Any) -> Any:
    r = client.get(f"/api/v1/audit/{route}", params=params, headers=register.auth("GD"))
    assert r.status_code == 200, r.text
    return r.json()


def test_list_filters(app_client: TestClient, register: Register, db: Database) -> None:
    ids = fill(db, 8)
    everything = get(app_client, register, "entries", target_type="declaration")
    assert [e["id"] for e in everything["items"]] == ids
    assert everything["next_cursor"] is None
    first = everything["items"][0]
    assert first["seq"] == 1
    assert first["prev_hash"] == "0" * 64
    assert first["detail"]["zh"] == "放行"
    by_actor = get(app_client, register, "entries", actor="user-1")
    assert [e["id"] for e in by_actor["items"]] == [ids[1], ids[4], ids[7]]
    by_action = get(app_client, register, "entries", action="declaration.read")
    assert [e["id"] for e in by_action["items"]] == [ids[1], ids[5]]
    by_target = get(app_client, register, "entries", target_type="declaration", target_id="D3")
    assert [e["id"] for e in by_target["items"]] == [ids[3]]
    failed = get(app_client, register, "entries", outcome="failed", target_type="declaration")
    assert [e["id"] for e in failed["items"]] == [ids[0], ids[4]]
    third = entry_at(db, 3).at.isoformat()
    sixth = entry_at(db, 6).at.isoformat()
    window = get(
        app_client, register, "entries", since=third, until=sixth, target_type="declaration"
    )
    assert [e["id"] for e in window["items"]] == ids[2:5]


def test_cursor_pagination_visits_every_entry_once(
    app_client: TestClient, register: Register, db: Database
) -> None:
    ids = fill(db, 7)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, "target_type": "declaration"}
        if cursor:
            params["cursor"] = cursor
        page = get(app_client, register, "entries", **params)
        seen += [e["id"] for e in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert pages == 3


def test_reading_the_log_is_audited(
    app_client: TestClient, register: Register, db: Database
) -> None:
    get(app_client, register, "entries", actor="nobody")
    get(app_client, register, "verify")
    with db.read_only() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.ip, AuditEntry.detail).order_by(
                AuditEntry.id
            )
        ).all()
    assert [(r.actor, r.action, r.ip) for r in rows] == [
        ("GD", "audit.read", "testclient"),
        ("GD", "audit.verify", "testclient"),
    ]
    assert rows[0].detail["filters"] == {"actor": "nobody"}
    assert rows[1].detail["intact"] is True


def test_verify_and_head(app_client: TestClient, register: Register, db: Database) -> None:
    ids = fill(db, 5)
    head = get(app_client, register, "head")
    assert head["seq"] == 5
    assert head["anchor"] == f"5:{head['entry_hash']}"
    report = get(app_client, register, "verify", expect_head=head["anchor"])
    assert report["ok"] is True
    assert report["anchor_status"] == "matched"
    assert report["entries"] == 5
    raw(db, "UPDATE audit_entry SET detail = '{}' WHERE seq = 2")
    report = get(app_client, register, "verify")
    assert report["ok"] is False
    assert report["problems"][0]["code"] == "changed"
    assert report["problems"][0]["seq"] == 2
    assert report["problems"][0]["entry_id"] == ids[1]
    assert report["problems"][0]["message_zh"]


@pytest.mark.parametrize(
    ("route", "params", "status", "path", "code"),
    [
        ("entries", {"limit": "0"}, 422, "query:limit", "greater_than_equal"),
        ("entries", {"limit": "many"}, 422, "query:limit", "int_parsing"),
        ("entries", {"since": "2026-01-01T00:00:00"}, 422, "query:since", "timezone_aware"),
        ("entries", {"until": "yesterday"}, 422, "query:until", "datetime_from_date_parsing"),
        (
            "entries",
            {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            422,
            "query:until",
            "invalid_period",
        ),
        ("entries", {"action": "DROP TABLE"}, 422, "query:action", "string_pattern_mismatch"),
        ("entries", {"target_type": "a.b"}, 422, "query:target_type", "string_pattern_mismatch"),
        ("entries", {"outcome": "maybe"}, 422, "query:outcome", "literal_error"),
        ("entries", {"actor": "x" * 121}, 422, "query:actor", "string_too_long"),
        ("entries", {"cursor": "!!"}, 400, "query:cursor", "invalid_cursor"),
        ("verify", {"expect_head": "5"}, 422, "query:expect_head", "string_pattern_mismatch"),
        ("verify", {"from_anchor": "true"}, 422, "query:from_anchor", "anchor_required"),
        ("verify", {"from_anchor": "perhaps"}, 422, "query:from_anchor", "bool_parsing"),
    ],
)
def test_bad_parameters_are_named(
    app_client: TestClient,
    register: Register,
    route: str,
    params: dict[str, str],
    status: int,
    path: str,
    code: str,
) -> None:
    r = app_client.get(f"/api/v1/audit/{route}", params=params, headers=register.auth("GD"))
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["message"]
    assert error["message_zh"]
    [finding] = error["findings"]
    assert (finding["path"], finding["code"]) == (path, code)
    assert finding["message_zh"]


def test_unsealed_entries_are_listed_without_chain_fields(
    app_client: TestClient, register: Register, db: Database
) -> None:
    with db.unit_of_work() as session:
        audit.record(session, actor="x", action="party.changed", target_type="party", target_id="P")
    [item] = get(app_client, register, "entries", target_type="party")["items"]
    assert (item["seq"], item["entry_hash"], item["sealed_at"]) == (None, None, None)
