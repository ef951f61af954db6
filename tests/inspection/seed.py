"""Seeds the api_node (tests/api) with a joint inspection case: path parameter → case number."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from singlewindow.agencies.simulator import entry_no_for
from singlewindow.demo.seed import TRADERS
from singlewindow.kit import clock
from singlewindow.standards.documents.samples import sample_goods_declaration

if TYPE_CHECKING:
    from tests.api.conftest import ApiNode


def seed(node: ApiNode, client: TestClient) -> dict[str, str]:
    """A case of the first trader's goods, booked in the terminal's first free slot."""
    uscc, customs_code, name_zh, _name_en = TRADERS[0]
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    r = client.post(
        "/api/v1/inspections/capacity",
        json={
            "starts_at": (hour + timedelta(hours=2)).isoformat(),
            "ends_at": (hour + timedelta(hours=4)).isoformat(),
            "bays": 2,
        },
        headers=node.auth("PORT-YICT"),
    )
    assert r.status_code == 201, r.text
    doc = sample_goods_declaration("I")
    doc["client_ref"] = "SEED-INSPECTION-1"
    doc["head"].update(
        trade_co_scc=uscc,
        trade_code=customs_code,
        trade_name=name_zh,
        agent_code_scc=uscc,
        agent_code=customs_code,
        agent_name=name_zh,
    )
    doc["licences"] = []
    r = client.post("/api/v1/declarations", json=doc, headers=node.auth("trader"))
    assert r.status_code == 202, r.text
    receipt = r.json()
    customs = node.auth("CUS5300")
    for body in (
        {"decision": "accepted", "entry_no": entry_no_for("5316", "I", receipt["unified_no"])},
        {"decision": "inspection_required", "reasons": [{"code": "I01"}]},
    ):
        r = client.post(
            "/api/v1/agency/decisions",
            json={"declaration_id": receipt["id"], **body},
            headers=customs,
        )
        assert r.status_code == 200, r.text
    r = client.get(
        "/api/v1/inspections",
        params={"declaration_id": receipt["id"]},
        headers=node.auth("trader"),
    )
    assert r.status_code == 200, r.text
    return {"case_no": r.json()["items"][0]["case_no"]}
