"""Rescheduling, no-show, cancellation, partial release, waiting for capacity, escalation."""

from __future__ import annotations

from datetime import timedelta

from singlewindow.inspection.models import InspectionBooking
from singlewindow.inspection.tasks import escalate_once
from singlewindow.kit import clock
from tests.inspection.conftest import BOXES, SQLITE_ONLY, INode

pytestmark = SQLITE_ONLY


def test_no_capacity_waits_then_books_when_offered(inode: INode) -> None:
    case = inode.customs_orders(inode.submit())
    assert case["status"] == "open"
    assert case["waiting_reason"] == "no_capacity"
    assert case["booking"] is None
    slots = inode.offer(first=3, hours=1)
    case = inode.case(case["case_no"])
    assert case["status"] == "booked"
    assert case["waiting_reason"] is None
    assert case["booking"]["capacity_id"] == slots[0]["id"]
    assert inode.steps(inode.trader, case["case_no"]) == ["opened", "waiting", "booked"]


def test_reschedule_by_trader_and_terminal(inode: INode) -> None:
    first, second, third = inode.offer(first=2, hours=3, bays=1)
    case_no = inode.customs_orders(inode.submit())["case_no"]
    r = inode.post(f"/inspections/{case_no}/booking", "trader", {"capacity_id": third["id"]})
    assert r.status_code == 200, r.text
    r = inode.post(
        f"/inspections/{case_no}/booking", "PORT-YICT", {"starts_at": second["starts_at"]}
    )
    assert r.status_code == 200, r.text
    case = inode.case(case_no)
    assert case["booking"]["capacity_id"] == second["id"]
    assert [b["status"] for b in case["bookings"]] == ["rescheduled", "rescheduled", "booked"]
    assert inode.steps("PORT-YICT", case_no) == ["opened", "booked", "rescheduled", "rescheduled"]
    # The freed slot can be booked again; another trader cannot touch the case.
    r = inode.post(f"/inspections/{case_no}/booking", "other_trader", {"capacity_id": first["id"]})
    assert r.status_code == 404
    # Another terminal sees nothing of it either.
    r = inode.post(f"/inspections/{case_no}/booking", "PORT-SCT", {"capacity_id": first["id"]})
    assert r.status_code == 404


def test_no_show_reopens_the_case(inode: INode) -> None:
    inode.offer(first=2, hours=2, bays=1)
    case_no = inode.customs_orders(inode.submit())["case_no"]
    r = inode.post(f"/inspections/{case_no}/no-show", "PORT-YICT")
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "open"
    assert case["waiting_reason"] == "no_show"
    assert [b["status"] for b in case["bookings"]] == ["no_show"]
    # Not booked any more: a second no-show is refused; the trader books again.
    assert inode.post(f"/inspections/{case_no}/no-show", "PORT-YICT").status_code == 409
    slot = inode.get("/inspections/capacity", "trader", terminal="PORT-YICT", free_only=True)
    assert slot.status_code == 200, slot.text
    r = inode.post(
        f"/inspections/{case_no}/booking", "trader", {"capacity_id": slot.json()[-1]["id"]}
    )
    assert r.status_code == 200, r.text
    assert inode.case(case_no)["status"] == "booked"


def test_cancel_each_agency_withdraws(inode: INode) -> None:
    inode.offer(first=2, hours=1, bays=1)
    receipt = inode.submit(licences=True)
    case_no = inode.customs_orders(receipt)["case_no"]
    r = inode.post(
        "/inspections/orders",
        "LIC-GD",
        {"declaration_id": receipt["id"], "instructions": {"kind": "document"}},
    )
    assert r.status_code == 201, r.text
    r = inode.post(f"/inspections/{case_no}/cancel", "LIC-GD")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "booked"
    r = inode.post(f"/inspections/{case_no}/cancel", "CUS5300")
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "cancelled"
    assert [b["status"] for b in case["bookings"]] == ["cancelled"]
    agencies = {
        a["agency_code"]: a["status"]
        for a in inode.get(f"/declarations/{receipt['id']}", "trader").json()["agencies"]
    }
    assert agencies == {"CUS5300": "accepted", "LIC-GD": "pending"}
    assert inode.steps(inode.trader, case_no)[-3:] == ["withdrawn", "withdrawn", "cancelled"]
    # The slot is free again; a withdrawn agency is no longer part of the case.
    assert inode.post(f"/inspections/{case_no}/cancel", "CUS5300").status_code == 403


def test_partial_release_by_container(inode: INode) -> None:
    inode.offer(first=2, hours=1, bays=1)
    receipt = inode.submit()
    case_no = inode.customs_orders(receipt)["case_no"]
    assert inode.post(f"/inspections/{case_no}/positioned", "PORT-YICT").status_code == 200
    assert inode.post(f"/inspections/{case_no}/results", "CUS5300", {"result": "pass"}).is_success
    r = inode.post(f"/inspections/{case_no}/release", "CUS5300", {"containers": [BOXES[0]]})
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "partially_released"
    assert case["released_containers"] == [BOXES[0]]
    assert case["release_no"] is None
    # The released container may leave; the other may not.
    out = {"event": "gate_out", "container_no": BOXES[0], "declaration_id": receipt["id"]}
    assert inode.post("/port/events", "PORT-YICT", out).status_code == 201
    held = {"event": "gate_out", "container_no": BOXES[1], "declaration_id": receipt["id"]}
    assert inode.post("/port/events", "PORT-YICT", held).status_code == 409
    assert inode.case(case_no)["status"] == "partially_released"
    assert inode.messages("release_notice") == []
    r = inode.post(f"/inspections/{case_no}/release", "CUS5300", {"containers": [BOXES[1]]})
    assert r.json()["status"] == "released"
    assert r.json()["release_no"]
    assert len(inode.messages("release_notice")) == 1
    assert inode.post("/port/events", "PORT-YICT", held).status_code == 201
    assert inode.case(case_no)["status"] == "closed"


def test_escalation_once_per_overdue_order(inode: INode) -> None:
    receipt = inode.submit()
    case_no = inode.customs_orders(receipt)["case_no"]
    settings = inode.node.settings
    assert escalate_once(inode.node.db, settings) == 0
    later = clock.now() + timedelta(hours=settings.inspection_due_hours + 1)
    clock.set_clock(lambda: later)
    try:
        assert escalate_once(inode.node.db, settings) == 1
        assert escalate_once(inode.node.db, settings) == 0
    finally:
        clock.reset_clock()
    escalated = inode.messages("inspection_notice", step="escalated")
    assert sorted(m.recipient for m in escalated) == sorted(["CUS5300", settings.node_code])
    assert "escalated" not in inode.steps(inode.trader, case_no)
    order = inode.case(case_no, "CUS5300")["orders"][0]
    assert order["escalated_at"] is not None
    assert inode.count(InspectionBooking) == 0
