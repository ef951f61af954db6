"""Goods-declaration prefill by B/L: values with their sources, and who may prefill."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from singlewindow.kit import clock
from singlewindow.kit.ids import new_id
from singlewindow.transport.models import TransportCall, TransportReport
from tests.transport.manifests.conftest import BROKER_USCC, IMO, SQLITE_ONLY, MNode, box

pytestmark = SQLITE_ONLY

A = "COSU6500000010"
X1, X2 = box("MSKU500001"), box("MSKU500002")


def _prefill(mf: MNode, who: str = "trader", **params: str) -> Any:
    return mf.client.get("/api/v1/prefill/goods-declaration", params=params, headers=mf.auth(who))


def _file(mf: MNode, journey: str = "001E") -> str:
    doc = mf.manifest(bill_nos=[A], containers=[X1, X2], journey_id=journey)
    doc["containers"][1]["size_type"] = "45R1"
    for item, container in zip(doc["items"], (X1, X2), strict=True):
        item["container_no"] = container
    doc["items"][1]["gross_weight_kg"] = "1500.50"
    return str(mf.ok(doc)["id"])


def _ship_report(mf: MNode) -> str:
    """A call of the vessel on voyage 001E with its ship report (as the calls part stores it)."""
    report_id = new_id()
    with mf.node.db.unit_of_work() as session:
        call = TransportCall(
            id=new_id(), created_at=clock.now(), mode="sea", means_id=IMO, journey_id="001E",
            journey_out="001W", means_name="COSCO SHIPPING ARIES", carrier_code="CARRIER-A",
            stage="CSM002", document={},
        )  # fmt: skip
        session.add(call)
        session.flush()
        session.add(
            TransportReport(
                id=report_id, call_id=call.id, doc_type="ship_report", message_type="CSM002",
                declarant_code="CARRIER-A", client_ref="SR1", content_digest="0" * 64,
                document={"vessel": {"imo": IMO, "name_en": "COSCO SHIPPING ARIES V2"}},
            )
        )  # fmt: skip
    return report_id


def _sources(body: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {s["pointer"]: (s["source"], s["id"], s["field"]) for s in body["sources"]}


def test_prefill_by_bill_with_sources(mf: MNode) -> None:
    message_id = _file(mf)
    report_id = _ship_report(mf)
    r = _prefill(mf, bill_no=A)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["head"] == {
        "ie_flag": "I",
        "traf_mode": "2",
        "traf_name": "COSCO SHIPPING ARIES V2",
        "ie_port": "5316",
        "bill_no": A,
        "pack_no": 100,
        "wrap_type": "22",
        "gross_wet": "2500.50",
    }
    assert body["free_text"] == {"voy_no": "001E"}
    assert body["containers"] == [
        {"container_id": X1, "container_md": "21", "goods_conta_wt": "1000", "lcl_flag": "0"},
        {"container_id": X2, "container_md": "12", "goods_conta_wt": "1500.50", "lcl_flag": "0"},
    ]
    sources = _sources(body)
    assert sources["/head/traf_name"] == ("ship_report", report_id, "/vessel/name_en")
    assert sources["/head/pack_no"] == ("manifest", message_id, "/consignments/0/packages")
    assert sources["/head/gross_wet"] == (
        "manifest",
        message_id,
        "/consignments/0/gross_weight_kg",
    )
    assert sources["/free_text/voy_no"] == ("manifest", message_id, "/head/journey_id")
    assert sources["/containers/1/container_md"] == (
        "manifest",
        message_id,
        "/containers/1/size_type",
    )
    assert len(sources) == len(body["sources"])  # one source per pre-filled field


def test_prefill_without_a_call_names_the_vessel_from_the_manifest(mf: MNode) -> None:
    message_id = _file(mf)
    body = _prefill(mf, who="carrier", bill_no=A).json()
    assert body["head"]["traf_name"] == "COSCO SHIPPING ARIES"
    assert _sources(body)["/head/traf_name"] == ("manifest", message_id, "/head/means_name")


def test_who_may_prefill(mf: MNode) -> None:
    _file(mf)
    assert _prefill(mf, bill_no=A).status_code == 200  # the consignee
    assert _prefill(mf, who="carrier", bill_no=A).status_code == 200  # the filer
    for who in ("other_trader", "broker", "carrier2"):
        r = _prefill(mf, who=who, bill_no=A)
        assert r.status_code == 404, who
        assert r.json()["error"]["code"] == "bill_not_found"
    today = clock.today_china()
    mandate = mf.client.post(
        "/api/v1/mandates",
        json={
            "agent_uscc": BROKER_USCC,
            "doc_types": ["goods_declaration"],
            "valid_from": str(today),
            "valid_to": str(today + timedelta(days=30)),
        },
        headers=mf.auth("trader"),
    )
    assert mandate.status_code == 201, mandate.text
    assert _prefill(mf, who="broker", bill_no=A).status_code == 200
    assert _prefill(mf, who="CUS5300", bill_no=A).status_code == 403


def test_prefill_needs_one_journey_and_good_parameters(mf: MNode) -> None:
    _file(mf)
    _file(mf, journey="002E")
    r = _prefill(mf, bill_no=A)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "several_journeys"
    assert [f["path"] for f in r.json()["error"]["findings"]] == ["query:journey_id"] * 2
    one = _prefill(mf, bill_no=A, journey_id="002E")
    assert one.status_code == 200
    assert one.json()["free_text"] == {"voy_no": "002E"}
    assert _prefill(mf, bill_no=A, ie_flag="E").status_code == 404
    assert _prefill(mf, bill_no="NOSUCHBILL").status_code == 404
    for params in ({}, {"bill_no": A, "ie_flag": "X"}, {"bill_no": "B" * 36}):
        bad = _prefill(mf, **params)
        assert bad.status_code == 422, params
        assert bad.json()["error"]["findings"][0]["path"].startswith("query:"), bad.text
