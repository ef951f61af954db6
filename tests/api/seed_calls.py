"""Seeds the api_node with transport calls: path parameter name -> id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.api.conftest import ApiNode


def seed(node: ApiNode, client: TestClient) -> dict[str, str]:
    return {}
