"""Seeds the api_node with transport calls: path parameter name -> id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from singlewindow.standards.documents.transport_samples import IMO, sample_ship_report

if TYPE_CHECKING:
    from tests.api.conftest import ApiNode


def seed(node: ApiNode, client: TestClient) -> dict[str, str]:
    """One ship call (a pre-arrival, CSM002) filed by the carrier: its call, its report and
    the vessel it recorded."""
    r = client.post(
        "/api/v1/transport/reports/ship_report",
        json=sample_ship_report("CSM002", client_ref="SEED-CALL-1"),
        headers=node.auth("carrier"),
    )
    assert r.status_code == 202, r.text
    return {"call_id": r.json()["call_id"], "report_id": r.json()["report_id"], "imo": IMO}
