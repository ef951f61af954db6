"""Bad inputs answer a clear 4xx naming the field, and callers see only what is theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from singlewindow.transport.models import ManifestMessage
from tests.transport.manifests.conftest import SQLITE_ONLY, MNode

pytestmark = SQLITE_ONLY

A = "COSU6600000010"


def _raw(mf: MNode, body: bytes, content_type: str, who: str = "carrier") -> Any:
    return mf.client.post(
        "/api/v1/manifests",
        content=body,
        headers={**mf.auth(who), "Content-Type": content_type},
    )


def test_malformed_bodies(mf: MNode) -> None:
    r = _raw(mf, b"{not json", "application/json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
    r = _raw(mf, b"[1, 2]", "application/json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "not_an_object"
    r = _raw(mf, b"hello", "text/plain")
    assert r.status_code == 415
    assert r.json()["error"]["message_zh"]
    r = _raw(mf, b"<Manifest><broken", "application/xml")
    assert 400 <= r.status_code < 500, r.text
    r = _raw(mf, b"UNA:+.? 'UNB+garbage", "application/edifact")
    assert 400 <= r.status_code < 500, r.text
    assert mf.count(ManifestMessage) == 0


_INVALID: list[tuple[Callable[[dict[str, Any]], Any], str, str | None]] = [
    (lambda d: d.pop("client_ref"), "/client_ref", "required"),
    (lambda d: d["head"].pop("journey_id"), "/head/journey_id", None),
    (lambda d: d.update(message_type="MT9999"), "/message_type", None),
    (lambda d: d["consignments"][0].pop("packages"), "/consignments/0/packages", None),
    (
        lambda d: d["consignments"].append(dict(d["consignments"][0])),
        "/consignments/1/bill_no",
        "duplicate_bill",
    ),
    (lambda d: d["head"].update(customs_office="0100"), "/head/customs_office", "no_recipient"),
]


def test_invalid_manifests_are_422_naming_the_field(mf: MNode) -> None:
    for change, path, code in _INVALID:
        doc = mf.manifest(bill_nos=[A], items=False)
        change(doc)
        r = mf.post(doc)
        assert r.status_code == 422, r.text
        findings = r.json()["error"]["findings"]
        assert path in [f["path"] for f in findings], findings
        if code is not None:
            assert code in [f["code"] for f in findings if f["path"] == path], findings
        assert all(f["message"] and f["message_zh"] for f in findings)
    assert mf.count(ManifestMessage) == 0


def test_who_files_what(mf: MNode) -> None:
    doc = mf.manifest(bill_nos=[A])
    r = mf.post(doc, who="CUS5300")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "wrong_role"
    for who in ("trader", "PORT-YICT"):
        r = mf.post(doc, who=who)
        assert r.status_code == 403, who
        assert r.json()["error"]["code"] == "not_a_carrier", who
    assert mf.count(ManifestMessage) == 0


def test_reads_are_scoped(mf: MNode) -> None:
    receipt = mf.ok(mf.manifest("MT2101", bill_nos=[A]))
    message = f"/api/v1/manifests/messages/{receipt['id']}"
    for who in ("carrier", "CUS5300", "PORT-YICT", "operator"):
        r = mf.client.get(message, headers=mf.auth(who))
        assert r.status_code == 200, who
        assert r.json()["document"]["consignments"][0]["bill_no"] == A
    for who in ("carrier2", "other_trader", "CUS5100", "PORT-SCT", "MSA-GD"):
        assert mf.client.get(message, headers=mf.auth(who)).status_code == 404, who
    for who in ("carrier", "CUS5300", "PORT-YICT", "operator"):
        assert [c["bill_no"] for c in mf.get("/consignments", who=who)["items"]] == [A], who
    for who in ("carrier2", "trader", "CUS5100", "PORT-SCT", "MSA-GD"):
        assert mf.get("/consignments", who=who)["items"] == [], who
    cid = mf.get("/consignments")["items"][0]["id"]
    r = mf.client.get(f"/api/v1/manifests/consignments/{cid}", headers=mf.auth("carrier2"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "consignment_not_found"


def test_list_parameters_are_checked(mf: MNode) -> None:
    for path, params in (
        ("/consignments", {"status": "gone"}),
        ("/consignments", {"limit": 0}),
        ("/discrepancies", {"kind": "other"}),
        ("/loading-permits", {"status": "x"}),
    ):
        r = mf.client.get(f"/api/v1/manifests{path}", params=params, headers=mf.auth("carrier"))
        assert r.status_code == 422, (path, params)
        assert r.json()["error"]["findings"][0]["path"].startswith("query:")
    r = mf.client.get(
        "/api/v1/manifests/consignments", params={"cursor": "***"}, headers=mf.auth("carrier")
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_cursor"


def test_paging(mf: MNode) -> None:
    bills = [f"COSU66000001{n:02d}" for n in range(5)]
    mf.ok(mf.manifest(bill_nos=bills, items=False))
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = mf.get("/consignments", **params)
        seen += [c["bill_no"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == bills


def test_xml_and_edifact_manifests(mf: MNode) -> None:
    """The same manifest filed as China customs manifest XML and as a CUSCAR interchange."""
    from singlewindow.standards.edifact.cuscar import manifest_to_cuscar
    from singlewindow.standards.xml.manifest import to_xml

    xml = mf.manifest(bill_nos=[A], journey_id="101E")
    r = _raw(mf, to_xml(xml), "application/xml")
    assert r.status_code == 202, r.text
    assert [c["bill_no"] for c in r.json()["changes"]] == [A]
    edi = mf.manifest(bill_nos=[A], journey_id="102E")
    text = manifest_to_cuscar(edi, sender="CARRIERA", recipient="EPORT", reference="R1")
    r = _raw(mf, text.encode(), "application/edifact")
    assert r.status_code == 202, r.text
    assert r.json()["journey_id"] == "102E"
    stored = mf.client.get(
        f"/api/v1/manifests/messages/{r.json()['id']}", headers=mf.auth("carrier")
    ).json()["document"]
    assert stored["consignments"][0]["bill_no"] == A
    assert stored["client_ref"] == edi["client_ref"]
