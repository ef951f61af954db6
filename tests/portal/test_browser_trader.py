"""A trader fills the goods declaration form in a real browser, corrects a validation error,
submits it and sees the simulated agencies release it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from singlewindow.standards.documents import get_document_type
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.web.forms.values import from_document

# One worker runs every browser test, module after module (each module has its own node).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

GOODS = get_document_type("goods_declaration")
# Filled from the signed-in user's enterprise, or through the picker, or left to the test.
SKIP = {"head.trade_co_scc", "head.trade_code", "head.trade_name", "head.trade_country"}


def _fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        if name in SKIP:
            continue
        control = page.locator(f'[name="{name}"]')
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def test_trader_files_a_declaration_and_sees_it_released(
    signed_in_page: Any, screenshot: Any
) -> None:
    doc = sample_goods_declaration("I", lines=1)
    doc.pop("licences")
    doc.pop("attachments")
    state = from_document(GOODS, doc)
    page = signed_in_page("demo.trader")
    page.goto("/portal/trader/declarations/new")
    page.locator("#f-client_ref").fill(doc["client_ref"])
    page.get_by_role("button", name=re.compile("添加 集装箱")).click()
    page.locator('[name="containers.0.container_id"]').wait_for()
    gross = Decimal(doc["head"]["gross_wet"])
    _fill(page, state.values | {"head.net_wt": str(gross + 100)})  # net > gross: an error

    # A code from the picker, searched by its Chinese name.
    picker = page.locator("#f-head-trade_country")
    picker.fill("日本")
    page.locator('#f-head-trade_country-options [data-pick-value="JPN"]').click()
    assert picker.input_value() == "JPN"

    page.get_by_role("button", name="检查").click()
    error = page.locator("#f-head-net_wt-error")
    error.wait_for()
    assert page.locator("#f-head-net_wt").get_attribute("aria-invalid") == "true"
    assert "净重" in page.locator("#findings-summary").inner_text()
    screenshot(page, "declaration-form-error")

    page.locator("#f-head-net_wt").fill(doc["head"]["net_wt"])
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_url(re.compile(r"/portal/trader/declarations/[0-9a-f-]{36}\?submitted=1"))
    assert page.locator("h1").inner_text().startswith("报关单状态")
    page.locator("#status-part .badge-released").first.wait_for(timeout=60_000)
    assert "已放行" in page.locator("#status-part").inner_text()
    release_no = page.locator("#release-no").inner_text()
    assert release_no.strip()
    screenshot(page, "declaration-status")
