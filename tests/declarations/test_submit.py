"""Submitting goods declarations over HTTP: receipts, idempotency, formats and bad input."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from singlewindow.declarations.models import Declaration, TimelineEvent
from tests.declarations.conftest import Node

FIXTURES = Path(__file__).parent.parent / "fixtures" / "decmessage"


def test_submit_answers_202_with_unified_number(node: Node) -> None:
    r = node.submit(node.document())
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "submitted"
    assert len(body["unified_no"]) == 18
    assert body["unified_no"][0] == "I"
    assert body["recipients"] == ["CUS5300"]
    got = node.client.get(f"/api/v1/declarations/{body['id']}", headers=node.auth("trader"))
    assert got.status_code == 200
    detail = got.json()
    assert detail["status"] == "submitted"
    assert [a["agency_code"] for a in detail["agencies"]] == ["CUS5300"]
    assert [e["event"] for e in detail["timeline"]] == ["created", "submitted"]


def test_resubmission_is_idempotent_and_reuse_conflicts(node: Node) -> None:
    doc = node.document(client_ref="IDEMP-1")
    first = node.submit(doc).json()
    again = node.submit(doc)
    assert again.status_code == 202
    assert again.json()["id"] == first["id"]
    assert again.json()["duplicate"] is True
    changed = json.loads(json.dumps(doc))
    changed["head"]["mark_no"] = "CHANGED"
    r = node.submit(changed)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "client_ref_reused"
    assert r.json()["error"]["message_zh"]


def test_decmessage_xml_is_accepted_and_exports_back(node: Node) -> None:
    from singlewindow.standards.xml import parse_decmessage

    xml = (FIXTURES / "import_general.xml").read_bytes()
    doc = parse_decmessage(xml)
    trader = node.traders[0]
    # The fixture names its own enterprise: file it as the consignee instead (a broker would
    # need a mandate from that enterprise: test_mandates.py).
    text = xml.decode().replace(doc["head"]["trade_co_scc"], trader.uscc)
    r = node.client.post(
        "/api/v1/declarations",
        content=text.encode(),
        headers={**node.auth("trader"), "Content-Type": "application/xml"},
    )
    assert r.status_code == 202, r.text
    exported = node.client.get(
        f"/api/v1/declarations/{r.json()['id']}/xml", headers=node.auth("trader")
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/xml")
    assert parse_decmessage(exported.content) == parse_decmessage(text.encode())


def test_malformed_json_is_400(node: Node) -> None:
    r = node.client.post(
        "/api/v1/declarations",
        content=b'{"client_ref": ',
        headers={**node.auth("trader"), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"


def test_wrong_content_type_is_415(node: Node) -> None:
    r = node.client.post(
        "/api/v1/declarations",
        content=b"client_ref=1",
        headers={**node.auth("trader"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    assert r.json()["error"]["message_zh"]


def test_body_over_limit_is_413_and_nothing_stored(node: Node) -> None:
    doc = node.document(client_ref="BIG-1")
    doc["head"]["note_s"] = "x" * (node.settings.max_body_bytes + 10)
    r = node.submit(doc)
    assert r.status_code == 413
    found = node.client.get(
        "/api/v1/declarations", params={"client_ref": "BIG-1"}, headers=node.auth("trader")
    )
    assert found.json()["items"] == []


def test_xxe_and_billion_laughs_are_refused_without_expansion(node: Node) -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<DecMessage xmlns="http://www.chinaport.gov.cn/dec"><DecHead><NoteS>&x;</NoteS>'
        b"</DecHead></DecMessage>"
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<DecMessage xmlns="http://www.chinaport.gov.cn/dec"><DecHead><NoteS>&c;</NoteS>'
        b"</DecHead></DecMessage>"
    )
    for body in (xxe, laughs):
        r = node.client.post(
            "/api/v1/declarations",
            content=body,
            headers={**node.auth("trader"), "Content-Type": "application/xml"},
        )
        assert r.status_code == 400, r.text
        assert "root:" not in r.text
        assert "aaaaaaaaaaaaaaaaaaaa" not in r.text


def test_xml_in_wrong_namespace_is_400(node: Node) -> None:
    r = node.client.post(
        "/api/v1/declarations",
        content=b'<DecMessage xmlns="urn:not-customs"><DecHead/></DecMessage>',
        headers={**node.auth("trader"), "Content-Type": "application/xml"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "wrong_namespace"


def test_all_findings_come_back_at_once(node: Node) -> None:
    doc = node.document(client_ref="BAD-1")
    doc["head"]["trade_mode"] = "9999"  # unknown code
    doc["lines"][0]["trade_curr"] = "QQQ"  # unknown currency
    doc["lines"][1]["decl_total"] = "1.00"  # total ≠ qty × price
    doc["head"]["net_wt"] = str(float(doc["head"]["gross_wet"]) + 100)  # net > gross
    r = node.submit(doc)
    assert r.status_code == 422
    findings = r.json()["error"]["findings"]
    paths = {f["path"] for f in findings}
    assert "/head/trade_mode" in paths
    assert "/lines/0/trade_curr" in paths
    assert any(p.startswith("/lines/1") for p in paths)
    assert any("net" in p for p in paths)
    assert all(f["message"] and f["message_zh"] for f in findings)
    found = node.client.get(
        "/api/v1/declarations", params={"client_ref": "BAD-1"}, headers=node.auth("trader")
    )
    assert found.json()["items"] == []


def test_bad_uscc_check_digit_is_422(node: Node) -> None:
    doc = node.document()
    uscc = doc["head"]["owner_code_scc"]
    doc["head"]["owner_code_scc"] = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    r = node.submit(doc)
    assert r.status_code == 422
    assert any(f["path"] == "/head/owner_code_scc" for f in r.json()["error"]["findings"])


def test_fifty_one_lines_is_422(node: Node) -> None:
    r = node.submit(node.document(lines=51))
    assert r.status_code == 422
    codes = {f["code"] for f in r.json()["error"]["findings"]}
    assert "too_many_lines" in codes


def test_declaring_for_another_enterprise_is_403(node: Node) -> None:
    doc = node.document(trader=1)  # names trader 1, submitted with trader 0's key
    r = node.submit(doc)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_declaration"


def test_no_key_is_401_and_agencies_cannot_file(node: Node) -> None:
    r = node.client.post("/api/v1/declarations", json=node.document())
    assert r.status_code == 401
    r = node.submit(node.document(), who="CUS5300")
    assert r.status_code == 403


def test_non_object_body_is_400(node: Node) -> None:
    r = node.client.post("/api/v1/declarations", json=[1, 2], headers=node.auth("trader"))
    assert r.status_code == 400


def test_lookup_by_every_key_and_isolation(node: Node) -> None:
    doc = node.document(client_ref="LOOK-1")
    receipt = node.submit(doc).json()
    for params in (
        {"unified_no": receipt["unified_no"]},
        {"client_ref": "LOOK-1"},
        {"bill_no": doc["head"]["bill_no"]},
    ):
        r = node.client.get("/api/v1/declarations", params=params, headers=node.auth("trader"))
        assert [i["id"] for i in r.json()["items"]] == [receipt["id"]], params
        other = node.client.get(
            "/api/v1/declarations", params=params, headers=node.auth("other_trader")
        )
        assert other.json()["items"] == []
    r = node.client.get(f"/api/v1/declarations/{receipt['id']}", headers=node.auth("other_trader"))
    assert r.status_code == 404


def test_bad_query_parameters_are_4xx(node: Node) -> None:
    for params in ({"limit": 0}, {"limit": 10_000}, {"cursor": "!!!"}):
        r = node.client.get("/api/v1/declarations", params=params, headers=node.auth("trader"))
        assert 400 <= r.status_code < 500, params


def test_draft_then_submit_and_withdraw(node: Node) -> None:
    doc = node.document(client_ref="DRAFT-1")
    r = node.client.post(
        "/api/v1/declarations", params={"draft": "true"}, json=doc, headers=node.auth("trader")
    )
    assert r.status_code == 201
    draft = r.json()
    assert draft["status"] == "draft"
    assert draft["unified_no"] is None
    r = node.client.post(f"/api/v1/declarations/{draft['id']}/submit", headers=node.auth("trader"))
    assert r.status_code == 202
    assert r.json()["unified_no"]
    r = node.client.post(
        f"/api/v1/declarations/{draft['id']}/withdraw", headers=node.auth("trader")
    )
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"
    again = node.client.post(
        f"/api/v1/declarations/{draft['id']}/withdraw", headers=node.auth("trader")
    )
    assert again.status_code == 409


def test_a_draft_is_edited_in_place_until_it_is_submitted(node: Node) -> None:
    doc = node.document(client_ref="DRAFT-EDIT")
    doc["head"]["bill_no"] = ""  # a draft may be incomplete
    r = node.client.post(
        "/api/v1/declarations", params={"draft": "true"}, json=doc, headers=node.auth("trader")
    )
    draft_id = r.json()["id"]
    url = f"/api/v1/declarations/{draft_id}"
    edited = node.document(client_ref="ANY-OTHER-REF")  # the client reference cannot change
    edited["head"]["bill_no"] = "COSU6399999990"
    r = node.client.put(url, json=edited, headers=node.auth("trader"))
    assert r.status_code == 200, r.text
    assert r.json()["client_ref"] == "DRAFT-EDIT"
    assert r.json()["bill_no"] == "COSU6399999990"
    with node.db.read_only() as session:
        stored = session.get(Declaration, draft_id)
        assert stored is not None
        assert stored.document["head"]["bill_no"] == "COSU6399999990"
        events = [
            e.event
            for e in session.scalars(
                select(TimelineEvent).where(TimelineEvent.declaration_id == draft_id)
            )
        ]
    assert events.count("edited") == 1
    # Another trader's draft is not found; a non-object is 400; a submitted one is 409.
    assert node.client.put(url, json=edited, headers=node.auth("other_trader")).status_code == 404
    assert node.client.put(url, json=[1], headers=node.auth("trader")).status_code == 400
    assert node.client.post(f"{url}/submit", headers=node.auth("trader")).status_code == 202
    r = node.client.put(url, json=edited, headers=node.auth("trader"))
    assert r.status_code == 409
    with node.db.read_only() as session:
        stored = session.get(Declaration, draft_id)
        assert stored is not None
        assert stored.document["head"]["bill_no"] == "COSU6399999990"


def test_batch_reports_each_item(node: Node) -> None:
    docs = [node.document(client_ref=f"B-{i}") for i in range(3)]
    bad = node.document(client_ref="B-bad")
    bad["head"]["trade_mode"] = "9999"
    r = node.client.post(
        "/api/v1/declarations/batch",
        json={"declarations": [*docs, bad]},
        headers=node.auth("trader"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 3
    assert body["rejected"] == 1
    assert body["items"][3]["status_code"] == 422
    assert body["items"][3]["error"]["error"]["findings"]
    too_many = node.client.post(
        "/api/v1/declarations/batch",
        json={"declarations": [{}] * 1001},
        headers=node.auth("trader"),
    )
    assert too_many.status_code in (413, 422)
