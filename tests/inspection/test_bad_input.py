"""The issue's bad input: each a clear 4xx naming the field, and nothing stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from singlewindow.inspection.models import InspectionBooking
from tests.inspection.conftest import BOXES, SQLITE_ONLY, INode, next_hour

pytestmark = SQLITE_ONLY


def _positioned_case(inode: INode, licences: bool = False) -> tuple[dict[str, Any], str]:
    inode.offer(first=2, hours=2, bays=2)
    receipt = inode.submit(licences=licences)
    case_no = inode.customs_orders(receipt)["case_no"]
    if licences:
        r = inode.post(
            "/inspections/orders",
            "LIC-GD",
            {"declaration_id": receipt["id"], "instructions": {"kind": "document"}},
        )
        assert r.status_code == 201, r.text
    r = inode.post(f"/inspections/{case_no}/positioned", "PORT-YICT")
    assert r.status_code == 200, r.text
    return receipt, case_no


def test_booking_a_full_or_past_slot(inode: INode) -> None:
    # The current hour (already started) and the next two, one bay each.
    r = inode.post(
        "/inspections/capacity",
        "PORT-YICT",
        {
            "starts_at": next_hour(0).isoformat(),
            "ends_at": next_hour(3).isoformat(),
            "bays": 1,
        },
    )
    assert r.status_code == 201, r.text
    past, first, second = r.json()
    one = inode.customs_orders(inode.submit())
    two = inode.customs_orders(inode.submit())
    assert one["booking"]["capacity_id"] == first["id"]
    assert two["booking"]["capacity_id"] == second["id"]
    before = inode.counts()

    full = inode.post(
        f"/inspections/{two['case_no']}/booking", "trader", {"capacity_id": first["id"]}
    )
    assert full.status_code == 409, full.text
    assert full.json()["error"]["code"] == "slot_full"
    assert full.json()["error"]["findings"][0]["path"] == "/capacity_id"

    late = inode.post(
        f"/inspections/{two['case_no']}/booking", "trader", {"starts_at": past["starts_at"]}
    )
    assert late.status_code == 422, late.text
    assert late.json()["error"]["findings"][0]["code"] == "slot_in_past"
    assert late.json()["error"]["findings"][0]["path"] == "/starts_at"
    assert inode.counts() == before

    # Offering capacity in the past, or not on the hour, is refused too.
    r = inode.post(
        "/inspections/capacity",
        "PORT-YICT",
        {
            "starts_at": (next_hour(-5)).isoformat(),
            "ends_at": next_hour(-4).isoformat(),
            "bays": 1,
        },
    )
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["path"] == "/starts_at"
    r = inode.post(
        "/inspections/capacity",
        "PORT-YICT",
        {
            "starts_at": (next_hour(5) + timedelta(minutes=30)).isoformat(),
            "ends_at": next_hour(7).isoformat(),
            "bays": 1,
        },
    )
    assert r.status_code == 422
    assert inode.counts() == before


def test_result_by_an_agency_not_in_the_case_is_403(inode: INode) -> None:
    _receipt, case_no = _positioned_case(inode)
    before = inode.counts()
    r = inode.post(f"/inspections/{case_no}/results", "MSA-GD", {"result": "pass"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "not_in_case"
    r = inode.post(f"/inspections/{case_no}/release", "MSA-GD")
    assert r.status_code == 403
    # Ordering through the route is for agencies the declaration was routed to.
    r = inode.post(
        "/inspections/orders",
        "MSA-GD",
        {"declaration_id": _receipt["id"], "instructions": {"kind": "physical"}},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_routed_to_you"
    assert inode.counts() == before


def test_release_while_another_agency_holds_is_409(inode: INode) -> None:
    receipt, case_no = _positioned_case(inode, licences=True)
    for agency, result in (("LIC-GD", "hold"), ("CUS5300", "pass")):
        r = inode.post(f"/inspections/{case_no}/results", agency, {"result": result})
        assert r.status_code == 200, r.text
    before = inode.counts()
    r = inode.post(f"/inspections/{case_no}/release", "CUS5300")
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "held_by_other_agency"
    assert "LIC-GD" in error["message"]
    # The direct decision route is held the same way.
    r = inode.node.decide("CUS5300", receipt["id"], "released")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "held_by_other_agency"
    assert inode.counts() == before
    # Once the holder changes its result, customs may release.
    assert inode.post(f"/inspections/{case_no}/results", "LIC-GD", {"result": "pass"}).is_success
    assert inode.post(f"/inspections/{case_no}/release", "CUS5300").status_code == 200


def test_gate_out_before_release_is_409_and_nothing_stored(inode: INode) -> None:
    receipt, case_no = _positioned_case(inode)
    other = inode.submit()
    before = inode.counts()
    r = inode.post(
        "/port/events",
        "PORT-YICT",
        {"events": [
            {"event": "gate_in", "container_no": BOXES[0], "declaration_id": receipt["id"]},
            {"event": "gate_out", "container_no": BOXES[1], "declaration_id": receipt["id"]},
        ]},
    )  # fmt: skip
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "not_released"
    assert r.json()["error"]["findings"][0]["path"] == "/events/1/container_no"
    r = inode.post(f"/inspections/{case_no}/gate-out", "PORT-YICT", {"containers": BOXES})
    assert r.status_code == 409
    # A declaration that is simply not released yet (no case) is refused the same way.
    r = inode.post(
        "/port/events",
        "PORT-YICT",
        {"event": "gate_out", "container_no": BOXES[0], "declaration_id": other["id"]},
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_released"
    assert inode.counts() == before


def test_bad_container_numbers_and_payloads(inode: INode) -> None:
    receipt, case_no = _positioned_case(inode)
    before = inode.counts()
    r = inode.post("/port/events", "PORT-YICT", {"event": "gate_in", "container_no": "MSKU1234566"})
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["path"] == "/container_no"
    r = inode.post("/port/events", "PORT-YICT", {"event": "teleported", "container_no": BOXES[0]})
    assert r.status_code == 422
    r = inode.post(
        f"/inspections/{case_no}/results",
        "CUS5300",
        {
            "result": "pass",
            "attachments": [{"name": "x", "media_type": "a/b", "sha256": "x", "size": 1}],
        },
    )
    assert r.status_code == 422
    r = inode.post(
        f"/inspections/{case_no}/positioned", "PORT-YICT", {"containers": ["ABCU0000000"]}
    )
    assert r.status_code == 422
    r = inode.post("/inspections/orders", "CUS5300", {"declaration_id": receipt["id"]})
    assert r.status_code == 422  # instructions are required
    r = inode.post(f"/inspections/{case_no}/booking", "trader", {})
    assert r.status_code == 400
    assert r.json()["error"]["findings"][0]["path"] == "/capacity_id"
    r = inode.post("/inspections/JI00000000000000/results", "CUS5300", {"result": "pass"})
    assert r.status_code == 404
    assert inode.counts() == before
    assert inode.count(InspectionBooking) == 1
