"""An agency officer decides a declaration from the worklist, and a terminal offers inspection
capacity — in a real browser against a whole node (simulated agencies decide for every agency
but Huangpu customs, whose officer is ``demo.officer``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from singlewindow.demo.harness import NodeProcess
from singlewindow.demo.portal_data import huangpu_document
from singlewindow.kit import clock

# One worker runs every browser test, module after module (each module has its own node).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_officer_claims_and_releases_then_terminal_offers_capacity(
    live_node: NodeProcess, signed_in_page: Any, screenshot: Any
) -> None:
    trader = live_node.traders[0]
    doc = huangpu_document(trader, 4, client_ref="BROWSER-HP-0004")
    r = httpx.post(
        f"{live_node.base_url}/api/v1/declarations",
        json=doc,
        headers={"Authorization": f"Bearer {trader.token}"},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    receipt = r.json()
    assert receipt["recipients"] == ["CUS5200"]
    unified_no = receipt["unified_no"]

    page = signed_in_page("demo.officer")
    errors = _console_errors(page)
    page.goto("/portal/agency")
    row = page.locator(f"tr[data-declaration='{receipt['id']}']")
    row.wait_for()
    assert unified_no in row.inner_text()
    assert "未认领" in row.inner_text()
    screenshot(page, "agency-worklist")

    page.get_by_role("link", name=unified_no).click()
    page.wait_for_url(f"**/portal/agency/declarations/{receipt['id']}")
    page.get_by_role("heading", name=f"报关单 {unified_no}").wait_for()
    # Claim (htmx posts, follows the redirect and swaps the main area).
    page.locator("#claim button[type=submit]").click()
    page.get_by_text("您已认领该报关单").wait_for()
    # Accept with the pre-filled customs entry number, then release with a reason.
    assert len(page.input_value("#entry_no")) == 18
    page.select_option("#decision", "accepted")
    page.get_by_role("button", name="提交处理决定").click()
    page.get_by_text("处理决定已提交").wait_for()
    assert "已受理" in page.locator(".page-head").inner_text()
    page.select_option("#decision", "released")
    page.get_by_label("Z99 其他").check()
    page.fill("#reason_text", "单证审核无误，准予放行")
    page.get_by_role("button", name="提交处理决定").click()
    page.locator(".page-head .badge-released").first.wait_for()
    assert "已放行" in page.locator(".page-head").inner_text()
    assert "放行通知" in page.locator(".timeline").inner_text()
    screenshot(page, "agency-decision")
    page.get_by_role("link", name="通关时效").click()
    page.get_by_role("heading", name="各环节用时").wait_for()
    screenshot(page, "agency-indicators")
    assert not errors, errors

    terminal = signed_in_page("demo.terminal")
    t_errors = _console_errors(terminal)
    terminal.goto("/portal/port/capacity")
    day = (clock.today_china() + timedelta(days=1)).isoformat()
    terminal.fill("#day", day)
    terminal.select_option("#first_hour", "9")
    terminal.select_option("#last_hour", "17")
    terminal.fill("#bays", "3")
    terminal.get_by_role("button", name="提供查验能力").click()
    terminal.get_by_text("查验能力已保存").wait_for()
    terminal.get_by_role("heading", name=day).wait_for()
    assert terminal.locator("table tbody tr").count() >= 8
    screenshot(terminal, "port-capacity")
    # The release notice reached the terminal with its release number.
    terminal.goto("/portal/port/releases")
    terminal.locator("table").get_by_text("RL", exact=False).first.wait_for()
    assert not t_errors, t_errors
