"""Seeds the api_node with manifests (and prefill): path parameter name -> id.

The carrier files an import manifest whose consignee is the first demo trader (who may
prefill from it: ``bill_no``), and an export pre-load and loading manifest that differ (one
discrepancy), so that every manifest route has an id of its own to find.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from singlewindow.demo.seed import TRADERS
from singlewindow.standards.documents.transport_samples import sample_manifest

if TYPE_CHECKING:
    from tests.api.conftest import ApiNode


def _file(client: TestClient, headers: dict[str, str], doc: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/v1/manifests", json=doc, headers=headers)
    assert r.status_code == 202, r.text
    body: dict[str, Any] = r.json()
    return body


def seed(node: ApiNode, client: TestClient) -> dict[str, str]:
    carrier = node.auth("carrier")
    bill = "SEEDMT110100001"
    doc = sample_manifest("MT1101", bill_nos=[bill], journey_id="S01E")
    doc["consignments"][0]["consignee_id"] = f"USCI+{TRADERS[0][0]}"
    original = _file(client, carrier, doc)
    _file(
        client, carrier, sample_manifest("MT2101", bill_nos=["SEEDMT210100001"], journey_id="S01W")
    )
    _file(
        client, carrier, sample_manifest("MT4101", bill_nos=["SEEDMT410100001"], journey_id="S01W")
    )
    found = client.get("/api/v1/manifests/discrepancies", headers=carrier)
    assert found.status_code == 200, found.text
    return {
        "manifest_id": original["id"],
        "consignment_id": original["changes"][0]["consignment_id"],
        "discrepancy_id": found.json()["items"][0]["id"],
        "bill_no": bill,  # query parameter of GET /api/v1/prefill/goods-declaration
    }
