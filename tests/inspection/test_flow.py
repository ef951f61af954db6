"""Two agencies inspect one consignment: one case, one slot, one move, two results, one
release notice with its release number, gate-out — and every step told in order."""

from __future__ import annotations

from singlewindow.declarations.models import TimelineEvent
from singlewindow.inspection.models import InspectionBooking, InspectionCase, PortEvent
from tests.inspection.conftest import BOXES, INode


def test_two_agencies_one_case_one_release(inode: INode) -> None:
    slots = inode.offer(first=2, hours=3, bays=1)
    receipt = inode.submit(licences=True)  # routed to CUS5300 and LIC-GD
    did = receipt["id"]
    case = inode.customs_orders(receipt)
    case_no = case["case_no"]
    assert case_no.startswith("JI")
    assert case["status"] == "booked"
    assert case["terminal"] == "PORT-YICT"
    assert case["containers"] == BOXES
    assert case["booking"]["capacity_id"] == slots[0]["id"]  # the earliest free slot

    # Routed the declaration but not (yet) in the case, the licensing authority's clearance
    # query shows no inspection; customs, which ordered it, sees the case.
    def cases(who: str) -> list[str]:
        r = inode.get("/query/clearance", who, unified_no=receipt["unified_no"])
        assert r.status_code == 200, r.text
        return [c["case_no"] for c in r.json()["items"][0]["inspections"]]

    assert cases("LIC-GD") == []
    assert cases("CUS5300") == [case_no]

    # The licensing authority orders too (the inspections route): it joins the same case.
    r = inode.post(
        "/inspections/orders",
        "LIC-GD",
        {
            "declaration_id": did,
            "containers": [BOXES[0].lower()],
            "instructions": {"kind": "sampling", "notes": "take a sample"},
            "due_hours": 8,
        },
    )
    assert r.status_code == 201, r.text
    joined = r.json()
    assert joined["case_no"] == case_no
    assert cases("LIC-GD") == [case_no]
    assert [o["agency_code"] for o in joined["orders"]] == ["CUS5300", "LIC-GD"]
    assert {i["kind"] for i in joined["instructions"]} == {"physical", "sampling"}
    assert inode.count(InspectionCase) == 1
    assert inode.count(InspectionBooking) == 1
    status = inode.get(f"/declarations/{did}", "trader").json()
    agencies = {a["agency_code"]: a["status"] for a in status["agencies"]}
    assert agencies == {"CUS5300": "inspection_required", "LIC-GD": "inspection_required"}

    # One container move, two results.
    r = inode.post(f"/inspections/{case_no}/positioned", "PORT-YICT")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "positioned"
    for agency, result in (("CUS5300", "pass"), ("LIC-GD", "sample_taken")):
        r = inode.post(
            f"/inspections/{case_no}/results",
            agency,
            {
                "result": result,
                "notes": "ok",
                "attachments": [
                    {
                        "name": "photo.jpg",
                        "media_type": "image/jpeg",
                        "sha256": "a" * 64,
                        "size": 1024,
                    }
                ],
            },
        )
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "inspecting"

    # Customs releases first: nothing leaves yet, no release notice.
    r = inode.post(f"/inspections/{case_no}/release", "CUS5300")
    assert r.status_code == 200, r.text
    assert r.json()["release_no"] is None
    assert inode.messages("release_notice") == []
    r = inode.post(f"/inspections/{case_no}/release", "LIC-GD")
    assert r.status_code == 200, r.text
    released = r.json()
    release_no = released["release_no"]
    assert released["status"] == "released"
    assert release_no.startswith("RL")

    # One release notice, to the terminal, with the release number; the trader is told too.
    (notice,) = inode.messages("release_notice")
    assert notice.recipient == "PORT-YICT"
    assert notice.payload["release_no"] == release_no
    (told,) = inode.messages("declaration_status", inode.trader, status="released")
    assert told.payload["release_no"] == release_no
    assert inode.get(f"/declarations/{did}", "trader").json()["status"] == "released"

    # Gate-out of both containers (a batch) closes the case.
    r = inode.post(
        "/port/events",
        "PORT-YICT",
        {"events": [{"event": "gate_out", "container_no": c} for c in BOXES]},
    )
    assert r.status_code == 201, r.text
    assert inode.count(PortEvent) == 2
    closed = inode.case(case_no)
    assert closed["status"] == "closed"
    assert closed["gate_out_at"]

    expected = [
        "opened",
        "booked",
        "joined",
        "positioned",
        "result",
        "result",
        "released",
        "released",
        "release_notice",
        "gate_out",
        "gate_out",
        "closed",
    ]
    for who in (inode.trader, "PORT-YICT", "CUS5300"):
        assert inode.steps(who, case_no) == expected, who
    # LIC-GD joined after the first two steps.
    assert inode.steps("LIC-GD", case_no) == expected[2:]

    with inode.node.db.read_only() as session:
        from sqlalchemy import select

        events = list(
            session.scalars(
                select(TimelineEvent)
                .where(TimelineEvent.declaration_id == did)
                .order_by(TimelineEvent.at, TimelineEvent.id)
            )
        )
        session.expunge_all()
    names = [e.event for e in events]
    for name, count in (
        ("inspection_ordered", 2),
        ("inspection_booked", 1),
        ("inspection_positioned", 1),
        ("inspection_result", 2),
        ("inspection_released", 2),
        ("release_notice", 1),
        ("gate_out", 2),
    ):
        assert names.count(name) == count, (name, names)
    notice_event = next(e for e in events if e.event == "release_notice")
    assert notice_event.detail["release_no"] == release_no
    gates = [e.detail for e in events if e.event == "gate_out"]
    assert [g["all_out"] for g in gates] == [False, True]

    # The clearance query shows the case and the gate-out.
    r = inode.get("/query/clearance", "trader", unified_no=receipt["unified_no"])
    assert r.status_code == 200, r.text
    chain = r.json()["items"][0]
    assert [c["case_no"] for c in chain["inspections"]] == [case_no]
    assert chain["gate_out"]["containers"][-1]["container_no"] in BOXES
