"""The trader's pages: dashboard, my declarations, clearance query, subscriptions, mandates.

Data is made through the JSON API with the demo traders' keys, as a trader's system would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from singlewindow.kit import clock
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.subscriptions.models import Subscription
from tests.portal.conftest import Portal


def _uscc(first17: str) -> str:
    from stdnum.cn import uscc

    return first17 + uscc.calc_check_digit(first17)


def document_of(trader: Any, ie_flag: str = "I") -> dict[str, Any]:
    """A valid sample declaration filed by a demo trader for itself."""
    doc = sample_goods_declaration(ie_flag, lines=1)
    head = doc["head"]
    head["trade_co_scc"] = head["agent_code_scc"] = trader.uscc
    head["trade_code"] = head["agent_code"] = trader.customs_code
    head["trade_name"] = head["agent_name"] = trader.name_zh
    return doc


def submit(
    portal: Portal, trader: int = 0, *, draft: bool = False, ie_flag: str = "I"
) -> dict[str, Any]:
    api = portal.client()
    r = api.post(
        "/api/v1/declarations" + ("?draft=true" if draft else ""),
        json=document_of(portal.traders[trader], ie_flag),
        headers={"Authorization": f"Bearer {portal.traders[trader].token}"},
    )
    assert r.status_code in (201, 202), r.text
    body: dict[str, Any] = r.json()
    return body


def stat(html: str, status: str) -> int:
    found = re.search(
        rf'data-status="{status}">\s*<a[^>]*>\s*<span class="stat-value">(\d+)</span>', html
    )
    assert found, status
    return int(found.group(1))


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)"', html)


def test_dashboard_counts_match_the_rows_and_draw_a_chart(portal: Portal) -> None:
    submitted = [submit(portal) for _ in range(2)]
    draft = submit(portal, draft=True)
    submit(portal, trader=1)  # another trader's: never counted
    c = portal.client_for("demo.trader")
    r = c.get("/portal/trader")
    assert r.status_code == 200
    html = r.text
    assert stat(html, "submitted") == 2
    assert stat(html, "draft") == 1
    assert stat(html, "released") == 0
    listed = rows_of(c.get("/portal/trader/declarations?status=submitted").text)
    assert sorted(listed) == sorted(s["id"] for s in submitted)
    # The chart: a Chart.js config in an escaped attribute, no inline script.
    canvas = re.search(r'<canvas id="status-chart" data-chart="([^"]+)"', html)
    assert canvas
    assert "&#34;doughnut&#34;" in canvas.group(1)
    assert "<script>" not in html
    # Needs action: the draft, with its edit link; latest declarations with badges.
    assert f"/portal/trader/declarations/{draft['id']}/edit" in html
    assert submitted[0]["unified_no"] in html
    assert 'class="badge badge-submitted"' in html


def test_list_filters_sort_and_cursor(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    made = [submit(portal, ie_flag="I") for _ in range(3)] + [submit(portal, ie_flag="E")]
    draft = submit(portal, draft=True, ie_flag="E")
    c = portal.client_for("demo.trader")
    everything = rows_of(c.get("/portal/trader/declarations").text)
    assert everything == [draft["id"]] + [m["id"] for m in reversed(made)]  # newest first
    assert rows_of(c.get("/portal/trader/declarations?sort=oldest").text)[0] == made[0]["id"]
    exports = rows_of(c.get("/portal/trader/declarations?ie_flag=E").text)
    assert exports == [draft["id"], made[3]["id"]]
    page = c.get("/portal/trader/declarations?status=draft").text
    assert f"/portal/trader/declarations/{draft['id']}/edit" in page
    # Number search: unified number exactly, client reference by prefix.
    by_no = rows_of(c.get(f"/portal/trader/declarations?q={made[1]['unified_no']}").text)
    assert by_no == [made[1]["id"]]
    ref = made[2]["client_ref"]
    assert rows_of(c.get(f"/portal/trader/declarations?q={ref}").text) == [made[2]["id"]]
    # Date range (China dates): today has them all, yesterday none.
    today = clock.today_china().isoformat()
    assert len(rows_of(c.get(f"/portal/trader/declarations?from={today}&to={today}").text)) == 5
    r = c.get("/portal/trader/declarations?from=2020-01-02&to=2020-01-01")
    assert r.status_code == 422
    assert 'id="to-error"' in r.text
    assert 'aria-invalid="true"' in r.text
    # The cursor: pages follow each other without overlap.
    from singlewindow.web.views import trader

    monkeypatch.setattr(trader, "PAGE_SIZE", 2)
    first = c.get("/portal/trader/declarations")
    assert rows_of(first.text) == everything[:2]
    next_url = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert next_url
    second = c.get(next_url.group(1).replace("&amp;", "&"))
    assert rows_of(second.text) == everything[2:4]
    assert "第一页" in second.text
    # htmx asks for the results only.
    part = c.get(
        "/portal/trader/declarations?ie_flag=E",
        headers={"HX-Request": "true", "HX-Target": "decl-results"},
    )
    assert "<html" not in part.text
    assert 'id="decl-results"' in part.text
    assert rows_of(part.text) == exports


def test_another_traders_declarations_never_appear(portal: Portal) -> None:
    mine = submit(portal)
    theirs = submit(portal, trader=1)
    c = portal.client_for("demo.trader")
    assert rows_of(c.get("/portal/trader/declarations").text) == [mine["id"]]
    assert rows_of(c.get(f"/portal/trader/declarations?q={theirs['unified_no']}").text) == []
    assert theirs["unified_no"] not in c.get("/portal/trader").text
    r = c.get(f"/portal/query?unified_no={theirs['unified_no']}")
    assert r.status_code == 200
    assert 'class="card chain"' not in r.text


def test_query_by_unified_number_shows_the_chain(portal: Portal) -> None:
    made = submit(portal)
    c = portal.client_for("demo.trader")
    r = c.get(f"/portal/query?unified_no={made['unified_no']}")
    assert r.status_code == 200
    assert f'data-unified-no="{made["unified_no"]}"' in r.text
    for step in (
        "船舶动态",
        "舱单与到货",
        "报关单申报",
        "各部门审核",
        "联合查验",
        "放行",
        "码头提离",
    ):
        assert step in r.text
    assert 'class="timeline"' in r.text
    # The CSV export link works with the session cookie.
    csv_url = re.search(r'href="(/api/v1/query/clearance\.csv\?[^"]+)"', r.text)
    assert csv_url
    exported = c.get(csv_url.group(1).replace("&amp;", "&"))
    assert exported.status_code == 200
    assert made["unified_no"] in exported.text


def test_bad_query_is_a_422_naming_the_field(portal: Portal) -> None:
    c = portal.client_for("demo.trader")
    r = c.get("/portal/query?vessel=COSCO+SHIPPING+ARIES")
    assert r.status_code == 422
    assert 'id="voyage-error"' in r.text
    assert re.search(r'name="voyage"[^>]*aria-invalid="true"', r.text)
    assert "按船舶查询时必须给出航次" in r.text
    r = c.get("/portal/query?container_no=MSKU1234560")
    assert r.status_code == 422
    assert 'id="container_no-error"' in r.text
    r = c.get("/portal/query?unified_no=" + "9" * 19)
    assert r.status_code == 422
    assert 'id="unified_no-error"' in r.text


def test_query_page_is_open_to_agencies_too(portal: Portal) -> None:
    c = portal.client_for("demo.officer")
    r = c.get("/portal/query")
    assert r.status_code == 200
    assert "通关信息查询" in r.text


def test_subscription_create_delete_and_allow_list(portal: Portal) -> None:
    c = portal.client_for("demo.trader")
    csrf = portal.csrf(c)
    assert "还没有订阅" in c.get("/portal/trader/subscriptions").text
    # An SSE subscription: redirect after post, then listed.
    r = c.post(
        "/portal/trader/subscriptions",
        data={"csrf_token": csrf, "delivery": "sse", "types": "cn.gd.singlewindow.inspection.*"},
    )
    assert r.status_code == 303
    sub_id = r.headers["location"].split("created=")[1]
    page = c.get(r.headers["location"]).text
    assert f'data-id="{sub_id}"' in page
    assert "inspection.*" in page
    # A webhook outside the allow-list: 422 with the finding on the URL field, nothing stored.
    portal.settings.webhook_allowed_hosts = ["hooks.example.cn"]
    r = c.post(
        "/portal/trader/subscriptions",
        data={"csrf_token": csrf, "delivery": "webhook", "url": "https://evil.example.com/h"},
    )
    assert r.status_code == 422
    assert 'id="url-error"' in r.text
    assert re.search(r'id="url"[^>]*aria-invalid="true"', r.text)
    assert "https://evil.example.com/h" in r.text  # the form keeps what was typed
    # An allowed webhook: the generated secret is shown once.
    r = c.post(
        "/portal/trader/subscriptions",
        data={"csrf_token": csrf, "delivery": "webhook", "url": "https://hooks.example.cn/sw"},
    )
    assert r.status_code == 201
    assert 'id="new-secret"' in r.text
    with portal.db.read_only() as session:
        rows = session.query(Subscription).filter(Subscription.status != "deleted").all()
        assert sorted(s.delivery for s in rows) == ["sse", "webhook"]
    # Delete; another party's (or unknown) subscription is a 404 naming nothing.
    r = c.post(f"/portal/trader/subscriptions/{sub_id}/delete", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert f'data-id="{sub_id}"' not in c.get("/portal/trader/subscriptions").text
    r = c.post(f"/portal/trader/subscriptions/{sub_id}/resume", data={"csrf_token": csrf})
    assert r.status_code == 404
    assert "subscription_not_found" in r.text
    # Without the CSRF token nothing happens.
    r = c.post("/portal/trader/subscriptions", data={"delivery": "sse"})
    assert r.status_code == 403


def _broker(portal: Portal) -> str:
    code = _uscc("91440300MA5BRKX0C")
    with portal.db.unit_of_work() as session:
        parties.create_party(
            session, PartyIn(kind=PartyKind.broker, uscc=code, name_zh="深圳门户测试报关行")
        )
    return code


def test_mandate_grant_revoke_and_refusals(portal: Portal) -> None:
    broker = _broker(portal)
    c = portal.client_for("demo.trader")
    csrf = portal.csrf(c)
    page = c.get("/portal/trader/mandates").text
    assert "尚未委托任何报关企业" in page
    form = {
        "csrf_token": csrf,
        "agent_uscc": broker,
        "doc_types": "goods_declaration",
        "customs_districts": "5300",
        "valid_from": clock.today_china().isoformat(),
        "valid_to": clock.today_china().replace(year=clock.today_china().year + 1).isoformat(),
    }
    # Not a broker: 422 on the field.
    r = c.post("/portal/trader/mandates", data=form | {"agent_uscc": portal.traders[1].uscc})
    assert r.status_code == 422
    assert 'id="agent_uscc-error"' in r.text
    assert "not_a_broker" in r.text or "该代码没有对应的已登记报关企业" in r.text
    r = c.post("/portal/trader/mandates", data=form)
    assert r.status_code == 303, r.text
    page = c.get("/portal/trader/mandates").text
    mandate_id = re.search(r'<tr data-id="([^"]+)"', page)
    assert mandate_id
    assert broker in page
    assert "有效" in page
    # Another trader may not revoke it (not even see it): 404, unchanged.
    other = _other_trader_client(portal)
    r = other.post(
        f"/portal/trader/mandates/{mandate_id.group(1)}/revoke",
        data={"csrf_token": portal.csrf(other), "reason": "not mine"},
    )
    assert r.status_code == 404
    # A reason is required; then the grantor revokes.
    r = c.post(f"/portal/trader/mandates/{mandate_id.group(1)}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 422
    r = c.post(
        f"/portal/trader/mandates/{mandate_id.group(1)}/revoke",
        data={"csrf_token": csrf, "reason": "contract ended"},
    )
    assert r.status_code == 303
    page = c.get("/portal/trader/mandates").text
    assert "已撤销" in page
    assert "contract ended" in page
    r = c.post(
        f"/portal/trader/mandates/{mandate_id.group(1)}/revoke",
        data={"csrf_token": csrf, "reason": "again"},
    )
    assert r.status_code == 409
    assert "already_revoked" in r.text


def _other_trader_client(portal: Portal) -> TestClient:
    """A signed-in user of the second demo trader (a declarant clerk only)."""
    from singlewindow.demo.users import DemoUser
    from singlewindow.identity import passwords
    from singlewindow.identity.models import User

    with portal.db.unit_of_work() as session:
        party = parties.find_party(session, portal.traders[1].code)
        assert party is not None
        session.add(
            User(
                username="other.clerk",
                party_id=party.id,
                display_name="Other clerk",
                password_hash=passwords.hash_password("Clerk-pass-2026!"),
                roles=["declarant_clerk"],
                must_change_password=False,
            )
        )
    portal.users["other.clerk"] = DemoUser(
        username="other.clerk",
        password="Clerk-pass-2026!",
        org_code=portal.traders[1].code,
        roles=("declarant_clerk",),
        display_name="Other clerk",
    )
    return portal.client_for("other.clerk")


def test_a_clerk_may_not_grant_and_other_areas_are_forbidden(portal: Portal) -> None:
    broker = _broker(portal)
    clerk = _other_trader_client(portal)
    page = clerk.get("/portal/trader/mandates").text
    assert "只有申报单位管理员可以新建委托" in page
    r = clerk.post(
        "/portal/trader/mandates",
        data={
            "csrf_token": portal.csrf(clerk),
            "agent_uscc": broker,
            "doc_types": "goods_declaration",
            "valid_from": "2026-01-01",
            "valid_to": "2099-01-01",
        },
    )
    assert r.status_code == 403
    assert "not_declarant_admin" in r.text
    officer = portal.client_for("demo.officer")
    for url in ("/portal/trader", "/portal/trader/mandates", "/portal/trader/subscriptions"):
        assert officer.get(url).status_code == 403
