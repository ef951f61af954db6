"""Cargo manifests: original, add, amend, delete with versions and history; idempotency;
amending or deleting an unknown B/L stores nothing; only the filing carrier may amend."""

from __future__ import annotations

from typing import Any

from singlewindow.exchange.models import Message
from singlewindow.transport.models import (
    Consignment,
    ConsignmentChange,
    ConsignmentContainer,
    ManifestMessage,
)
from tests.transport.manifests.conftest import MNode, box

A, B, C = "COSU6300000010", "COSU6300000020", "COSU6300000030"


def _consignment(mf: MNode, bill: str, **params: str) -> dict[str, Any]:
    page = mf.get("/consignments", bill_no=bill, **params)
    (item,) = page["items"]
    detail: dict[str, Any] = mf.get(f"/consignments/{item['id']}")
    return detail


def test_original_add_amend_delete_keep_versions_and_history(mf: MNode) -> None:
    receipt = mf.ok(mf.manifest(bill_nos=[A, B], containers=[box("MSKU100001"), box("MSKU100002")]))
    assert receipt["message_type"] == "MT1101"
    assert receipt["function"] == "9"
    assert [(c["bill_no"], c["action"], c["version"]) for c in receipt["changes"]] == [
        (A, "add", 1),
        (B, "add", 1),
    ]
    assert receipt["recipients"] == ["CUS5300"]
    assert receipt["platform_signature"]["certificate"]
    assert mf.ok(mf.manifest(function="2", bill_nos=[C]))["changes"][0]["version"] == 1

    amended = mf.manifest(function="5", bill_nos=[A], containers=[box("TGHU200001")])
    amended["consignments"][0]["packages"] = 120
    amended["items"] = []
    amended["consignments"][0]["change_reason"] = "short shipped"
    change = mf.ok(amended)["changes"][0]
    assert (change["action"], change["version"]) == ("amend", 2)

    detail = _consignment(mf, A)
    assert detail["version"] == 2
    assert detail["packages"] == 120
    assert detail["status"] == "active"
    assert [c["container_no"] for c in detail["containers"]] == [box("TGHU200001")]
    history = detail["history"]
    assert [(h["action"], h["version"]) for h in history] == [("add", 1), ("amend", 2)]
    assert history[1]["before"]["packages"] == 100
    assert history[1]["after"]["packages"] == 120
    assert history[1]["reason"] == "short shipped"

    deleted = mf.ok(mf.manifest(function="3", bill_nos=[B]))
    assert deleted["changes"][0]["action"] == "delete"
    detail = _consignment(mf, B)
    assert (detail["status"], detail["version"], detail["containers"]) == ("deleted", 2, [])
    active = mf.get("/consignments", status="active", journey_id="001E")["items"]
    assert sorted(c["bill_no"] for c in active) == [A, C]
    by_box = mf.get("/consignments", container_no=box("TGHU200001"))["items"]
    assert [c["bill_no"] for c in by_box] == [A]

    # A deleted B/L may be added again (a new version); an active one may not.
    assert mf.ok(mf.manifest(function="2", bill_nos=[B]))["changes"][0]["version"] == 3
    again = mf.post(mf.manifest(function="2", bill_nos=[A]))
    assert again.status_code == 409, again.text
    assert again.json()["error"]["findings"][0]["path"] == "/consignments/0/bill_no"


def test_same_client_ref_answers_the_same_receipt(mf: MNode) -> None:
    doc = mf.manifest(bill_nos=[A])
    first = mf.ok(doc)
    second = mf.ok(doc)
    assert second["duplicate"] is True
    assert second["id"] == first["id"]
    assert second["changes"] == first["changes"]
    assert mf.count(ManifestMessage) == 1
    doc["consignments"][0]["packages"] = 99
    doc["items"] = []
    clash = mf.post(doc)
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "client_ref_reused"


def test_amending_or_deleting_an_unknown_bill_stores_nothing(mf: MNode) -> None:
    mf.ok(mf.manifest(bill_nos=[A]))
    tables = (ManifestMessage, Consignment, ConsignmentChange, ConsignmentContainer, Message)
    before = [mf.count(t) for t in tables]
    for function in ("5", "3"):
        doc = mf.manifest(function=function, bill_nos=[A, "UNKNOWN00000001"])
        r = mf.post(doc)
        assert r.status_code == 422, r.text
        (finding,) = r.json()["error"]["findings"]
        assert finding["path"] == "/consignments/1/bill_no"
        assert finding["code"] == "bill_not_on_manifest"
        assert finding["message_zh"]
        assert [mf.count(t) for t in tables] == before
    # Another journey's manifest does not count either.
    other = mf.post(mf.manifest(function="5", bill_nos=[A], journey_id="002E"))
    assert other.status_code == 422
    assert _consignment(mf, A)["version"] == 1


def test_only_the_filing_carrier_amends(mf: MNode) -> None:
    mf.ok(mf.manifest(bill_nos=[A]))
    r = mf.post(mf.manifest(function="5", bill_nos=[A]), who="carrier2")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_manifest"
    r = mf.post(mf.manifest(function="3", bill_nos=[A]), who="carrier2")
    assert r.status_code == 403
    # Another carrier may file its own B/Ls on the same voyage (vessel sharing).
    assert mf.ok(mf.manifest(function="2", bill_nos=[C]), who="carrier2")["changes"]
    assert mf.get("/consignments", who="carrier2")["items"][0]["bill_no"] == C
    assert [c["bill_no"] for c in mf.get("/consignments")["items"]] == [A]
