"""Loading (MT4101) vs pre-load (MT2101) and tally vs manifest: discrepancies reach customs
and the carrier, a re-filing that fixes one resolves it, customs may accept one."""

from __future__ import annotations

from typing import Any

from tests.transport.manifests.conftest import MNode, box

A, B, C, D = "COSU6400000010", "COSU6400000020", "COSU6400000030", "COSU6400000040"
X1, X2, X3, X4 = box("MSKU300001"), box("MSKU300002"), box("MSKU300003"), box("MSKU300004")


def _codes(items: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(d["code"], d["bill_no"]) for d in items}


def test_loading_vs_preload_discrepancies(mf: MNode) -> None:
    mf.ok(mf.manifest("MT2101", bill_nos=[A, B], containers=[X1, X3, X2]))
    loading = mf.manifest("MT4101", bill_nos=[A, C], containers=[X1, X4], items=False)
    loading["consignments"][0]["packages"] = 90
    receipt = mf.ok(loading)
    assert receipt["discrepancies_opened"] == 4
    assert sorted(receipt["recipients"]) == ["CUS5300", "PORT-YICT"]

    opened = mf.get("/discrepancies", status="open")["items"]
    assert _codes(opened) == {
        ("packages_differ", A),
        ("container_missing", A),
        ("bill_missing", B),
        ("bill_extra", C),
    }
    packages = next(d for d in opened if d["code"] == "packages_differ")
    assert (packages["expected"], packages["found"]) == ("100", "90")
    assert all(d["kind"] == "loading_vs_preload" and d["customs_code"] == "CUS5300" for d in opened)
    raised = mf.inbox("CUS5300", "manifest_discrepancy")
    assert {m["payload"]["id"] for m in raised} == {d["id"] for d in opened}
    assert all(m["payload"]["customs_office"] == "5316" for m in raised)
    notices = mf.inbox("carrier", "manifest_discrepancy")
    assert {m["payload"]["id"] for m in notices} == {d["id"] for d in opened}
    assert mf.get("/discrepancies", who="carrier2")["items"] == []
    assert mf.get("/discrepancies", who="other_trader")["items"] == []
    assert len(mf.get("/discrepancies", who="CUS5300")["items"]) == 4
    assert mf.get("/discrepancies", who="CUS5100")["items"] == []

    # The carrier corrects A: its two discrepancies are resolved, the others stay open.
    fix = mf.manifest("MT4101", function="5", bill_nos=[A], containers=[X1, X2], items=False)
    assert mf.ok(fix)["discrepancies_opened"] == 0
    resolved = mf.get("/discrepancies", status="resolved")["items"]
    assert _codes(resolved) == {("packages_differ", A), ("container_missing", A)}
    assert {d["resolution"] for d in resolved} == {"corrected"}
    for who in ("CUS5300", "carrier"):
        statuses = [m["payload"]["status"] for m in mf.inbox(who, "manifest_discrepancy")]
        assert statuses == ["resolved", "resolved"], who

    # Customs accepts the extra B/L C; it is not raised again by later filings.
    extra = next(d for d in opened if d["code"] == "bill_extra")
    url = f"/api/v1/manifests/discrepancies/{extra['id']}/resolve"
    assert mf.client.post(url, json={}, headers=mf.auth("trader")).status_code == 403
    assert mf.client.post(url, json={}, headers=mf.auth("CUS5100")).status_code == 404
    bad = mf.client.post(url, json={"note": 1}, headers=mf.auth("CUS5300"))
    assert bad.status_code == 422
    assert bad.json()["error"]["findings"][0]["path"] == "/note"
    r = mf.client.post(url, json={"note": "late booking"}, headers=mf.auth("CUS5300"))
    assert r.status_code == 200, r.text
    assert (r.json()["resolution"], r.json()["resolved_by"]) == ("accepted", "CUS5300")
    assert mf.client.post(url, json={}, headers=mf.auth("CUS5300")).status_code == 409
    (notice,) = mf.inbox("carrier", "manifest_discrepancy")
    assert notice["payload"]["resolution"] == "accepted"
    mf.ok(mf.manifest("MT4101", function="5", bill_nos=[C], containers=[X4], items=False))
    assert _codes(mf.get("/discrepancies", status="open")["items"]) == {("bill_missing", B)}


def test_tally_vs_manifest_discrepancies(mf: MNode) -> None:
    mf.ok(mf.manifest("MT1101", bill_nos=[A], containers=[X1]))
    tally = mf.manifest("MT5101", bill_nos=[A, D], containers=[X1, X4], items=False)
    tally["consignments"][0]["packages"] = 98
    receipt = mf.ok(tally, who="tally")
    assert receipt["tallies"] == 2
    assert receipt["discrepancies_opened"] == 2
    opened = mf.get("/discrepancies")["items"]
    assert _codes(opened) == {("packages_differ", A), ("bill_extra", D)}
    assert {d["kind"] for d in opened} == {"tally_vs_manifest"}
    assert {d["carrier_code"] for d in opened} == {"CARRIER-A"}
    assert len(mf.inbox("CUS5300", "manifest_discrepancy")) == 2
    assert len(mf.inbox("carrier", "manifest_discrepancy")) == 2
    # A second tally of A with the manifest's count replaces the first and resolves it.
    recount = mf.manifest("MT5101", bill_nos=[A], containers=[X1], items=False)
    mf.ok(recount, who="tally")
    assert _codes(mf.get("/discrepancies", status="open")["items"]) == {("bill_extra", D)}
    # A tally that counts a container the manifest does not have.
    boxes = mf.manifest("MT5101", bill_nos=[A], containers=[X1, X2], items=False)
    mf.ok(boxes, who="PORT-YICT")
    assert ("container_extra", A) in _codes(mf.get("/discrepancies", status="open")["items"])
