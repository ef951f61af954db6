"""Routing to agencies, their decisions, the aggregate status and the feedback."""

from __future__ import annotations

from collections.abc import Callable

from tests.declarations.conftest import Node


def _submit(node: Node, **kw: object) -> dict[str, str]:
    r = node.submit(node.document(**kw))  # type: ignore[arg-type]
    assert r.status_code == 202, r.text
    body: dict[str, str] = r.json()
    return body


def test_customs_receives_decides_and_release_goes_to_port(
    node: Node, entry_no: Callable[[str, str, str], str]
) -> None:
    receipt = _submit(node)
    inbox = node.inbox("CUS5300")
    assert [m["correlation_id"] for m in inbox] == [receipt["id"]]
    assert inbox[0]["kind"] == "goods_declaration"
    assert inbox[0]["payload"]["head"]["custom_master"] == "5316"
    number = entry_no("5316", "I", receipt["unified_no"])
    steps = [
        ("received", {}),
        ("accepted", {"entry_no": number}),
        ("released", {}),
    ]
    for decision, extra in steps:
        r = node.decide("CUS5300", receipt["id"], decision, **extra)
        assert r.status_code == 200, r.text
    detail = node.client.get(
        f"/api/v1/declarations/{receipt['id']}", headers=node.auth("trader")
    ).json()
    assert detail["status"] == "released"
    assert detail["entry_no"] == number
    port = node.inbox("PORT-YICT")
    assert [m["kind"] for m in port] == ["release_notice"]
    assert port[0]["payload"]["entry_no"] == number
    statuses = [m["payload"]["status"] for m in node.inbox("trader")]
    assert statuses[0] == "submitted"
    assert statuses[-1] == "released"
    by_entry = node.client.get(
        "/api/v1/declarations", params={"entry_no": number}, headers=node.auth("trader")
    )
    assert [i["id"] for i in by_entry.json()["items"]] == [receipt["id"]]


def test_licence_goes_to_licensing_authority_with_its_projection(
    node: Node, entry_no: Callable[[str, str, str], str]
) -> None:
    doc = node.document()
    doc["licences"] = [{"docu_code": "O", "cert_code": "O2026GD0000001"}]
    r = node.submit(doc)
    assert r.status_code == 202, r.text
    assert sorted(r.json()["recipients"]) == ["CUS5300", "LIC-GD"]
    (message,) = node.inbox("LIC-GD")
    payload = message["payload"]
    assert payload["licences"] == doc["licences"]
    assert "fee_rate" not in payload.get("head", {})
    assert "g_model" not in payload["lines"][0]
    assert set(payload["head"]) <= {"ie_flag", "trade_co_scc", "trade_name", "trade_mode"}
    # Customs releases, but the whole is released only once the licence is verified.
    did = r.json()["id"]
    for decision in ("accepted", "released"):
        extra = (
            {"entry_no": entry_no("5316", "I", r.json()["unified_no"])}
            if decision == "accepted"
            else {}
        )
        assert node.decide("CUS5300", did, decision, **extra).status_code == 200
    status = node.client.get(f"/api/v1/declarations/{did}", headers=node.auth("trader")).json()
    assert status["status"] == "accepted"
    assert node.decide("LIC-GD", did, "licence_verified").status_code == 200
    status = node.client.get(f"/api/v1/declarations/{did}", headers=node.auth("trader")).json()
    assert status["status"] == "released"


def test_release_after_rejection_is_409_and_changes_nothing(node: Node) -> None:
    receipt = _submit(node)
    r = node.decide("CUS5300", receipt["id"], "rejected", reasons=[{"code": "R01"}])
    assert r.status_code == 200
    before = node.client.get(
        f"/api/v1/declarations/{receipt['id']}", headers=node.auth("trader")
    ).json()
    r = node.decide("CUS5300", receipt["id"], "released")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "illegal_transition"
    after = node.client.get(
        f"/api/v1/declarations/{receipt['id']}", headers=node.auth("trader")
    ).json()
    assert after["status"] == before["status"] == "rejected"
    assert len(after["timeline"]) == len(before["timeline"])


def test_rejection_needs_known_reason_codes(node: Node) -> None:
    receipt = _submit(node)
    r = node.decide("CUS5300", receipt["id"], "rejected")
    assert r.status_code == 422
    r = node.decide("CUS5300", receipt["id"], "rejected", reasons=[{"code": "NOPE"}])
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["path"] == "/reasons/0/code"


def test_agency_not_routed_is_403_and_unknown_declaration_404(node: Node) -> None:
    receipt = _submit(node)
    r = node.decide("CUS5100", receipt["id"], "received")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_routed_to_you"
    r = node.decide("CUS5300", "01890000-0000-7000-8000-000000000000", "received")
    assert r.status_code == 404
    r = node.decide("trader", receipt["id"], "received")
    assert r.status_code == 403


def test_customs_accept_needs_a_matching_entry_number(node: Node) -> None:
    receipt = _submit(node)
    r = node.decide("CUS5300", receipt["id"], "accepted")
    assert r.status_code == 422
    r = node.decide("CUS5300", receipt["id"], "accepted", entry_no="510020261000000001")
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["code"] == "entry_no_district"


def test_inspection_path_and_idempotent_replay(
    node: Node, entry_no: Callable[[str, str, str], str]
) -> None:
    receipt = _submit(node)
    number = entry_no("5316", "I", receipt["unified_no"])
    for decision, extra in (
        ("accepted", {"entry_no": number}),
        ("inspection_required", {"reasons": [{"code": "I01"}]}),
    ):
        assert node.decide("CUS5300", receipt["id"], decision, **extra).status_code == 200
    status = node.client.get(
        f"/api/v1/declarations/{receipt['id']}", headers=node.auth("trader")
    ).json()
    assert status["status"] == "inspection"
    assert node.decide("CUS5300", receipt["id"], "released").status_code == 409
    assert node.decide("CUS5300", receipt["id"], "inspected").status_code == 200
    # The same decision posted twice (a retry) has one effect.
    assert node.decide("CUS5300", receipt["id"], "inspected").status_code == 200
    assert node.decide("CUS5300", receipt["id"], "released").status_code == 200
    detail = node.client.get(
        f"/api/v1/declarations/{receipt['id']}", headers=node.auth("trader")
    ).json()
    events = [e["event"] for e in detail["timeline"]]
    assert events.count("agency_inspected") == 1
    assert detail["status"] == "released"


def test_agency_sees_only_what_was_routed_to_it(node: Node) -> None:
    receipt = _submit(node)
    mine = node.client.get(f"/api/v1/declarations/{receipt['id']}", headers=node.auth("CUS5300"))
    assert mine.status_code == 200
    assert mine.json()["document"] is None
    other = node.client.get(f"/api/v1/declarations/{receipt['id']}", headers=node.auth("CUS5100"))
    assert other.status_code == 404
