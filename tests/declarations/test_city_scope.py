"""A city operator sees the declarations of their city only; a province operator all."""

from __future__ import annotations

from fastapi.testclient import TestClient

from singlewindow.identity import users
from tests.declarations.conftest import Node

PASSWORD = "city operator password 2026"


def _signed_in(node: Node, username: str, city: str | None, role: str) -> TestClient:
    with node.db.unit_of_work() as session:
        _user, issued = users.create_user(
            session,
            node.settings,
            None,
            org_code=node.settings.node_code,
            username=username,
            roles=[role],
            city=city,
            password=PASSWORD,
            must_change_password=False,
        )
        secret = issued.totp.secret if issued.totp else None
    import pyotp

    client = TestClient(node.client.app, base_url="https://testserver")
    body = {"username": username, "password": PASSWORD}
    if secret:
        body["totp"] = pyotp.TOTP(secret).now()
    r = client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 200, r.text
    return client


def test_city_operator_sees_only_their_city(node: Node) -> None:
    shenzhen = node.submit(node.document(trader=0, client_ref="CITY-SZ")).json()["id"]
    guangzhou = node.submit(node.document(trader=1, client_ref="CITY-GZ"), who="other_trader")
    guangzhou = guangzhou.json()["id"]
    sz_city = node.traders[0].uscc[2:6] + "00"
    gz_city = node.traders[1].uscc[2:6] + "00"
    assert sz_city != gz_city
    operator = _signed_in(node, "sz.operator", sz_city, "city_operator")
    assert operator.get(f"/api/v1/declarations/{shenzhen}").status_code == 200
    assert operator.get(f"/api/v1/declarations/{guangzhou}").status_code == 404
    listed = {d["id"] for d in operator.get("/api/v1/declarations").json()["items"]}
    assert shenzhen in listed
    assert guangzhou not in listed
    province = _signed_in(node, "gd.operator", None, "province_operator")
    listed = {d["id"] for d in province.get("/api/v1/declarations").json()["items"]}
    assert {shenzhen, guangzhou} <= listed
