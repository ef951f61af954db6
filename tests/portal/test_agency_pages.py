"""The agency officer's pages: worklist, claims, decisions, inspection order and result."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from singlewindow.agencies.worklist import WorklistClaim
from singlewindow.audit.models import AuditEntry
from singlewindow.declarations.models import AgencyStatus, Declaration
from singlewindow.demo.portal_data import huangpu_document
from singlewindow.demo.users import DemoUser
from singlewindow.identity import totp
from singlewindow.identity.roles import Role
from singlewindow.identity.users import create_user
from singlewindow.inspection.models import InspectionCase, InspectionOrder
from tests.portal.conftest import Portal


def submit(portal: Portal, index: int = 2, **head: Any) -> str:
    """A Huangpu declaration (routed to CUS5200) filed by the demo trader through the API."""
    trader = portal.traders[0]
    doc = huangpu_document(trader, index, client_ref=f"PORTAL-AG-{index:04d}")
    doc["head"] |= head
    api = portal.client()
    r = api.post(
        "/api/v1/declarations", json=doc, headers={"Authorization": f"Bearer {trader.token}"}
    )
    assert r.status_code == 202, r.text
    assert "CUS5200" in r.json()["recipients"]
    return str(r.json()["id"])


def agency_status(portal: Portal, declaration_id: str, agency: str = "CUS5200") -> str:
    with portal.db.read_only() as session:
        row = session.scalar(
            select(AgencyStatus).where(
                AgencyStatus.declaration_id == declaration_id, AgencyStatus.agency_code == agency
            )
        )
        assert row is not None
        return row.status


def officer(portal: Portal, username: str, org: str, name: str) -> TestClient:
    """Another agency officer (with TOTP, as every officer), signed in."""
    password = f"{username.title()}-Pass-2026!"
    with portal.db.unit_of_work() as session:
        user, _ = create_user(
            session,
            portal.settings,
            None,
            org_code=org,
            username=username,
            roles=[Role.agency_officer.value],
            display_name=name,
            password=password,
            must_change_password=False,
        )
        assert user.totp_secret is not None
        secret = totp.decrypt_seed(user.totp_secret, user.id, portal.settings)
    portal.users[username] = DemoUser(
        username, password, org, (Role.agency_officer.value,), name, secret
    )
    return portal.client_for(username)


def post(portal: Portal, client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={"csrf_token": portal.csrf(client), **data})


def test_worklist_lists_routed_declarations_for_the_officer_only(portal: Portal) -> None:
    declaration_id = submit(portal)
    li = portal.client_for("demo.officer")
    page = li.get("/portal/agency")
    assert page.status_code == 200
    assert f"/portal/agency/declarations/{declaration_id}" in page.text
    assert "待办工作" in page.text
    # Filters: export only hides this import; unclaimed shows it; a bad date is a 422 page.
    assert declaration_id not in li.get("/portal/agency?ie=E").text
    assert declaration_id in li.get("/portal/agency?claim=unclaimed&sort=newest").text
    assert li.get("/portal/agency?from=2026-13-40").status_code == 422
    # htmx asks for the main area only.
    fragment = li.get("/portal/agency?ie=I", headers={"HX-Request": "true", "HX-Target": "main"})
    assert "<html" not in fragment.text
    assert declaration_id in fragment.text
    # Another agency's page does not show it and its URL is a 404.
    other = officer(portal, "sz.officer", "CUS5300", "深圳关员 Shenzhen")
    assert declaration_id not in other.get("/portal/agency").text
    assert other.get(f"/portal/agency/declarations/{declaration_id}").status_code == 404
    # A trader may not open the agency's pages.
    assert portal.client_for("demo.trader").get("/portal/agency").status_code == 403


def test_claim_release_and_the_409_naming_the_holder(portal: Portal) -> None:
    declaration_id = submit(portal)
    li = portal.client_for("demo.officer")
    r = post(portal, li, f"/portal/agency/declarations/{declaration_id}/claim", {})
    assert r.status_code == 303
    with portal.db.read_only() as session:
        claims = session.scalars(select(WorklistClaim)).all()
        assert [c.declaration_id for c in claims] == [declaration_id]
        audited = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == declaration_id)
        ).all()
        assert "agency.worklist_claimed" in audited
    assert "李关员" in li.get("/portal/agency?claim=mine").text
    colleague = officer(portal, "officer.two", "CUS5200", "张关员 Zhang")
    r = post(portal, colleague, f"/portal/agency/declarations/{declaration_id}/claim", {})
    assert r.status_code == 409
    assert "李关员 Li" in r.text
    # Deciding a colleague's declaration is refused the same way, and changes nothing.
    r = post(
        portal,
        colleague,
        f"/portal/agency/declarations/{declaration_id}/decision",
        {"decision": "received"},
    )
    assert r.status_code == 409
    assert agency_status(portal, declaration_id) == "pending"
    # Only the holder releases; then the colleague may claim.
    r = post(portal, colleague, f"/portal/agency/declarations/{declaration_id}/unclaim", {})
    assert r.status_code == 403
    r = post(portal, li, f"/portal/agency/declarations/{declaration_id}/unclaim", {})
    assert r.status_code == 303
    r = post(portal, colleague, f"/portal/agency/declarations/{declaration_id}/claim", {})
    assert r.status_code == 303
    with portal.db.read_only() as session:
        claim = session.scalar(select(WorklistClaim))
        assert claim is not None
        assert claim.user_name == "张关员 Zhang"


def test_decisions_from_the_page_and_an_illegal_transition(portal: Portal) -> None:
    declaration_id = submit(portal)
    li = portal.client_for("demo.officer")
    page = li.get(f"/portal/agency/declarations/{declaration_id}")
    assert page.status_code == 200
    assert "申报要素不全" in page.text  # the reason-code table
    assert "MSKU" in page.text  # the projection's containers
    url = f"/portal/agency/declarations/{declaration_id}/decision"
    # Rejecting without a reason: 422 on the form, nothing stored.
    r = post(portal, li, url, {"decision": "rejected"})
    assert r.status_code == 422
    assert 'aria-invalid="true"' in r.text or "原因" in r.text
    assert agency_status(portal, declaration_id) == "pending"
    # An unknown reason code is refused too.
    r = post(portal, li, url, {"decision": "rejected", "reasons": ["X99"]})
    assert r.status_code == 422
    # Accept with the pre-filled entry number, then release.
    entry_no = page.text.split('id="entry_no" name="entry_no" maxlength="18" value="')[1][:18]
    r = post(portal, li, url, {"decision": "accepted", "entry_no": entry_no})
    assert r.status_code == 303, r.text
    assert agency_status(portal, declaration_id) == "accepted"
    r = post(portal, li, url, {"decision": "released", "reasons": ["L01"], "note": "ok"})
    assert r.status_code == 303
    assert agency_status(portal, declaration_id) == "released"
    with portal.db.read_only() as session:
        declaration = session.get(Declaration, declaration_id)
        assert declaration is not None
        assert declaration.status == "released"
        assert declaration.entry_no == entry_no
    # Accepting a released declaration: the 409 page, nothing changed.
    r = post(portal, li, url, {"decision": "accepted"})
    assert r.status_code == 409
    assert "illegal_transition" in r.text
    assert agency_status(portal, declaration_id) == "released"
    shown = li.get(f"/portal/agency/declarations/{declaration_id}?decided=released")
    assert "处理决定已提交" in shown.text


def test_inspection_order_positioning_and_result(portal: Portal) -> None:
    declaration_id = submit(portal)
    li = portal.client_for("demo.officer")
    url = f"/portal/agency/declarations/{declaration_id}"
    page = li.get(url)
    entry_no = page.text.split('id="entry_no" name="entry_no" maxlength="18" value="')[1][:18]
    assert (
        post(
            portal, li, url + "/decision", {"decision": "accepted", "entry_no": entry_no}
        ).status_code
        == 303
    )
    # The terminal offers capacity so that the case is booked at once.
    terminal = portal.client_for("demo.terminal")
    r = post(
        portal,
        terminal,
        "/portal/port/capacity",
        {"day": _tomorrow(), "first_hour": "9", "last_hour": "11", "bays": "2"},
    )
    assert r.status_code == 303, r.text
    # A bad order (no kind, due hours out of range) is a 422 with the fields named.
    r = post(portal, li, url + "/inspection", {"kind": "", "due_hours": "9999"})
    assert r.status_code == 422
    assert 'id="err-kind"' in r.text
    assert 'id="err-due_hours"' in r.text
    r = post(portal, li, url + "/inspection", {"kind": "machine", "notes": "扫描"})
    assert r.status_code == 303, r.text
    assert agency_status(portal, declaration_id) == "inspection_required"
    with portal.db.read_only() as session:
        case = session.scalar(select(InspectionCase))
        assert case is not None
        assert case.terminal == "PORT-YICT"
        assert case.status == "booked"
        case_no = case.case_no
    listing = li.get("/portal/agency/inspections")
    assert case_no in listing.text
    # A result before positioning is refused (409) and nothing is stored.
    r = post(portal, li, f"/portal/agency/inspections/{case_no}/result", {"result": "pass"})
    assert r.status_code == 409
    # The terminal positions the containers from its bookings page.
    r = post(portal, terminal, f"/portal/port/bookings/{case_no}/positioned", {})
    assert r.status_code == 303, r.text
    r = post(
        portal,
        li,
        f"/portal/agency/inspections/{case_no}/result",
        {"result": "pass", "notes": "查验无异常"},
    )
    assert r.status_code == 303, r.text
    with portal.db.read_only() as session:
        order = session.scalar(select(InspectionOrder))
        assert order is not None
        assert order.result == "pass"
    assert agency_status(portal, declaration_id) == "inspected"
    r = post(portal, li, f"/portal/agency/inspections/{case_no}/release", {})
    assert r.status_code == 303
    assert agency_status(portal, declaration_id) == "released"
    assert "RL" in li.get("/portal/agency/inspections").text


def test_indicators_page_shows_todays_counts_and_segments(portal: Portal) -> None:
    submit(portal)
    li = portal.client_for("demo.officer")
    r = li.get("/portal/agency/indicators")
    assert r.status_code == 200
    assert "通关时效" in r.text
    assert "分送→部门首次处理" in r.text  # the agency's own TRS segment
    assert li.get("/portal/agency/indicators?from=bad").status_code == 422


def _tomorrow() -> str:
    from datetime import timedelta

    from singlewindow.kit import clock

    return (clock.today_china() + timedelta(days=1)).isoformat()


def test_agency_pages_in_english_without_untranslated_keys(portal: Portal) -> None:
    declaration_id = submit(portal)
    li = portal.client_for("demo.officer")
    li.cookies.set("sw_lang", "en")
    for url in (
        "/portal/agency",
        f"/portal/agency/declarations/{declaration_id}",
        "/portal/agency/inspections",
        "/portal/agency/indicators",
    ):
        r = li.get(url)
        assert r.status_code == 200, url
        untranslated = re.findall(r"agency\.[a-z_]+", r.text.replace("/portal/agency", ""))
        assert not untranslated, (url, untranslated)
    assert "Routed declarations" in li.get("/portal/agency").text
