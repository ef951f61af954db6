"""The declaration form (generated from the definition), its pickers, checks, drafts, copy,
attachments, submission, and the declaration's status page — in-process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from singlewindow.declarations import attachments
from singlewindow.declarations.attachments import DeclarationAttachment
from singlewindow.declarations.models import Declaration
from singlewindow.standards.documents import get_document_type
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.web.forms.model import control_name, required_fields
from singlewindow.web.forms.values import from_document
from tests.portal.conftest import Portal

NEW = "/portal/trader/declarations/new"
GOODS = get_document_type("goods_declaration")


def _document(portal: Portal, **head: Any) -> dict[str, Any]:
    """A valid sample filed by the demo trader's enterprise (it is the consignee)."""
    trader = portal.traders[0]
    doc = sample_goods_declaration("I", lines=2)
    doc["head"] |= {
        "trade_co_scc": trader.uscc,
        "trade_code": trader.customs_code,
        "trade_name": trader.name_zh,
        **head,
    }
    return doc


def _form(portal: Portal, client: TestClient, doc: dict[str, Any], action: str) -> dict[str, str]:
    state = from_document(GOODS, doc)
    data = dict(state.values)
    for block, indices in state.indices.items():
        for index in indices:
            data[f"{block}.{index}.__item"] = "1"
    data["csrf_token"] = portal.csrf(client)
    data["action"] = action
    return data


def _count(portal: Portal) -> int:
    with portal.db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Declaration)) or 0)


def _submit(portal: Portal, client: TestClient, doc: dict[str, Any]) -> str:
    r = client.post(NEW, data=_form(portal, client, doc, "submit"))
    assert r.status_code == 303, r.text[:3000]
    match = re.fullmatch(
        r"/portal/trader/declarations/([0-9a-f-]{36})\?submitted=1", r.headers["location"]
    )
    assert match
    return match.group(1)


def test_the_form_has_every_required_field_of_the_definition(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    zh = client.get(NEW)
    client.cookies.set("sw_lang", "en")
    en = client.get(NEW)
    assert zh.status_code == 200
    assert en.status_code == 200
    for block, field in required_fields(GOODS):
        if block.repeated and block.min_occurs == 0:
            continue  # no item yet: the block's first item brings them (checked below)
        name = control_name(block, field, 0 if block.repeated else None)
        control = re.search(rf'<(input|select)[^>]*name="{re.escape(name)}"[^>]*>', zh.text)
        assert control, name
        assert "required" in control.group(0)
        assert field.label_zh in zh.text
        assert field.label_en in en.text
    head = GOODS.block("head")
    assert 'maxlength="70"' in re.search(r'<input[^>]*name="head.trade_name"[^>]*>', zh.text).group(
        0
    )  # type: ignore[union-attr]
    assert head.field("cut_mode").required == "import"
    assert "进口申报必填" in zh.text
    assert 'hx-get="/portal/codes/country?' in zh.text


def test_adding_an_item_brings_its_fields_and_stops_at_the_maximum(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    data = {"csrf_token": portal.csrf(client), "lines.0.__item": "1", "containers.0.__item": "1"}
    r = client.post(
        "/portal/trader/declarations/form/item?block=containers", data=data,
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert r.status_code == 200
    assert 'name="containers.1.container_id"' in r.text
    assert "<html" not in r.text
    full = {f"lines.{i}.__item": "1" for i in range(50)} | {"csrf_token": data["csrf_token"]}
    r = client.post(
        "/portal/trader/declarations/form/item?block=lines", data=full,
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert r.headers["HX-Retarget"] == "#msg-lines"
    assert "lines.50." not in r.text
    # Without JavaScript: the same as a form post that re-renders the form.
    r = client.post(NEW, data=data | {"action": "add:lines"})
    assert 'name="lines.1.g_no"' in r.text


def test_the_picker_finds_a_country_by_chinese_name_and_by_code(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    url = "/portal/codes/country"
    base = {"target": "f-head-trade_country", "field": "head.trade_country"}
    by_name = client.get(url, params=base | {"head.trade_country": "日本"})
    by_code = client.get(url, params=base | {"head.trade_country": "jp"})
    assert by_name.status_code == 200
    assert 'data-pick-value="JPN"' in by_name.text
    assert 'data-pick-target="f-head-trade_country"' in by_name.text
    assert 'data-pick-value="JPN"' in by_code.text
    none = client.get(url, params=base | {"q": "不存在的国家"})
    assert "data-pick-value" not in none.text


def test_validate_names_the_wrong_field_and_passes_the_sample(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    ok = client.post(NEW, data=_form(portal, client, _document(portal), "validate"))
    assert ok.status_code == 200, ok.text[:2000]
    assert "findings-summary" not in ok.text
    doc = _document(portal)
    doc["head"]["net_wt"] = str(float(doc["head"]["gross_wet"]) + 10)
    bad = client.post(
        NEW, data=_form(portal, client, doc, "validate"), headers={"HX-Request": "true"}
    )
    assert bad.status_code == 422
    assert "<html" not in bad.text  # htmx gets the form only
    net = re.search(r'<input[^>]*name="head.net_wt"[^>]*>', bad.text)
    assert net
    assert 'aria-invalid="true"' in net.group(0)
    assert 'id="f-head-net_wt-error"' in bad.text
    assert 'href="#f-head-net_wt"' in bad.text
    assert _count(portal) == 0


def test_submit_stores_once_and_a_bad_submit_stores_nothing(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    doc = _document(portal)
    bad = dict(doc, head=dict(doc["head"], trade_mode="99999"))
    r = client.post(NEW, data=_form(portal, client, bad, "submit"))
    assert r.status_code == 422
    assert re.search(r'<input[^>]*name="head.trade_mode"[^>]*aria-invalid="true"', r.text)
    assert doc["client_ref"] in r.text  # the values are kept
    assert _count(portal) == 0
    first = _submit(portal, client, doc)
    again = _submit(portal, client, doc)
    assert first == again
    assert _count(portal) == 1
    page = client.get(f"/portal/trader/declarations/{first}")
    assert "badge-submitted" in page.text


def test_a_draft_round_trip(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    doc = _document(portal)
    doc["head"].pop("mark_no")  # a draft may be incomplete
    r = client.post(NEW, data=_form(portal, client, doc, "save"))
    assert r.status_code == 303
    edit = r.headers["location"].split("?")[0]
    page = client.get(edit)
    assert page.status_code == 200
    assert doc["head"]["bill_no"] in page.text
    incomplete = client.post(edit, data=_form(portal, client, doc, "submit"))
    assert incomplete.status_code == 422
    assert re.search(r'<input[^>]*name="head.mark_no"[^>]*aria-invalid="true"', incomplete.text)
    doc["head"]["mark_no"] = "N/M"
    saved = client.post(edit, data=_form(portal, client, doc, "save"))
    assert saved.status_code == 303
    with portal.db.unit_of_work() as session:
        row = session.scalars(select(Declaration)).one()
        assert row.document["head"]["mark_no"] == "N/M"
        assert row.status == "draft"
    done = client.post(edit, data=_form(portal, client, doc, "submit"))
    assert done.status_code == 303
    assert _count(portal) == 1
    status = client.get(done.headers["location"])
    assert "badge-submitted" in status.text
    assert client.get(edit).status_code == 409  # no longer a draft


def test_copy_drops_numbers_and_dates(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    doc = _document(portal)
    first = _submit(portal, client, doc)
    r = client.get(NEW, params={"copy": first})
    assert r.status_code == 200
    assert doc["client_ref"] not in r.text
    assert doc["head"]["bill_no"] not in r.text
    assert doc["head"]["ie_date"] not in r.text
    assert doc["head"]["trade_name"] in r.text
    assert doc["lines"][0]["g_name"] in r.text


def test_attachments_upload_download_limit_and_owner_only(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = portal.client_for("demo.trader")
    declaration_id = _submit(portal, client, _document(portal))
    url = f"/portal/trader/declarations/{declaration_id}/attachments"
    pdf = b"%PDF-1.4 invoice"
    r = client.post(
        url, data={"csrf_token": portal.csrf(client)},
        files={"file": ("invoice.pdf", pdf, "application/pdf")},
    )  # fmt: skip
    assert r.status_code == 303
    page = client.get(f"/portal/trader/declarations/{declaration_id}")
    assert "invoice.pdf" in page.text
    with portal.db.unit_of_work() as session:
        row = session.scalars(select(DeclarationAttachment)).one()
        assert row.size == len(pdf)
        assert (portal.settings.data_dir / "attachments" / row.sha256[:2] / row.sha256).is_file()
    got = client.get(f"{url}/{row.id}")
    assert got.status_code == 200
    assert got.content == pdf
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 8)
    big = client.post(
        url, data={"csrf_token": portal.csrf(client)},
        files={"file": ("big.bin", b"x" * 9, "application/octet-stream")},
    )  # fmt: skip
    assert big.status_code == 413
    other = portal.client_for("demo.officer")
    assert other.get(f"{url}/{row.id}").status_code in (403, 404)
    broker = _other_trader(portal)
    assert broker.get(f"{url}/{row.id}").status_code == 404
    assert broker.get(f"/portal/trader/declarations/{declaration_id}").status_code == 404


def _other_trader(portal: Portal) -> TestClient:
    """A signed-in user of another enterprise (a second trader user)."""
    from singlewindow.identity.users import create_user

    trader = portal.traders[1]
    with portal.db.unit_of_work() as session:
        create_user(
            session,
            portal.settings,
            None,
            org_code=trader.code,
            username="other.trader",
            roles=("declarant_clerk",),
            display_name="Other",
            password="Other-Trader-2026",
            must_change_password=False,
        )
    c = portal.client()
    r = c.post("/portal/login", data={"username": "other.trader", "password": "Other-Trader-2026"})
    assert r.status_code == 303, r.text
    return c


def test_the_status_page_shows_the_timeline_and_withdraw(portal: Portal) -> None:
    client = portal.client_for("demo.trader")
    declaration_id = _submit(portal, client, _document(portal))
    page = client.get(f"/portal/trader/declarations/{declaration_id}")
    assert page.status_code == 200
    assert 'class="timeline"' in page.text
    assert "提交申报" in page.text
    assert "深圳海关" in page.text  # the agency by its name (CUS5300), its role in Chinese
    assert "<td>海关</td>" in page.text
    assert 'hx-trigger="every 5s"' in page.text
    part = client.get(f"/portal/trader/declarations/{declaration_id}/status")
    assert part.status_code == 200
    assert "<html" not in part.text
    r = client.post(
        f"/portal/trader/declarations/{declaration_id}/withdraw",
        data={"csrf_token": portal.csrf(client)},
    )
    assert r.status_code == 303
    page = client.get(f"/portal/trader/declarations/{declaration_id}")
    assert "badge-withdrawn" in page.text
    assert 'hx-trigger="every 5s"' not in page.text  # final: no more polling


def test_a_carrier_files_a_ship_report_through_its_generated_form(portal: Portal) -> None:
    """Reports and manifests have forms from their definitions too, and are filed through the
    same service as their API route (idempotent by client reference)."""
    from singlewindow.identity.users import create_user
    from singlewindow.standards.documents.transport_samples import sample_ship_report
    from singlewindow.transport.models import TransportReport

    with portal.db.unit_of_work() as session:
        create_user(
            session,
            portal.settings,
            None,
            org_code=portal.partners["carrier"].code,
            username="demo.agent",
            roles=["declarant_clerk"],
            password="Demo-Agent-2026!",
            must_change_password=False,
        )
    client = portal.client()
    r = client.post(
        "/portal/login", data={"username": "demo.agent", "password": "Demo-Agent-2026!"}
    )
    assert r.status_code == 303
    ship = get_document_type("ship_report")
    page = client.get(NEW, params={"type": "ship_report"})
    assert page.status_code == 200
    assert 'value="file"' in page.text  # filing, no drafts

    def form(doc: dict[str, Any]) -> dict[str, str]:
        state = from_document(ship, doc)
        data = dict(state.values)
        for block, indices in state.indices.items():
            for index in indices:
                data[f"{block}.{index}.__item"] = "1"
        return data | {"csrf_token": portal.csrf(client), "action": "file"}

    def reports() -> int:
        with portal.db.unit_of_work() as session:
            return int(session.scalar(select(func.count()).select_from(TransportReport)) or 0)

    doc = sample_ship_report()
    bad = form(doc) | {"voyage.port_of_call": "XX"}
    r = client.post(NEW, params={"type": "ship_report"}, data=bad)
    assert r.status_code == 422
    assert re.search(r'name="voyage\.port_of_call"[^>]*aria-invalid="true"', r.text)
    assert reports() == 0
    r = client.post(NEW, params={"type": "ship_report"}, data=form(doc))
    assert r.status_code == 201, r.text[:2000]
    assert "已提交并分送" in r.text
    assert reports() == 1
    again = client.post(NEW, params={"type": "ship_report"}, data=form(doc))
    assert again.status_code == 201
    assert reports() == 1  # the same client reference: the same report
    # A trader (an enterprise) is not a filer of ship reports: refused, nothing stored.
    trader = portal.client_for("demo.trader")
    data = form(doc) | {"csrf_token": portal.csrf(trader)}
    r = trader.post(NEW, params={"type": "ship_report"}, data=data)
    assert r.status_code == 403
    assert reports() == 1
