"""Seeds the api_node (tests/api) with a trader's subscription: path parameter → id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.api.conftest import ApiNode


def seed(node: ApiNode, client: TestClient) -> dict[str, str]:
    r = client.post(
        "/api/v1/subscriptions",
        json={"delivery": "pull", "types": ["cn.gd.singlewindow.declaration.*"]},
        headers=node.auth("trader"),
    )
    assert r.status_code == 201, r.text
    return {"subscription_id": r.json()["id"]}
