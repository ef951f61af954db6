"""Aircraft, vehicles (Hong Kong / Macao plates) and trains on the same machinery; person lists
and dangerous goods declarations attaching to a call by its key."""

from __future__ import annotations

from singlewindow.kit.clock import today_china
from singlewindow.standards.documents.transport_samples import (
    IMO,
    dangerous_goods_rows,
    sample_aircraft_report,
    sample_dangerous_goods,
    sample_person_list,
    sample_ship_report,
    sample_train_report,
    sample_vehicle_report,
)
from tests.transport.calls.conftest import SQLITE_ONLY, Node

pytestmark = SQLITE_ONLY
BORDER, MSA = "BIS-GD", "MSA-GD"


def test_aircraft_call(node: Node) -> None:
    today = today_china()
    pre = node.accepted(
        "aircraft_report",
        sample_aircraft_report("pre_arrival", flight_date=today, passengers=2, client_ref="A1"),
    )
    call_id = pre["call_id"]
    assert (pre["mode"], pre["means_id"]) == ("air", "B-1234")
    assert pre["journey_id"] == f"CZ3101/{today.isoformat()}"
    # Customs office 5141 belongs to Guangzhou customs (5100); no maritime safety for aircraft.
    assert sorted(pre["recipients"]) == [BORDER, "CUS5100"]
    assert {c["agency_code"] for c in pre["clearances"]} == {BORDER, "CUS5100"}
    (customs,) = node.inbox("CUS5100")
    assert set(customs["payload"]) == {"client_ref", "message_type", "flight", "cargo"}
    (border,) = node.inbox(BORDER)
    assert set(border["payload"]) == {"client_ref", "message_type", "flight", "crew", "passengers"}

    arrival = node.accepted(
        "aircraft_report", sample_aircraft_report("arrival", flight_date=today, client_ref="A2")
    )
    assert arrival["call_id"] == call_id
    assert arrival["stage"] == "arrived"
    node.clear("CUS5100", call_id, "arrival")
    cleared = node.clear(BORDER, call_id, "arrival")
    assert cleared.json()["arrival_clearance"] == "cleared"
    # A departure without its pre-departure has nobody's clearance: refused.
    departure = node.file(
        "aircraft_report", sample_aircraft_report("departure", flight_date=today, client_ref="A3")
    )
    assert departure.status_code == 409
    assert departure.json()["error"]["code"] == "departure_not_cleared"


def test_vehicle_with_hong_kong_and_macao_plates(node: Node) -> None:
    doc = sample_vehicle_report("pre_arrival", plate_cn=None, plate_hk="AB1234", client_ref="V1")
    doc["vehicle"]["plate_mo"] = "MX1234"
    receipt = node.accepted("vehicle_report", doc)
    # No mainland plate: the Hong Kong plate is the key; both plates are shown.
    assert (receipt["mode"], receipt["means_id"], receipt["journey_id"]) == (
        "road", "AB1234", "T20260001",
    )  # fmt: skip
    assert sorted(receipt["recipients"]) == [BORDER, "CUS5300"]
    (border,) = node.inbox(BORDER)
    assert border["payload"]["vehicle"]["driver_name"] == "CHAN TAI MAN"
    assert "cargo" not in border["payload"]
    call = node.get(f"/calls/{receipt['call_id']}").json()
    assert call["means_name"] == "AB1234 / MX1234"
    assert call["port"] == "CNHUG"
    assert call["customs_office"] == "5301"

    # The same truck's mainland plate makes the mainland plate its key (another call).
    both = node.accepted("vehicle_report", sample_vehicle_report("pre_arrival", client_ref="V2"))
    assert both["means_id"] == "粤Z1234港"
    assert both["call_id"] != receipt["call_id"]
    arrived = node.accepted("vehicle_report", sample_vehicle_report("arrival", client_ref="V3"))
    assert arrived["call_id"] == both["call_id"]
    assert arrived["stage"] == "arrived"


def test_train_departure(node: Node) -> None:
    pre = node.accepted(
        "train_report", sample_train_report("pre_departure", direction="E", client_ref="T1")
    )
    call_id = pre["call_id"]
    assert (pre["mode"], pre["means_id"]) == ("rail", "X8001")
    assert pre["arrival_clearance"] == "none"
    assert pre["departure_clearance"] == "pending"
    (customs,) = node.inbox("CUS5300")
    assert set(customs["payload"]) == {"client_ref", "message_type", "train", "wagons", "cargo"}
    (border,) = node.inbox(BORDER)
    assert set(border["payload"]) == {"client_ref", "message_type", "train", "wagons", "crew"}
    refused = node.clear("CUS5300", call_id, "departure", "refused", reasons=[{"code": "R07"}])
    assert refused.json()["departure_clearance"] == "refused"
    node.clear(BORDER, call_id, "departure")
    still = node.file("train_report", sample_train_report("departure", client_ref="T2"))
    assert still.status_code == 409
    node.clear("CUS5300", call_id, "departure", note="manifest corrected")
    gone = node.accepted("train_report", sample_train_report("departure", client_ref="T3"))
    assert gone["stage"] == "departed"
    assert gone["call_id"] == call_id


def test_person_list_and_dangerous_goods_attach_to_the_call(node: Node) -> None:
    ship = node.accepted("ship_report", sample_ship_report("CSM002", crew=0, client_ref="S1"))
    call_id = ship["call_id"]
    node.inbox(BORDER)
    node.inbox(MSA)
    node.inbox("CUS5300")
    node.inbox("PORT-YICT")

    persons = node.accepted("person_list", sample_person_list("both", crew=3, client_ref="P1"))
    assert persons["call_id"] == call_id
    assert persons["recipients"] == [BORDER]
    (border,) = node.inbox(BORDER)
    assert border["kind"] == "person_list"
    assert len(border["payload"]["crew"]) == 3
    assert border["context"]["phase"] == "arrival"

    dg = node.accepted("dangerous_goods", sample_dangerous_goods(client_ref="D1"))
    assert dg["call_id"] == call_id
    assert sorted(dg["recipients"]) == ["CUS5300", MSA]
    (maritime,) = node.inbox(MSA)
    sent = [g["un_number"] for g in dangerous_goods_rows()]
    assert [g["un_number"] for g in maritime["payload"]["dangerous_goods"]] == sent
    assert node.inbox("PORT-YICT") == []  # dangerous goods are not routed to the terminal

    call = node.get(f"/calls/{call_id}").json()
    assert len(call["document"]["crew"]) == 3
    assert len(call["document"]["passengers"]) == 1
    assert len(call["document"]["dangerous_goods"]) == 2
    assert call["stage"] == "pre_arrival"  # persons and goods do not move the lifecycle
    assert [r["doc_type"] for r in call["reports"]] == [
        "ship_report", "person_list", "dangerous_goods",
    ]  # fmt: skip


def test_person_list_first_then_the_ship_joins(node: Node) -> None:
    persons = node.accepted("person_list", sample_person_list("crew", client_ref="P2"))
    assert persons["stage"] == "announced"
    assert persons["arrival_clearance"] == "pending"  # border inspection clears the crew
    ship = node.accepted("ship_report", sample_ship_report("CSM002", client_ref="S2"))
    assert ship["call_id"] == persons["call_id"]
    assert ship["stage"] == "pre_arrival"
    call = node.get(f"/calls/{ship['call_id']}").json()
    assert call["port"] == "CNYTN"
    assert call["means_name"] is not None


def test_export_person_list_finds_the_call_by_its_export_voyage(node: Node) -> None:
    ship = node.accepted("ship_report", sample_ship_report("CSM002", client_ref="S3"))
    persons = node.accepted(
        "person_list",
        sample_person_list("crew", journey_id="001W", direction="E", client_ref="P3"),
    )
    assert persons["call_id"] == ship["call_id"]
    assert persons["departure_clearance"] == "pending"
    assert {(c["agency_code"], c["phase"]) for c in persons["clearances"]} >= {
        (BORDER, "departure")
    }
    assert node.get("/calls", means_id=IMO).json()["items"][0]["id"] == ship["call_id"]


def test_a_city_operator_sees_the_calls_of_its_citys_carriers(node: Node) -> None:
    shenzhen = node.accepted("ship_report", sample_ship_report("CSM002", client_ref="C1"))
    guangzhou = node.accepted(
        "ship_report",
        sample_ship_report("CSM002", voyage_in="002E", client_ref="C2"),
        who="other_carrier",
    )
    listed = node.get("/calls", who="city_operator").json()["items"]
    assert [c["id"] for c in listed] == [shenzhen["call_id"]]
    assert node.get(f"/calls/{guangzhou['call_id']}", who="city_operator").status_code == 404
    seen = node.get(f"/reports/{shenzhen['report_id']}", who="city_operator")
    assert seen.status_code == 200
    assert seen.json()["view"] == "full"
    assert node.get(f"/reports/{guangzhou['report_id']}", who="city_operator").status_code == 404
    assert len(node.get("/calls", who="operator").json()["items"]) == 2
