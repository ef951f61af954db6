"""A ship's call at Yantian from vessel record to confirmed departure: every agency receives
only its projection, the clearances aggregate, and the departure waits for all of them.

The whole call and the scoped lists run on SQLite and PostgreSQL (the list query reads the
recipients' JSON as text); the rest of the call tests run on SQLite only."""

from __future__ import annotations

from typing import Any

from singlewindow.standards.documents.transport_samples import IMO, VESSEL_NAME, sample_ship_report
from tests.transport.calls.conftest import SQLITE_ONLY, Node

CUSTOMS, MSA, BORDER, TERMINAL = "CUS5300", "MSA-GD", "BIS-GD", "PORT-YICT"
AGENCIES = (CUSTOMS, MSA, BORDER)
HEADER = {"client_ref", "message_type"}
PARTICULARS = {"vessel", "voyage"}


def full_report(message_type: str, ref: str) -> dict[str, Any]:
    """A report with every block: cargo, stores, crew's effects, crew, passengers, DG."""
    doc = sample_ship_report(
        message_type, crew=2, passengers=1, dangerous_goods=True, client_ref=ref
    )
    doc["stores"] = [{"seq": 1, "description": "FUEL OIL", "quantity": "350", "unit": "035"}]
    doc["crew_effects"] = [{"crew_seq": 1, "description": "CIGARETTES", "quantity": "2"}]
    return doc


def only(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [i for i in items if i["kind"] == kind]


@SQLITE_ONLY
def test_vessel_record_opens_no_call_and_keeps_the_vessel(node: Node) -> None:
    receipt = node.accepted("ship_report", sample_ship_report("CSM001", client_ref="V-1"))
    assert receipt["call_id"] is None
    assert receipt["stage"] is None
    assert receipt["clearances"] == []
    # Border inspection and the terminal are not interested in a vessel record.
    assert sorted(receipt["recipients"]) == [CUSTOMS, MSA]
    assert node.counts()["transport_call"] == 0
    vessel = node.get(f"/vessels/{IMO}", who=CUSTOMS)
    assert vessel.status_code == 200, vessel.text
    assert vessel.json()["name_en"] == VESSEL_NAME
    assert vessel.json()["particulars"]["mmsi"] == "477123400"
    assert node.get("/vessels/9074728", who=CUSTOMS).status_code == 404
    # The vessel record is a filing of its own: idempotent, readable by its filer.
    again = node.accepted("ship_report", sample_ship_report("CSM001", client_ref="V-1"))
    assert again["duplicate"]
    assert again["report_id"] == receipt["report_id"]
    report = node.get(f"/reports/{receipt['report_id']}")
    assert report.status_code == 200
    assert report.json()["view"] == "full"
    (msa,) = node.inbox(MSA)
    assert msa["correlation_id"] == receipt["report_id"]
    assert msa["context"]["message_type"] == "CSM001"


def test_full_sea_call(node: Node) -> None:
    pre = node.accepted("ship_report", full_report("CSM002", "SEA-2"))
    call_id = pre["call_id"]
    assert (pre["mode"], pre["means_id"], pre["journey_id"]) == ("sea", IMO, "001E")
    assert pre["stage"] == "pre_arrival"
    assert sorted(pre["recipients"]) == sorted([*AGENCIES, TERMINAL])
    # The terminal receives but does not clear: three agencies hold the arrival clearance.
    assert pre["arrival_clearance"] == "pending"
    assert pre["departure_clearance"] == "none"
    assert {(c["agency_code"], c["phase"], c["status"]) for c in pre["clearances"]} == {
        (code, "arrival", "pending") for code in AGENCIES
    }
    assert pre["platform_signature"]["value"]

    # Each agency received only its projection of the report.
    expected = {
        CUSTOMS: HEADER | PARTICULARS | {"cargo", "stores", "crew_effects"},
        MSA: HEADER | PARTICULARS | {"dangerous_goods"},
        BORDER: HEADER | PARTICULARS | {"crew", "passengers"},
        TERMINAL: HEADER | PARTICULARS | {"cargo"},
    }
    for code, keys in expected.items():
        (message,) = node.inbox(code)
        assert message["kind"] == "ship_report"
        assert message["correlation_id"] == call_id
        assert set(message["payload"]) == keys, code
        assert message["context"]["phase"] == "arrival"
        assert message["context"]["report_id"] == pre["report_id"]
    # Reading the report back shows each agency exactly what it was sent.
    for code, keys in expected.items():
        r = node.get(f"/reports/{pre['report_id']}", who=code)
        assert r.status_code == 200, r.text
        assert r.json()["view"] == "projection"
        assert set(r.json()["document"]) == keys, code
    filer = node.get(f"/reports/{pre['report_id']}").json()
    assert filer["view"] == "full"
    assert len(filer["document"]["crew"]) == 2

    confirmed = node.accepted("ship_report", full_report("CSM003", "SEA-3"))
    arrived = node.accepted("ship_report", full_report("CSM004", "SEA-4"))
    assert confirmed["call_id"] == arrived["call_id"] == call_id
    assert arrived["stage"] == "arrived"
    assert len(arrived["clearances"]) == 3  # the same three agencies, not one per report
    node.inbox("carrier")  # the "pending" notice

    # Arrival clearance: pending until all three cleared; a hold shows while it lasts.
    assert node.clear(CUSTOMS, call_id, "arrival").json()["arrival_clearance"] == "pending"
    held = node.clear(MSA, call_id, "arrival", "hold", reasons=[{"code": "I02"}])
    assert held.status_code == 200, held.text
    assert held.json()["arrival_clearance"] == "hold"
    assert node.clear(MSA, call_id, "arrival").json()["arrival_clearance"] == "pending"
    done = node.clear(BORDER, call_id, "arrival")
    assert done.json()["arrival_clearance"] == "cleared"
    replay = node.clear(BORDER, call_id, "arrival")  # the same decision again changes nothing
    assert replay.status_code == 200
    assert replay.json()["arrival_clearance"] == "cleared"
    notices = sorted(only(node.inbox("carrier"), "transport_status"), key=lambda n: n["id"])
    assert [n["payload"]["arrival_clearance"] for n in notices] == ["hold", "pending", "cleared"]

    moved = node.accepted("ship_report", full_report("CSM005", "SEA-5"))
    assert moved["stage"] == "in_port"
    assert {c["phase"] for c in moved["clearances"]} == {"arrival"}  # movements clear nothing

    leaving = node.accepted("ship_report", full_report("CSM006", "SEA-6"))
    assert leaving["stage"] == "pre_departure"
    assert leaving["departure_clearance"] == "pending"

    # The confirmed departure waits until every agency cleared the departure.
    for code in (CUSTOMS, MSA, BORDER):
        before = node.counts()
        early = node.file("ship_report", full_report("CSM007", f"SEA-7-{code}"))
        assert early.status_code == 409, early.text
        assert early.json()["error"]["code"] == "departure_not_cleared"
        assert early.json()["error"]["findings"][0]["path"] == "/message_type"
        assert node.counts() == before
        node.clear(code, call_id, "departure")
    gone = node.accepted("ship_report", full_report("CSM007", "SEA-7"))
    assert gone["stage"] == "departed"
    assert gone["departure_clearance"] == "cleared"

    # The call is closed: no more reports, no more changes to its clearances.
    late = node.file("ship_report", full_report("CSM005", "SEA-8"))
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "call_closed"
    change = node.clear(CUSTOMS, call_id, "departure", "hold", reasons=[{"code": "I01"}])
    assert change.status_code == 409

    call = node.get(f"/calls/{call_id}").json()
    assert call["stage"] == "departed"
    assert call["atd"] is not None
    assert call["ata"] is not None
    assert call["journey_out"] == "001W"
    assert call["means_name"] == VESSEL_NAME
    assert [r["message_type"] for r in call["reports"]] == [
        "CSM002", "CSM003", "CSM004", "CSM005", "CSM006", "CSM007",
    ]  # fmt: skip
    assert call["document"]["crew"][0]["family_name"] == "ZHANG"
    assert call["document"]["movements"][0]["to_berth"] == "YT05"
    events = [e["event"] for e in call["timeline"]]
    assert events[:2] == ["call_opened", "report_filed"]
    assert events.count("report_filed") == 6
    assert "departure_clearance" in events
    assert "clearance_hold" in events
    # An agency sees the call but not the carrier's merged document.
    seen_by_border = node.get(f"/calls/{call_id}", who=BORDER).json()
    assert seen_by_border["document"] is None
    assert len(seen_by_border["reports"]) == 6


def test_call_lists_are_scoped(node: Node) -> None:
    receipt = node.accepted("ship_report", full_report("CSM002", "LIST-1"))
    call_id = receipt["call_id"]
    for who in ("carrier", CUSTOMS, BORDER, TERMINAL, "operator"):
        r = node.get("/calls", who=who)
        assert r.status_code == 200, r.text
        assert [c["id"] for c in r.json()["items"]] == [call_id], who
    for who in ("other_carrier", "CUS5100", "LIC-GD"):
        assert node.get("/calls", who=who).json()["items"] == [], who
        assert node.get(f"/calls/{call_id}", who=who).status_code == 404, who
        assert node.get(f"/reports/{receipt['report_id']}", who=who).status_code == 404, who
    filtered = node.get("/calls", who="operator", mode="sea", means_id=IMO, stage="pre_arrival")
    assert len(filtered.json()["items"]) == 1
    assert node.get("/calls", who="operator", mode="air").json()["items"] == []
    assert node.get("/calls", who="operator", port="CNSHK").json()["items"] == []
    assert node.get("/calls", who="operator", mode="boat").status_code == 422


@SQLITE_ONLY
def test_pagination(node: Node) -> None:
    ids = [
        node.accepted(
            "ship_report", sample_ship_report("CSM002", voyage_in=f"00{n}E", client_ref=f"P-{n}")
        )["call_id"]
        for n in range(3)
    ]
    first = node.get("/calls", limit=2).json()
    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    second = node.get("/calls", limit=2, cursor=first["next_cursor"]).json()
    assert [c["id"] for c in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None
    assert node.get("/calls", cursor="!!").status_code == 400


@SQLITE_ONLY
def test_csm_xml_is_the_same_report(node: Node) -> None:
    from singlewindow.standards.xml import csm

    doc = sample_ship_report("CSM002", client_ref="XML-1")
    xml = {**node.auth("carrier"), "Content-Type": "application/xml"}
    url = "/api/v1/transport/reports/ship_report"
    r = node.client.post(url, content=csm.to_xml(doc), headers=xml)
    assert r.status_code == 202, r.text
    assert r.json()["means_id"] == IMO
    assert r.json()["stage"] == "pre_arrival"
    # The same report as JSON is the same filing (same canonical content).
    assert node.accepted("ship_report", doc)["duplicate"] is True
    # A ship report's XML is not a person list.
    wrong = node.client.post(
        "/api/v1/transport/reports/person_list", content=csm.to_xml(doc), headers=xml
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "doc_type_mismatch"
    broken = node.client.post(url, content=b"<CSM002Message", headers=xml)
    assert broken.status_code == 400


@SQLITE_ONLY
def test_agencies_reading_crew_lists_from_their_inbox_is_audited(node: Node) -> None:
    from sqlalchemy import select

    from singlewindow.audit import actions
    from singlewindow.audit.models import AuditEntry

    receipt = node.accepted("ship_report", full_report("CSM002", "AUDIT-READ-1"))
    read = only(node.inbox(BORDER), "ship_report")
    assert read
    assert "crew" in read[0]["payload"]
    with node.db.read_only() as session:
        entries = [
            (e.target_type, e.target_id, e.detail["via"], e.detail["kind"])
            for e in session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == actions.TRANSPORT_REPORT_READ,
                    AuditEntry.actor == BORDER,
                )
            )
        ]
    assert entries == [(actions.TRANSPORT_CALL, receipt["call_id"], "inbox", "ship_report")]
