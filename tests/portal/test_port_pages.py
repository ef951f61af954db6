"""The port operator's pages: capacity, bookings, release notices and the gate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from singlewindow.audit.models import AuditEntry
from singlewindow.inspection.models import InspectionBooking, InspectionCapacity, PortEvent
from singlewindow.kit import clock
from tests.portal.conftest import Portal
from tests.portal.test_agency_pages import post, submit

BOX = "MSKU1234565"  # ISO 6346 valid, the sample's first container


def tomorrow() -> str:
    return (clock.today_china() + timedelta(days=1)).isoformat()


def offer(portal: Portal, terminal: TestClient, **data: str) -> Any:
    form = {"day": tomorrow(), "first_hour": "9", "last_hour": "12", "bays": "2"} | data
    return post(portal, terminal, "/portal/port/capacity", form)


def decide(portal: Portal, officer: TestClient, declaration_id: str, *decisions: str) -> None:
    url = f"/portal/agency/declarations/{declaration_id}"
    page = officer.get(url).text
    entry_no = page.split('id="entry_no" name="entry_no" maxlength="18" value="')[1][:18]
    for decision in decisions:
        data = {"decision": decision, "entry_no": entry_no if decision == "accepted" else ""}
        r = post(portal, officer, url + "/decision", data)
        assert r.status_code == 303, r.text


def test_capacity_offer_list_remove_and_bad_input(portal: Portal) -> None:
    terminal = portal.client_for("demo.terminal")
    page = terminal.get("/portal/port/capacity")
    assert page.status_code == 200
    assert "尚未提供查验能力" in page.text  # the empty state says what to do
    r = offer(portal, terminal)
    assert r.status_code == 303
    assert r.headers["location"] == "/portal/port/capacity?saved=offered"
    page = terminal.get(r.headers["location"])
    assert "查验能力已保存" in page.text
    assert f"<h3>{tomorrow()}</h3>" in page.text  # slots listed by China business day
    assert page.text.count("btn btn-small btn-danger") == 3
    with portal.db.read_only() as session:
        slots = session.scalars(select(InspectionCapacity)).all()
        assert len(slots) == 3
        assert {s.bays for s in slots} == {2}
        assert session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "inspection.capacity_offered")
        )
    # Bad input: 422 naming the field, nothing stored.
    r = offer(portal, terminal, bays="0")
    assert r.status_code == 422
    assert 'id="bays"' in r.text
    assert 'id="err-bays"' in r.text
    r = offer(portal, terminal, first_hour="15", last_hour="12")
    assert r.status_code == 422
    assert 'id="err-last_hour"' in r.text
    r = offer(portal, terminal, day=(clock.today_china() - timedelta(days=3)).isoformat())
    assert r.status_code == 422
    assert 'id="err-first_hour"' in r.text  # the service's /starts_at finding: in the past
    # Remove one hour: it is no longer listed (and no bay is left in it).
    with portal.db.read_only() as session:
        first = session.scalars(
            select(InspectionCapacity).order_by(InspectionCapacity.starts_at)
        ).first()
        assert first is not None
        first_id = first.id
    r = post(portal, terminal, f"/portal/port/capacity/{first_id}/remove", {})
    assert r.status_code == 303
    page = terminal.get("/portal/port/capacity")
    assert f"/portal/port/capacity/{first_id}/remove" not in page.text
    with portal.db.read_only() as session:
        removed = session.get(InspectionCapacity, first_id)
        assert removed is not None
        assert removed.bays == 0
    # Another terminal's or an unknown slot: 404.
    assert post(portal, terminal, "/portal/port/capacity/nope/remove", {}).status_code == 404
    # Not a page for officers.
    assert portal.client_for("demo.officer").get("/portal/port/capacity").status_code == 403


def test_bookings_positioning_no_show_and_reschedule(portal: Portal) -> None:
    terminal = portal.client_for("demo.terminal")
    assert offer(portal, terminal).status_code == 303
    declaration_id = submit(portal)
    officer = portal.client_for("demo.officer")
    decide(portal, officer, declaration_id, "accepted")
    url = f"/portal/agency/declarations/{declaration_id}/inspection"
    assert post(portal, officer, url, {"kind": "physical"}).status_code == 303
    page = terminal.get("/portal/port/bookings")
    assert page.status_code == 200
    assert "MSKU1234565" in page.text
    case_no = page.text.split('id="case-')[1].split('"')[0]
    overview = terminal.get("/portal/port")
    assert overview.status_code == 200
    assert "码头概况" in overview.text
    # Reschedule to 10:00, then the containers do not come (no-show): the case waits.
    with portal.db.read_only() as session:
        ten = session.scalars(
            select(InspectionCapacity).order_by(InspectionCapacity.starts_at)
        ).all()[1]
        ten_id = ten.id
    r = post(portal, terminal, f"/portal/port/bookings/{case_no}/reschedule", {"capacity_id": ""})
    assert r.status_code == 422
    r = post(
        portal, terminal, f"/portal/port/bookings/{case_no}/reschedule", {"capacity_id": ten_id}
    )
    assert r.status_code == 303, r.text
    r = post(portal, terminal, f"/portal/port/bookings/{case_no}/no-show", {})
    assert r.status_code == 303
    with portal.db.read_only() as session:
        statuses = session.scalars(select(InspectionBooking.status)).all()
        assert sorted(statuses) == ["no_show", "rescheduled"]
    waiting_page = terminal.get("/portal/port/bookings").text
    assert "未按时移箱，待重新预约" in waiting_page
    # Positioning a case that is not booked is refused (409), nothing stored.
    r = post(portal, terminal, f"/portal/port/bookings/{case_no}/positioned", {})
    assert r.status_code == 409
    # The terminal books it again in a new slot; one container is positioned (a bad number
    # is a 422 naming ISO 6346).
    assert offer(portal, terminal, first_hour="13", last_hour="14").status_code == 303
    with portal.db.read_only() as session:
        one_pm = session.scalars(
            select(InspectionCapacity).order_by(InspectionCapacity.starts_at.desc())
        ).first()
        assert one_pm is not None
        one_pm_id = one_pm.id
    r = post(
        portal, terminal, f"/portal/port/bookings/{case_no}/reschedule", {"capacity_id": one_pm_id}
    )
    assert r.status_code == 303, r.text
    r = post(
        portal, terminal, f"/portal/port/bookings/{case_no}/positioned", {"containers": "BAD1"}
    )
    assert r.status_code == 422
    assert "ISO 6346" in r.text
    r = post(portal, terminal, f"/portal/port/bookings/{case_no}/positioned", {"containers": BOX})
    assert r.status_code == 303, r.text
    with portal.db.read_only() as session:
        current = session.scalar(
            select(InspectionBooking).where(InspectionBooking.status == "done")
        )
        assert current is not None
        assert current.positioned_containers == [BOX]


def test_gate_out_before_release_is_409_then_allowed(portal: Portal) -> None:
    declaration_id = submit(portal)
    terminal = portal.client_for("demo.terminal")
    assert terminal.get("/portal/port/gate").status_code == 200
    bill = "HPBL0000000002"
    # Not an ISO 6346 number: 422 on the container field.
    r = post(
        portal, terminal, "/portal/port/gate",
        {"event": "gate_in", "container_no": "MSKU1234560", "bill_no": bill},
    )  # fmt: skip
    assert r.status_code == 422
    assert 'id="err-container_no"' in r.text
    r = post(
        portal, terminal, "/portal/port/gate",
        {"event": "gate_out", "container_no": BOX, "bill_no": bill},
    )  # fmt: skip
    assert r.status_code == 409
    assert "not_released" in r.text
    with portal.db.read_only() as session:
        assert session.scalar(select(PortEvent.id)) is None
    # Released by Huangpu customs: the release notice reaches the terminal, the box may leave.
    officer = portal.client_for("demo.officer")
    decide(portal, officer, declaration_id, "accepted", "released")
    releases = terminal.get("/portal/port/releases")
    assert releases.status_code == 200
    assert "RL" in releases.text
    assert bill in releases.text
    r = post(
        portal, terminal, "/portal/port/gate",
        {"event": "gate_out", "container_no": BOX, "bill_no": bill},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    page = terminal.get(r.headers["location"])
    assert "闸口事件已登记" in page.text
    assert BOX in page.text
    assert "今日放行" in terminal.get("/portal/port").text


def test_demo_capacity_is_offered_once_and_pages_speak_english(portal: Portal) -> None:
    from singlewindow.demo.portal_data import ensure_demo_capacity

    with portal.db.unit_of_work() as session:
        first = ensure_demo_capacity(session, node_code=portal.settings.node_code)
    with portal.db.unit_of_work() as session:
        again = ensure_demo_capacity(session, node_code=portal.settings.node_code)
    assert first >= 3 * 8  # the next three days, 09:00-17:00 China time
    assert again == 0
    terminal = portal.client_for("demo.terminal")
    terminal.cookies.set("sw_lang", "en")
    page = terminal.get("/portal/port/capacity")
    assert "Upcoming slots" in page.text
    assert f"{tomorrow()} 09:00 – 10:00" in page.text  # shown in China time
    for url in (
        "/portal/port",
        "/portal/port/bookings",
        "/portal/port/releases",
        "/portal/port/gate",
    ):
        r = terminal.get(url)
        assert r.status_code == 200, url
        assert 'lang="en"' in r.text
        assert "port." not in r.text.replace("/portal/port", "")  # no untranslated key
