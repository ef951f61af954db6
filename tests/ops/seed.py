"""Seeds the api_node (tests/api) with a planned maintenance window: path parameter → id."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from singlewindow.kit import clock

if TYPE_CHECKING:
    from tests.api.conftest import ApiNode


def seed(node: ApiNode, client: TestClient) -> dict[str, str]:
    """A node-wide window a month ahead: it exists, but puts no channel in continuity mode."""
    starts = clock.now() + timedelta(days=30)
    r = client.post(
        "/api/v1/status/maintenance",
        json={
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "notice_en": "Planned platform maintenance.",
            "notice_zh": "平台计划维护。",
        },
        headers=node.auth("operator"),
    )
    assert r.status_code == 201, r.text
    return {"maintenance_id": r.json()["id"]}
