"""Who sees a case and the port events; the direct decision route keeps the case in step."""

from __future__ import annotations

from tests.inspection.conftest import BOXES, SQLITE_ONLY, INode

pytestmark = SQLITE_ONLY


def test_who_sees_the_case_and_the_events(inode: INode) -> None:
    inode.offer(first=2, hours=1, bays=1)
    receipt = inode.submit()
    case_no = inode.customs_orders(receipt)["case_no"]
    for who in ("trader", "CUS5300", "PORT-YICT", "operator"):
        assert inode.get(f"/inspections/{case_no}", who).status_code == 200, who
        assert [c["case_no"] for c in inode.get("/inspections", who).json()["items"]] == [
            case_no
        ], who
    for who in ("other_trader", "CUS5100", "LIC-GD", "PORT-SCT"):
        assert inode.get(f"/inspections/{case_no}", who).status_code == 404, who
        assert inode.get("/inspections", who).json()["items"] == [], who
    # An agency outside the case: 403 not_in_case on actions.
    r = inode.post(f"/inspections/{case_no}/results", "CUS5100", {"result": "pass"})
    assert r.status_code == 403
    # The wrong roles are refused by the route's declaration.
    assert inode.post("/inspections/capacity", "trader", {}).status_code == 403
    assert inode.post(f"/inspections/{case_no}/positioned", "CUS5300").status_code == 403

    event = {"event": "gate_in", "container_no": BOXES[0], "declaration_id": receipt["id"]}
    assert inode.post("/port/events", "PORT-YICT", event).status_code == 201
    for who in ("PORT-YICT", "trader", "CUS5300", "operator"):
        items = inode.get("/port/events", who, container_no=BOXES[0]).json()["items"]
        assert [i["event"] for i in items] == ["gate_in"], who
    for who in ("other_trader", "CUS5100", "PORT-SCT"):
        assert inode.get("/port/events", who).json()["items"] == [], who
    # Another terminal may not report these goods.
    r = inode.post("/port/events", "PORT-SCT", event)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_terminal"


def test_direct_decisions_move_the_case(inode: INode) -> None:
    """Customs posting inspected / released on the decision route (as the simulator does)
    records a pass and releases its order: one release notice with the case's number."""
    receipt = inode.submit()
    case_no = inode.customs_orders(receipt)["case_no"]
    for decision in ("inspected", "released"):
        r = inode.node.decide("CUS5300", receipt["id"], decision)
        assert r.status_code == 200, r.text
    case = inode.case(case_no)
    assert case["status"] == "released"
    assert case["orders"][0]["result"] == "pass"
    (notice,) = inode.messages("release_notice")
    assert notice.payload["release_no"] == case["release_no"]
    assert inode.steps(inode.trader, case_no) == [
        "opened",
        "waiting",
        "result",
        "released",
        "release_notice",
    ]


def test_release_without_inspection_has_a_release_number(inode: INode) -> None:
    receipt = inode.submit()
    inode.accept(receipt)
    assert inode.node.decide("CUS5300", receipt["id"], "released").status_code == 200
    (notice,) = inode.messages("release_notice")
    assert notice.payload["release_no"].startswith("RL")
    gate = {"event": "gate_out", "container_no": BOXES[0], "declaration_id": receipt["id"]}
    assert inode.post("/port/events", "PORT-YICT", gate).status_code == 201
    chain = inode.get("/query/clearance", "trader", unified_no=receipt["unified_no"]).json()
    assert chain["items"][0]["inspections"] == []
    assert chain["items"][0]["gate_out"]["containers"][0]["container_no"] == BOXES[0]
