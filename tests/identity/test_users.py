"""User management over HTTP: validation, who may manage whom, resets, TOTP provisioning."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from singlewindow.identity.models import User
from singlewindow.kit.db import Database
from tests.api.conftest import assert_error_shape
from tests.identity.conftest import FakeClock, World
from tests.identity.support import GZ_USCC, SZ_USCC, login, signed_in, totp_code

USERS = "/api/v1/users"
STRONG = "Lychee-Season-2025"


def _count(db: Database) -> int:
    with db.read_only() as s:
        return int(s.scalar(select(func.count(User.id))) or 0)


def _error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert_error_shape(r.json())
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    assert error["message_zh"]
    return error


def _paths(error: dict[str, Any]) -> list[str]:
    return [f["path"] for f in error["findings"]]


def test_operator_creates_user_with_temporary_password(
    client: TestClient, db: Database, world: World
) -> None:
    r = client.post(
        USERS,
        json={"org": SZ_USCC, "username": "new-clerk", "roles": ["declarant_clerk"]},
        headers=world.operator_auth,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["must_change_password"] is True
    assert body["totp"] is None
    temporary = body["temporary_password"]
    assert len(temporary) >= 12
    assert r.headers["cache-control"] == "no-store"
    # Shown once: reading the user again never returns it, nor the hash.
    again = client.get(f"{USERS}/{body['id']}", headers=world.operator_auth)
    assert again.status_code == 200
    assert "temporary_password" not in again.json()
    assert temporary not in again.text
    assert "$argon2" not in again.text
    r = client.post("/api/v1/auth/login", json={"username": "new-clerk", "password": temporary})
    assert r.status_code == 200
    assert r.json()["must_change_password"] is True


def test_roles_needing_totp_get_a_seed_at_creation(client: TestClient, world: World) -> None:
    r = client.post(
        USERS,
        json={"org": "CUS5300", "username": "officer-2", "roles": ["agency_officer"]},
        headers=world.operator_auth,
    )
    assert r.status_code == 201, r.text
    enrolment = r.json()["totp"]
    assert enrolment["uri"].startswith("otpauth://totp/")
    assert enrolment["secret"] in enrolment["uri"]
    assert r.json()["totp_enabled"] is True
    password = r.json()["temporary_password"]
    login_body = {"username": "officer-2", "password": password}
    r = client.post("/api/v1/auth/login", json=login_body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "totp_required"
    r = client.post(
        "/api/v1/auth/login", json={**login_body, "totp": totp_code(enrolment["secret"])}
    )
    assert r.status_code == 200, r.text
    shown = client.get(f"{USERS}/{r.json()['user']['id']}", headers=world.operator_auth)
    assert enrolment["secret"] not in shown.text


def test_duplicate_username_is_409(client: TestClient, db: Database, world: World) -> None:
    before = _count(db)
    r = client.post(
        USERS,
        json={"org": GZ_USCC, "username": "SZ-Clerk", "roles": ["declarant_clerk"]},
        headers=world.operator_auth,
    )
    error = _error(r, 409, "username_taken")
    assert _paths(error) == ["/username"]
    assert _count(db) == before


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short-1A", "password_too_short"),
        ("weak-clerk-2", "password_is_username"),
        ("Password1234", "password_common"),
        ("abababababab", "password_repetitive"),
    ],
)
def test_weak_password_is_422(
    client: TestClient, db: Database, world: World, password: str, code: str
) -> None:
    before = _count(db)
    r = client.post(
        USERS,
        json={
            "org": SZ_USCC,
            "username": "weak-clerk-2",
            "roles": ["declarant_clerk"],
            "password": password,
        },
        headers=world.operator_auth,
    )
    error = _error(r, 422, "validation_failed")
    assert {"path": "/password", "code": code} in [
        {"path": f["path"], "code": f["code"]} for f in error["findings"]
    ]
    assert _count(db) == before


@pytest.mark.parametrize(
    ("org", "roles", "path", "code"),
    [
        (SZ_USCC, ["agency_officer"], "/roles/0", "role_not_allowed"),
        ("CUS5300", ["declarant_clerk", "agency_officer"], "/roles/0", "role_not_allowed"),
        ("GD", ["port_clerk"], "/roles/0", "role_not_allowed"),
        ("GD", ["city_operator"], "/city", "city_required"),
        ("NOPE", ["analyst"], "/org", "org_unknown"),
    ],
)
def test_role_and_kind_validation(
    client: TestClient,
    db: Database,
    world: World,
    org: str,
    roles: list[str],
    path: str,
    code: str,
) -> None:
    before = _count(db)
    r = client.post(
        USERS,
        json={"org": org, "username": "someone", "roles": roles},
        headers=world.operator_auth,
    )
    error = _error(r, 422, "validation_failed")
    assert [(f["path"], f["code"]) for f in error["findings"]] == [(path, code)]
    assert _count(db) == before


def test_unknown_role_and_bad_city_are_422(client: TestClient, world: World) -> None:
    r = client.post(
        USERS,
        json={"org": "GD", "username": "someone", "roles": ["emperor"]},
        headers=world.operator_auth,
    )
    assert _paths(_error(r, 422, "validation_failed")) == ["/roles/0"]
    r = client.post(
        USERS,
        json={"org": "GD", "username": "someone", "roles": ["city_operator"], "city": "440000"},
        headers=world.operator_auth,
    )
    assert _paths(_error(r, 422, "validation_failed")) == ["/city"]
    r = client.post(
        USERS,
        json={"org": "GD", "username": "someone", "roles": ["analyst"], "city": "440300"},
        headers=world.operator_auth,
    )
    error = _error(r, 422, "validation_failed")
    assert [f["code"] for f in error["findings"]] == ["city_not_applicable"]


def test_city_operator_scope(
    client: TestClient, db: Database, world: World, fake_clock: FakeClock
) -> None:
    csrf = signed_in(client, world["szop"])
    listed = client.get(USERS).json()["items"]
    # Shenzhen: the city platform's own users, the Shenzhen enterprise, the Shenzhen customs.
    assert {u["username"] for u in listed} == {"szop", "sz-admin", "sz-clerk", "officer"}
    # In the city: create, read, reset.
    r = client.post(
        USERS,
        json={"org": SZ_USCC, "username": "sz-clerk-2", "roles": ["declarant_clerk"]},
        headers=csrf,
    )
    assert r.status_code == 201, r.text
    assert client.get(f"{USERS}/{world['sz-clerk'].id}").status_code == 200
    before = _count(db)
    # Another city's organisation, user and operators: 403, nothing changed.
    r = client.post(
        USERS,
        json={"org": GZ_USCC, "username": "gz-clerk-2", "roles": ["declarant_clerk"]},
        headers=csrf,
    )
    assert _paths(_error(r, 403, "out_of_scope")) == ["/org"]
    gz = world["gz-clerk"].id
    _error(client.get(f"{USERS}/{gz}"), 403, "out_of_scope")
    _error(client.post(f"{USERS}/{gz}/reset-password", headers=csrf), 403, "out_of_scope")
    _error(client.post(f"{USERS}/{gz}/unlock", headers=csrf), 403, "out_of_scope")
    _error(client.post(f"{USERS}/{gz}/totp-reset", headers=csrf), 403, "out_of_scope")
    r = client.patch(f"{USERS}/{gz}", json={"active": False}, headers=csrf)
    _error(r, 403, "out_of_scope")
    _error(client.get(f"{USERS}/{world['gzop'].id}"), 403, "out_of_scope")
    # Never a province operator, nor a city operator for another city.
    _error(client.get(f"{USERS}/{world['prov'].id}"), 403, "out_of_scope")
    r = client.post(
        USERS,
        json={"org": "SZP", "username": "boss", "roles": ["province_operator"]},
        headers=csrf,
    )
    assert _paths(_error(r, 403, "out_of_scope")) == ["/roles"]
    r = client.post(
        USERS,
        json={"org": "SZP", "username": "gz-op-2", "roles": ["city_operator"], "city": "440100"},
        headers=csrf,
    )
    assert _paths(_error(r, 403, "out_of_scope")) == ["/city"]
    assert _count(db) == before
    with db.read_only() as s:
        row = s.execute(select(User.__table__).where(User.id == gz)).one()
    assert row.active is True
    assert row.must_change_password is False


def test_declarant_admin_scope(client: TestClient, db: Database, world: World) -> None:
    csrf = signed_in(client, world["sz-admin"])
    assert {u["username"] for u in client.get(USERS).json()["items"]} == {
        "sz-admin",
        "sz-clerk",
    }
    r = client.post(
        USERS,
        json={"org": SZ_USCC, "username": "sz-clerk-3", "roles": ["declarant_clerk"]},
        headers=csrf,
    )
    assert r.status_code == 201, r.text
    r = client.post(f"{USERS}/{world['sz-clerk'].id}/reset-password", headers=csrf)
    assert r.status_code == 200, r.text
    before = _count(db)
    r = client.post(
        USERS,
        json={"org": GZ_USCC, "username": "gz-clerk-3", "roles": ["declarant_clerk"]},
        headers=csrf,
    )
    assert _paths(_error(r, 403, "out_of_scope")) == ["/org"]
    _error(client.get(f"{USERS}/{world['gz-clerk'].id}"), 403, "out_of_scope")
    _error(client.get(f"{USERS}/{world['officer'].id}"), 403, "out_of_scope")
    assert _count(db) == before


@pytest.mark.parametrize("who", ["sz-clerk", "officer", "gz-clerk"])
def test_non_managers_get_403(client: TestClient, world: World, who: str) -> None:
    csrf = signed_in(client, world[who])
    _error(client.get(USERS), 403, "wrong_role")
    _error(client.get(f"{USERS}/{world[who].id}"), 403, "wrong_role")
    r = client.post(
        USERS,
        json={"org": SZ_USCC, "username": "x-clerk", "roles": ["declarant_clerk"]},
        headers=csrf,
    )
    _error(r, 403, "wrong_role")


def test_non_operator_platform_users_are_not_operators(
    client: TestClient, db: Database, settings: Any, world: World
) -> None:
    from tests.identity.support import make_user

    with db.unit_of_work() as s:
        analyst = make_user(s, settings, org="GD", username="ana", roles=["analyst"])
    signed_in(client, analyst)
    _error(client.get("/api/v1/exchange/rules"), 403, "wrong_role")
    _error(client.get(USERS), 403, "wrong_role")


def test_patch_roles_provisions_totp_and_deactivation_ends_sessions(
    client: TestClient, world: World, fake_clock: FakeClock
) -> None:
    clerk = world["sz-clerk"]
    assert login(client, clerk).status_code == 200
    r = client.patch(
        f"{USERS}/{clerk.id}",
        json={"roles": ["declarant_admin"], "display_name": "张三"},
        headers=world.operator_auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["declarant_admin"]
    assert r.json()["display_name"] == "张三"
    assert r.json()["totp"] is None  # not a role that needs one
    r = client.patch(f"{USERS}/{clerk.id}", json={"active": False}, headers=world.operator_auth)
    assert r.status_code == 200
    assert r.json()["active"] is False
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401
    # Roles that need TOTP: a seed is provisioned and returned once.
    officer2 = client.post(
        USERS,
        json={"org": "CUS5300", "username": "sup", "roles": ["agency_officer"]},
        headers=world.operator_auth,
    ).json()
    r = client.post(f"{USERS}/{officer2['id']}/totp-reset", headers=world.operator_auth)
    assert r.status_code == 200
    assert r.json()["totp"]["secret"] != officer2["totp"]["secret"]
    r = client.patch(
        f"{USERS}/{officer2['id']}",
        json={"roles": ["agency_officer", "agency_supervisor"]},
        headers=world.operator_auth,
    )
    assert r.status_code == 200
    assert r.json()["totp"] is None  # already enrolled: nothing new to hand over


def test_patch_role_not_allowed_changes_nothing(client: TestClient, world: World) -> None:
    clerk = world["sz-clerk"]
    r = client.patch(
        f"{USERS}/{clerk.id}", json={"roles": ["port_clerk"]}, headers=world.operator_auth
    )
    assert _paths(_error(r, 422, "validation_failed")) == ["/roles/0"]
    shown = client.get(f"{USERS}/{clerk.id}", headers=world.operator_auth).json()
    assert shown["roles"] == ["declarant_clerk"]


def test_no_self_role_change(client: TestClient, world: World) -> None:
    csrf = signed_in(client, world["sz-admin"])
    admin = world["sz-admin"].id
    r = client.patch(f"{USERS}/{admin}", json={"roles": ["declarant_clerk"]}, headers=csrf)
    _error(r, 403, "self_change")
    r = client.patch(f"{USERS}/{admin}", json={"active": False}, headers=csrf)
    _error(r, 403, "self_change")
    r = client.patch(f"{USERS}/{admin}", json={"display_name": "李四"}, headers=csrf)
    assert r.status_code == 200


def test_unknown_user_is_404(client: TestClient, world: World) -> None:
    _error(client.get(f"{USERS}/nope", headers=world.operator_auth), 404, "user_not_found")


def test_list_pages_with_cursor(client: TestClient, world: World) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get(USERS, params=params, headers=world.operator_auth).json()
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(world.users)
    filtered = client.get(USERS, params={"org": SZ_USCC}, headers=world.operator_auth).json()
    assert {u["username"] for u in filtered["items"]} == {"sz-admin", "sz-clerk"}


def test_non_manager_gets_403_even_for_unknown_ids(client: TestClient, world: World) -> None:
    signed_in(client, world["sz-clerk"])
    _error(client.get(f"{USERS}/01234567-89ab-7def-8123-456789abcdef"), 403, "wrong_role")


def test_city_changes_and_duplicate_roles(
    client: TestClient, world: World, fake_clock: FakeClock
) -> None:
    op = world.operator_auth
    r = client.post(
        USERS,
        json={"org": "GD", "username": "roving", "roles": ["city_operator", "city_operator"],
              "city": "440100"},
        headers=op,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["roles"] == ["city_operator"]
    roving = r.json()["id"]
    r = client.patch(f"{USERS}/{roving}", json={"city": "440300"}, headers=op)
    assert r.status_code == 200
    assert r.json()["city"] == "440300"
    r = client.patch(f"{USERS}/{roving}", json={"city": None}, headers=op)
    assert _paths(_error(r, 422, "validation_failed")) == ["/city"]
    r = client.patch(f"{USERS}/{roving}", json={"roles": ["analyst"]}, headers=op)
    assert r.status_code == 200
    assert r.json()["city"] is None
    # A Shenzhen city operator cannot move its own city's operator to Guangzhou.
    csrf = signed_in(client, world["szop"])
    r = client.post(
        USERS,
        json={"org": "SZP", "username": "sz-op-2", "roles": ["city_operator"]},
        headers=csrf,
    )
    assert r.status_code == 201, r.text
    assert r.json()["city"] == "440300"  # the organisation's city by default
    r = client.patch(f"{USERS}/{r.json()['id']}", json={"city": "440100"}, headers=csrf)
    assert _paths(_error(r, 403, "out_of_scope")) == ["/city"]
