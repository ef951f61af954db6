"""The trader's dashboard and the clearance query in headless Chromium, on a whole node
with simulated agencies: counts, the chart, the language switch, the chain of a declaration,
and screenshots at laptop and tablet size."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from singlewindow.demo.harness import NodeProcess
from singlewindow.standards.documents.samples import sample_goods_declaration

# One worker runs every browser test, module after module (each module has its own node).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _submit(node: NodeProcess, count: int) -> list[dict[str, Any]]:
    trader = node.traders[0]
    out = []
    with httpx.Client(base_url=node.base_url, timeout=30) as api:
        for i in range(count):
            doc = sample_goods_declaration("I" if i % 2 == 0 else "E", lines=2)
            head = doc["head"]
            head["trade_co_scc"] = head["agent_code_scc"] = trader.uscc
            head["trade_code"] = head["agent_code"] = trader.customs_code
            head["trade_name"] = head["agent_name"] = trader.name_zh
            r = api.post(
                "/api/v1/declarations",
                json=doc,
                headers={"Authorization": f"Bearer {trader.token}"},
            )
            assert r.status_code == 202, r.text
            out.append(r.json())
    return out


def _stat(page: Any, status: str) -> int:
    return int(page.locator(f'[data-status="{status}"] .stat-value').inner_text())


def test_dashboard_and_clearance_query(
    live_node: NodeProcess,
    signed_in_page: Callable[..., Any],
    screenshot: Callable[[Any, str], Any],
) -> None:
    made = _submit(live_node, 3)
    page = signed_in_page("demo.trader")
    page.goto("/portal/trader")
    page.wait_for_load_state("networkidle")

    # The tiles count the three declarations (whatever the agencies decided by now).
    total = int(page.locator("#total").inner_text())
    assert total == 3
    statuses = ("draft", "submitted", "accepted", "rejected", "inspection", "released")
    assert sum(_stat(page, s) for s in (*statuses, "cleared", "withdrawn")) == 3
    # Chart.js drew the doughnut (portal.js marks a drawn canvas).
    page.wait_for_selector("#status-chart[data-drawn='1']")
    box = page.locator("#status-chart").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert made[0]["unified_no"] in page.content()
    screenshot(page, "trader-dashboard")

    # English through the language links.
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Trader dashboard"
    assert page.get_by_role("heading", name="Needs your action").is_visible()

    # The clearance query: search a unified number, see its chain.
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Clearance query"
    ).click()
    page.wait_for_url(re.compile(r"/portal/query"))
    page.fill("#q-unified_no", made[1]["unified_no"])
    page.get_by_role("button", name="Search").click()
    chain = page.locator(f'article.chain[data-unified-no="{made[1]["unified_no"]}"]')
    chain.wait_for()
    for step in ("Ship call", "Declaration", "Agency decisions", "Release", "Gate-out"):
        assert chain.get_by_text(step, exact=True).first.is_visible()
    assert made[1]["unified_no"] in page.url  # the search is in the address (htmx push)
    screenshot(page, "clearance-query")

    # A bad query names the field.
    page.goto("/portal/query?vessel=COSCO+SHIPPING+ARIES")
    assert page.locator("#voyage-error").is_visible()
    assert page.locator("#q-voyage").get_attribute("aria-invalid") == "true"


def test_dashboard_on_a_tablet(
    live_node: NodeProcess,
    signed_in_page: Callable[..., Any],
    screenshot: Callable[[Any, str], Any],
) -> None:
    _submit(live_node, 1)  # on its own, too: at least one declaration to list
    page = signed_in_page("demo.trader", tablet=True)
    page.goto("/portal/trader")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "企业工作台"
    # Nothing wider than the screen but the tables' own scroll boxes.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024
    screenshot(page, "trader-dashboard-tablet")
    # My declarations: choosing a status filters in place (htmx) and keeps it in the address.
    page.goto("/portal/trader/declarations")
    page.select_option("#status", "draft")
    page.wait_for_url(re.compile(r"status=draft"))
    page.get_by_text("没有符合条件的申报").wait_for()
    page.select_option("#status", "")
    page.locator("#decl-results tbody tr").first.wait_for()


def test_subscriptions_and_mandates_pages(
    live_node: NodeProcess,
    signed_in_page: Callable[..., Any],
    screenshot: Callable[[Any, str], Any],
) -> None:
    page = signed_in_page("demo.trader")
    page.goto("/portal/trader/subscriptions")
    # An SSE subscription through the form (htmx swaps the page in place).
    page.check("#delivery-sse")
    page.get_by_label("查验通知（预约、结果、放行）").check()
    page.get_by_role("button", name="创建订阅").click()
    page.get_by_text("订阅已创建。").wait_for()
    assert page.locator("#subs-list ~ .table-wrap tbody tr").count() >= 1
    # A webhook with a malformed URL: the finding sits next to the field.
    page.check("#delivery-webhook")
    page.fill("#url", "ftp://example.cn/hook")
    page.get_by_role("button", name="创建订阅").click()
    page.locator("#url-error").wait_for()
    assert page.locator("#url").get_attribute("aria-invalid") == "true"
    screenshot(page, "trader-subscriptions")
    page.goto("/portal/trader/mandates")
    assert page.locator("h1").inner_text() == "委托管理"
    screenshot(page, "trader-mandates")
