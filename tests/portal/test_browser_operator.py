"""An operator redrives a dead letter in the browser, on a whole node (issue 6).

The dead letter is made on the live node's own database with the exchange's functions: a
registered agency whose webhook points at a closed loopback port, a message to it, and
failed deliveries until it is dead (the node's channel worker fails it too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from singlewindow.demo.harness import NodeProcess
from singlewindow.devservers import free_port
from singlewindow.exchange import service as exchange
from singlewindow.exchange.channels.config import set_channel
from singlewindow.exchange.channels.delivery import record_failures
from singlewindow.exchange.models import Message
from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.db import Database
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import AgencyType, PartyIn, PartyKind

# One worker runs every browser test, module after module (each module has its own node).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENCY = "HOOK-TEST"


def make_dead_letter(node: NodeProcess) -> str:
    settings = node.settings()
    db = Database(settings.effective_database_url)
    try:
        with db.unit_of_work() as session:
            if parties.find_party(session, AGENCY) is None:
                parties.create_party(
                    session,
                    PartyIn(
                        kind=PartyKind.agency,
                        code=AGENCY,
                        name_zh="测试回调部门",
                        name_en="Webhook test agency",
                        agency_type=AgencyType.other,
                    ),
                )
            set_channel(
                session,
                AGENCY,
                kind="webhook",
                url=f"http://127.0.0.1:{free_port()}/closed",  # nothing listens there
                secret="browser-test-secret-0001",
                actor="test",
                exchange=settings.exchange,
            )
            envelope = exchange.send(
                session,
                kind="status_notice",
                sender=settings.node_code,
                recipient=AGENCY,
                correlation_id="browser-dead-letter",
                payload={"note": "an agency that cannot be reached"},
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            record_failures(db, {envelope.id: "connection refused"}, settings)
            with db.read_only() as session:
                row = session.get(Message, envelope.id)
                if row is not None and row.state == "dead":
                    return envelope.id
            time.sleep(0.05)
        raise AssertionError("the message did not become a dead letter")
    finally:
        db.dispose()


def test_operator_redrives_a_dead_letter(
    live_node: NodeProcess,
    signed_in_page: Callable[..., Any],
    screenshot: Callable[[Any, str], Any],
) -> None:
    from playwright.sync_api import expect

    message_id = make_dead_letter(live_node)
    page = signed_in_page("demo.operator")
    page.goto("/portal/operator/messages")
    row = page.locator(f'tr[data-dead-letter="{message_id}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("connection refused")
    expect(page.get_by_role("heading", name="报文监控")).to_be_visible()
    screenshot(page, "message-monitor")

    row.get_by_role("button", name="重投").click()
    expect(page.locator("#dead-letters [role=status]")).to_contain_text("已重新放入发送队列")
    expect(page.locator(f'tr[data-dead-letter="{message_id}"]')).to_have_count(0)
    assert page.url.endswith("/portal/operator/messages")  # htmx swapped the section only

    # Node status: plan maintenance for the agency now; continuity mode says so.
    page.goto("/portal/operator")
    expect(page.get_by_role("heading", name="节点状态", exact=True)).to_be_visible()
    now = datetime.now(CHINA_TZ)
    page.select_option("#f-agency_code", AGENCY)
    page.fill("#f-starts_at", (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-ends_at", (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-notice_zh", "回调接口升级")
    page.fill("#f-notice_en", "Webhook endpoint upgrade.")
    page.get_by_role("button", name="登记").click()
    expect(page.locator(".alert-warn")).to_contain_text("连续性模式")
    expect(page.locator(".alert-warn")).to_contain_text(AGENCY)
    expect(page.locator("#maintenance tbody")).to_contain_text("回调接口升级")
    expect(page.locator("canvas[data-chart]")).to_be_visible()
    page.wait_for_function("document.querySelector('canvas[data-chart]').dataset.drawn === '1'")
    screenshot(page, "node-status")
