"""The platform operator's pages: node status, message monitor (dead letters and redrive),
parties and users, code tables and routing rules — in-process, on the demo node."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from singlewindow.audit.models import AuditEntry
from singlewindow.exchange import service as exchange
from singlewindow.exchange.channels.delivery import record_failures
from singlewindow.exchange.models import Message, RoutingRule, RoutingRuleChange
from singlewindow.identity.models import User
from singlewindow.kit import clock
from singlewindow.parties.models import Party
from singlewindow.standards.codes.models import CodeEntry, CodeTableVersion
from tests.portal.conftest import Portal

PAGES = (
    "/portal/operator",
    "/portal/operator/messages",
    "/portal/operator/parties",
    "/portal/operator/parties/new",
    "/portal/operator/code-tables",
    "/portal/operator/code-tables/trade_mode",
    "/portal/operator/routing",
    "/portal/operator/routing/new",
)


def dead_letter(portal: Portal, recipient: str = "MSA-GD") -> str:
    """An outbound message that failed every delivery attempt (the exchange's own steps)."""
    with portal.db.unit_of_work() as session:
        envelope = exchange.send(
            session,
            kind="status_notice",
            sender=portal.settings.node_code,
            recipient=recipient,
            correlation_id="corr-dead-1",
            payload={"note": "undeliverable"},
        )
    for _ in range(portal.settings.max_attempts):
        record_failures(portal.db, {envelope.id: "HTTP 500 from agency"}, portal.settings)
    return envelope.id


def message(portal: Portal, message_id: str) -> Message:
    with portal.db.read_only() as session:
        row = session.get(Message, message_id)
        assert row is not None
        session.expunge(row)
        return row


def soon(hours: int) -> str:
    """A ``datetime-local`` value ``hours`` from now, China time."""
    moment = clock.now().astimezone(clock.CHINA_TZ) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M")


def post(portal: Portal, client: TestClient, url: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.post(url, data={"csrf_token": portal.csrf(client), **data}, **kw)


def audit_count(portal: Portal, action: str) -> int:
    with portal.db.read_only() as session:
        return (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            )
            or 0
        )


def test_every_page_renders_for_the_operator_and_is_403_for_a_trader(portal: Portal) -> None:
    op = portal.client_for("demo.operator")
    trader = portal.client_for("demo.trader")
    for url in PAGES:
        r = op.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert "<main" in r.text
        assert "style=" not in r.text
        assert "<script>" not in r.text
        assert trader.get(url).status_code == 403, url
    # htmx asks for the content only
    r = op.get("/portal/operator", headers={"HX-Request": "true", "HX-Target": "main"})
    assert "<header" not in r.text
    assert "节点状态" in r.text


def test_node_status_shows_the_node_channels_and_a_backlog_chart(portal: Portal) -> None:
    dead_letter(portal)
    op = portal.client_for("demo.operator")
    r = op.get("/portal/operator")
    assert portal.settings.node_code in r.text
    assert "sqlite" in r.text
    assert "embedded" in r.text
    assert "MSA-GD" in r.text
    assert re.search(r'<canvas data-chart="[^"]*&#34;type&#34;: &#34;bar&#34;', r.text)
    # plan and remove a maintenance window (province operator)
    r = post(
        portal,
        op,
        "/portal/operator/maintenance",
        {
            "agency_code": "MSA-GD",
            "starts_at": soon(1),
            "ends_at": soon(3),
            "notice_zh": "系统升级",
            "notice_en": "Upgrade",
        },
    )
    assert r.status_code == 303, r.text[:1000]
    page = op.get("/portal/operator").text
    assert "系统升级" in page
    window = re.search(r'action="/portal/operator/maintenance/([^"/]+)/delete"', page)
    assert window is not None
    assert (
        post(portal, op, f"/portal/operator/maintenance/{window.group(1)}/delete", {}).status_code
        == 303
    )
    assert "系统升级" not in op.get("/portal/operator").text


def test_a_bad_maintenance_window_is_a_422_on_the_field(portal: Portal) -> None:
    op = portal.client_for("demo.operator")
    r = post(
        portal,
        op,
        "/portal/operator/maintenance",
        {
            "starts_at": "2099-01-01T10:00",
            "ends_at": "2099-01-01T08:00",
            "notice_zh": "x",
            "notice_en": "x",
        },
    )
    assert r.status_code == 422
    assert re.search(r'id="f-ends_at"[^>]*aria-invalid="true"', r.text)


def test_redrive_puts_a_dead_letter_back_in_the_queue_and_is_audited(portal: Portal) -> None:
    message_id = dead_letter(portal)
    assert message(portal, message_id).state == "dead"
    op = portal.client_for("demo.operator")
    page = op.get("/portal/operator/messages").text
    assert f'data-dead-letter="{message_id}"' in page
    assert "HTTP 500 from agency" in page
    before = audit_count(portal, "exchange.redriven")
    r = post(portal, op, f"/portal/operator/messages/{message_id}/redrive", {})
    assert r.status_code == 303
    row = message(portal, message_id)
    assert row.state == "pending"
    assert row.attempts == 0
    assert audit_count(portal, "exchange.redriven") == before + 1
    assert f'data-dead-letter="{message_id}"' not in op.get("/portal/operator/messages").text
    # a second redrive is a conflict, shown as a page, changing nothing
    assert (
        post(portal, op, f"/portal/operator/messages/{message_id}/redrive", {}).status_code == 409
    )


def test_redrive_through_htmx_answers_the_dead_letter_section(portal: Portal) -> None:
    first, second = dead_letter(portal), dead_letter(portal, "BIS-GD")
    op = portal.client_for("demo.operator")
    r = op.post(
        f"/portal/operator/messages/{first}/redrive",
        headers={
            "HX-Request": "true",
            "HX-Target": "dead-letters",
            "X-CSRF-Token": portal.csrf(op),
        },
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section class="card" id="dead-letters"')
    assert first not in r.text
    assert f'data-dead-letter="{second}"' in r.text


def test_redrive_needs_the_csrf_token(portal: Portal) -> None:
    message_id = dead_letter(portal)
    op = portal.client_for("demo.operator")
    assert op.post(f"/portal/operator/messages/{message_id}/redrive").status_code == 403
    assert message(portal, message_id).state == "dead"


def test_message_search_detail_and_log_verification(portal: Portal) -> None:
    message_id = dead_letter(portal)
    op = portal.client_for("demo.operator")
    link = f"/portal/operator/messages/{message_id}"

    def found(**params: str) -> str:
        page = op.get("/portal/operator/messages", params=params).text
        return page.split('id="search"', 1)[1]  # the results, not the dead letters above

    assert link in found(correlation_id="corr-dead-1")
    assert "status_notice" in found(correlation_id="corr-dead-1")
    assert link not in found(kind="status_notice", **{"from": "2099-01-01T00:00"})
    assert link not in found(kind="status_notice", to="2000-01-01T00:00")
    assert link in found(kind="status_notice", to="2099-01-01T00:00")
    assert link in found(id=message_id)
    assert link not in found(sender="nobody")
    detail = op.get(f"/portal/operator/messages/{message_id}")
    assert detail.status_code == 200
    assert message(portal, message_id).digest in detail.text
    assert "undeliverable" in detail.text
    assert op.get("/portal/operator/messages/not-an-id").status_code == 404
    r = op.get("/portal/operator/messages/verify", headers={"HX-Request": "true"})
    assert 'id="verify-result"' in r.text
    assert "报文日志完整" in r.text


def test_editing_a_rule_is_validated_and_recorded(portal: Portal) -> None:
    op = portal.client_for("demo.operator")
    with portal.db.read_only() as session:
        rule = session.scalars(
            select(RoutingRule).where(RoutingRule.name == "goods_declaration.licensing")
        ).one()
        rule_id, version = rule.id, rule.version
    form = op.get(f"/portal/operator/routing/{rule_id}/edit").text
    assert "/licences" in form
    base = {
        "name": "goods_declaration.licensing",
        "kind": "goods_declaration",
        "priority": "20",
        "condition": '{"op": "nonempty", "path": "/licences"}',
        "recipient_resolver": "fixed",
        "recipient_code": "LIC-GD",
        "projection": "/client_ref\n/head/trade_mode",
        "description": "minimised",
        "active": "1",
    }
    for bad, field in (
        ({"condition": '{"op": "bogus", "path": "/x"}'}, "f-condition"),
        ({"condition": "{not json"}, "f-condition"),
        ({"recipient_code": "NOBODY-XX"}, "f-recipient_code"),
    ):
        r = post(portal, op, f"/portal/operator/routing/{rule_id}", base | bad)
        assert r.status_code == 422, bad
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text), bad
    with portal.db.read_only() as session:
        unchanged = session.get(RoutingRule, rule_id)
        assert unchanged is not None
        assert unchanged.version == version
        assert len(unchanged.projection) > 2
    r = post(portal, op, f"/portal/operator/routing/{rule_id}", base)
    assert r.status_code == 303
    with portal.db.read_only() as session:
        changed = session.get(RoutingRule, rule_id)
        assert changed is not None
        assert changed.version == version + 1
        assert changed.projection == ["/client_ref", "/head/trade_mode"]
        changes = session.scalar(
            select(func.count())
            .select_from(RoutingRuleChange)
            .where(RoutingRuleChange.rule_id == rule_id)
        )
        assert changes == 2
    page = op.get(f"/portal/operator/routing/{rule_id}").text
    assert "demo" not in page or "update" in page
    assert "/head/trade_mode" in page
    assert audit_count(portal, "exchange.rule_changed") == 1
    # create, then deactivate
    r = post(portal, op, "/portal/operator/routing", base | {"name": "goods_declaration.copy"})
    assert r.status_code == 303
    new_id = r.headers["location"].split("/")[-1].split("?")[0]
    assert post(portal, op, f"/portal/operator/routing/{new_id}/deactivate", {}).status_code == 303
    with portal.db.read_only() as session:
        created = session.get(RoutingRule, new_id)
        assert created is not None
        assert created.active is False


def _versions(portal: Portal, table: str) -> list[tuple[str, int]]:
    with portal.db.read_only() as session:
        rows = session.execute(
            select(CodeTableVersion.version, func.count(CodeEntry.id))
            .outerjoin(CodeEntry, CodeEntry.version_id == CodeTableVersion.id)
            .where(CodeTableVersion.name == table)
            .group_by(CodeTableVersion.version)
        ).all()
        return sorted((r[0], int(r[1])) for r in rows)


def test_loading_a_code_table_file_stores_a_version_or_nothing(portal: Portal) -> None:
    op = portal.client_for("demo.operator")
    before = _versions(portal, "trade_mode")
    good = "code,name_zh,name_en\n0110,一般贸易,General trade\n9999,测试,Test\n"
    fields = {"table": "trade_mode", "version": "portal-1", "valid_from": "2099-01-01"}
    bad = "code,name_zh,name_en\n0110,一般贸易,General trade\n0110,重复,Duplicate\nAB,坏,Bad\n"
    r = post(
        portal,
        op,
        "/portal/operator/code-tables/load",
        fields | {"version": "portal-bad"},
        files={"file": ("trade_mode.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert "duplicate_code" in r.text or "重复" in r.text
    assert re.search(r'id="f-file"[^>]*aria-invalid="true"', r.text)
    assert _versions(portal, "trade_mode") == before
    r = post(
        portal,
        op,
        "/portal/operator/code-tables/load",
        fields,
        files={"file": ("trade_mode.csv", good.encode(), "text/csv")},
    )
    assert r.status_code == 303, r.text[:1000]
    assert _versions(portal, "trade_mode") == sorted([*before, ("portal-1", 2)])
    assert audit_count(portal, "standards.code_table_loaded") == 1
    # which version applies: today the shipped one, in 2099 the new one
    r = op.get("/portal/operator/code-tables", params={"table": "trade_mode", "on": "2099-06-01"})
    assert "portal-1" in r.text
    r = op.get("/portal/operator/code-tables/trade_mode", params={"on": "2099-06-01", "q": "9999"})
    assert "测试" in r.text


def test_creating_a_party_with_a_bad_uscc_is_a_422_on_the_field(portal: Portal) -> None:
    op = portal.client_for("demo.operator")
    r = post(
        portal,
        op,
        "/portal/operator/parties",
        {"kind": "enterprise", "name_zh": "坏企业", "uscc": "91440300MA5XXXXXXX"},
    )
    assert r.status_code == 422
    assert re.search(r'id="f-uscc"[^>]*aria-invalid="true"', r.text)
    assert "统一社会信用代码" in r.text
    with portal.db.read_only() as session:
        assert session.scalar(select(Party).where(Party.name_zh == "坏企业")) is None
    r = post(
        portal,
        op,
        "/portal/operator/parties",
        {"kind": "agency", "code": "CUS9900", "name_zh": "测试海关", "agency_type": "customs"},
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/portal/operator/parties/CUS9900")
    assert "测试海关" in op.get("/portal/operator/parties", params={"q": "测试"}).text


def test_creating_a_user_shows_the_temporary_password_and_seed_once(portal: Portal) -> None:
    op = portal.client_for("demo.operator")
    party = portal.users["demo.officer"].org_code
    r = post(
        portal,
        op,
        f"/portal/operator/parties/{party}/users",
        {"username": "new.officer", "display_name": "新关员", "roles": "agency_officer"},
    )
    assert r.status_code == 200, r.text[:1000]
    password = re.search(r'data-secret="password">([^<]+)<', r.text)
    seed = re.search(r'data-secret="totp">([^<]+)<', r.text)
    assert password is not None
    assert seed is not None
    assert r.headers["cache-control"] == "no-store"
    page = op.get(f"/portal/operator/parties/{party}").text
    assert "new.officer" in page
    assert password.group(1) not in page
    assert seed.group(1) not in page
    # a duplicate username is refused on the field
    r = post(
        portal,
        op,
        f"/portal/operator/parties/{party}/users",
        {"username": "new.officer", "roles": "agency_officer"},
    )
    assert r.status_code == 409
    assert re.search(r'id="f-username"[^>]*aria-invalid="true"', r.text)
    # a role the organisation kind may not hold is refused
    r = post(
        portal,
        op,
        f"/portal/operator/parties/{party}/users",
        {"username": "new.clerk", "roles": "declarant_clerk"},
    )
    assert r.status_code == 422
    # deactivate, activate, reset the password
    with portal.db.read_only() as session:
        user_id = session.scalars(select(User.id).where(User.username == "new.officer")).one()
    assert post(portal, op, f"/portal/operator/users/{user_id}/deactivate", {}).status_code == 303
    with portal.db.read_only() as session:
        row = session.get(User, user_id)
        assert row is not None
        assert row.active is False
    assert post(portal, op, f"/portal/operator/users/{user_id}/activate", {}).status_code == 303
    r = post(portal, op, f"/portal/operator/users/{user_id}/reset-password", {})
    assert r.status_code == 200
    assert 'data-secret="password"' in r.text
    assert audit_count(portal, "identity.user_changed") >= 4
