"""The shell in a real browser: the login page in Chinese, htmx and the stylesheet load from
the node itself, and nothing is requested from another host."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from singlewindow.demo.harness import NodeProcess

# One worker runs every browser test, module after module (each module has its own node).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_login_page_loads_only_from_the_node(
    browser: Any, live_node: NodeProcess, screenshot: Any
) -> None:
    context = browser.new_context(base_url=live_node.base_url, locale="zh-CN")
    hosts: set[str] = set()
    page = context.new_page()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/portal/login")
    page.wait_for_load_state("networkidle")
    assert page.title().startswith("登录")
    assert page.evaluate("typeof window.htmx") == "object"  # served from /static/vendor
    assert page.evaluate("typeof window.Chart") == "function"
    assert hosts == {urlsplit(live_node.base_url).netloc}
    assert not errors, errors  # no CSP violation, no missing file
    # Keyboard: the username field has the focus; from the top, the skip link is the first
    # stop; every field is labelled.
    assert page.evaluate("document.activeElement.id") == "username"
    first = page.evaluate(
        "document.querySelector('a[href], button, input:not([type=hidden]), select, textarea')"
        ".className"
    )
    assert first == "skip-link"
    page.focus(".skip-link")
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0  # shown on the page once it has the focus
    assert page.get_by_label("用户名").count() == 1
    screenshot(page, "login")
    context.close()
