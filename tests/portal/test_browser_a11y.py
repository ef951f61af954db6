"""Accessibility of the main pages, checked by axe-core (npm, a dev dependency) in Chromium:
WCAG 2 A and AA rules — labels, contrast, landmarks, names of links and buttons. A serious or
critical finding fails the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from singlewindow.demo.harness import NodeProcess

# One worker runs every browser test, module after module (each module has its own node).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("options => axe.run(document, options)", RULES)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core not installed: run `make setup`")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_pages_meet_wcag_aa(
    browser: Any, live_node: NodeProcess, signed_in_page: Any, lang: str
) -> None:
    found: dict[str, list[str]] = {}
    context = browser.new_context(base_url=live_node.base_url, bypass_csp=True)
    context.add_cookies([{"name": "sw_lang", "value": lang, "url": live_node.base_url}])
    anonymous = context.new_page()
    anonymous.goto("/portal/login")
    found["/portal/login"] = _violations(anonymous)
    context.close()
    for user, paths in (
        ("demo.trader", ("/portal/trader", "/portal/trader/declarations/new", "/portal/query")),
        ("demo.officer", ("/portal/agency", "/portal/agency/indicators")),
        ("demo.terminal", ("/portal/port/capacity",)),
        ("demo.operator", ("/portal/operator", "/portal/operator/messages")),
    ):
        page = signed_in_page(user, lang=lang, bypass_csp=True)
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found[path] = _violations(page)
    bad = {path: v for path, v in found.items() if v}
    assert not bad, bad
