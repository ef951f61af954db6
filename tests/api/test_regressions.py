"""Each 5xx found while fuzzing the API, pinned as a 4xx with the bilingual error shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from singlewindow.demo.seed import TRADERS
from singlewindow.standards.documents.samples import sample_goods_declaration
from tests.api.conftest import ApiNode, assert_error_shape

MAX_EVENT_ID = 2**63 - 1


@pytest.fixture(scope="module")
def client(api_node: ApiNode) -> Iterator[TestClient]:
    with TestClient(api_node.app, raise_server_exceptions=False) as c:
        yield c


def _error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert_error_shape(body)
    error: dict[str, Any] = body["error"]
    return error


def _document(client_ref: str) -> dict[str, Any]:
    uscc, customs_code, name_zh, _en = TRADERS[0]
    doc: dict[str, Any] = sample_goods_declaration("I")
    doc["client_ref"] = client_ref
    doc["head"].update(
        trade_co_scc=uscc,
        trade_code=customs_code,
        trade_name=name_zh,
        agent_code_scc=uscc,
        agent_code=customs_code,
        agent_name=name_zh,
    )
    doc["licences"] = []
    return doc


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"client_ref": ' + b"9" * 5000 + b"}", id="integer-over-4300-digits"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="nested-arrays"),
        pytest.param(b'{"a":' * 3000 + b"1" + b"}" * 3000, id="nested-objects"),
    ],
)
def test_unparseable_json_declaration_is_400(
    client: TestClient, api_node: ApiNode, raw: bytes
) -> None:
    r = client.post(
        "/api/v1/declarations",
        content=raw,
        headers={**api_node.auth("trader"), "Content-Type": "application/json"},
    )
    assert _error(r, 400)["code"] == "malformed_json"


def test_container_goods_number_with_a_non_ascii_digit_is_a_finding(
    client: TestClient, api_node: ApiNode
) -> None:
    doc = _document("REG-GOODS-NO")
    doc["containers"] = [
        {"container_id": "CSQU3054383", "container_md": "L", "goods_no": "\u00b2,1", "lclflag": "0"}
    ]
    r = client.post("/api/v1/declarations", json=doc, headers=api_node.auth("trader"))
    assert r.status_code in (202, 422), r.text
    if r.status_code == 422:
        assert_error_shape(r.json())


@pytest.mark.parametrize(
    "expires_at",
    ["2030-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
def test_key_expiry_must_be_aware_and_in_range(
    client: TestClient, api_node: ApiNode, expires_at: str
) -> None:
    r = client.post(
        f"/api/v1/parties/{api_node.known['code']}/keys",
        json={"name": "x", "expires_at": expires_at},
        headers=api_node.auth("operator"),
    )
    assert [f["path"] for f in _error(r, 422)["findings"]] == ["/expires_at"]


def test_key_expiry_is_stored_in_utc(client: TestClient, api_node: ApiNode) -> None:
    r = client.post(
        f"/api/v1/parties/{api_node.known['code']}/keys",
        json={"name": "x", "expires_at": "2030-01-01T08:00:00+08:00"},
        headers=api_node.auth("operator"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["expires_at"] == "2030-01-01T00:00:00Z"


@pytest.mark.parametrize("url", ["http://[::1", "http://hook.example:99999/x", "http:///x"])
def test_unparseable_webhook_url_is_422(client: TestClient, api_node: ApiNode, url: str) -> None:
    r = client.put(
        f"/api/v1/exchange/channels/{api_node.known['recipient']}",
        json={"kind": "webhook", "url": url, "secret": "x" * 20},
        headers=api_node.auth("operator"),
    )
    assert [f["path"] for f in _error(r, 422)["findings"]] == ["/url"]


def test_event_ids_beyond_64_bits_are_refused(client: TestClient, api_node: ApiNode) -> None:
    auth = api_node.auth("trader")
    r = client.get(
        "/api/v1/exchange/events", params={"cursor": MAX_EVENT_ID + 1, "timeout": 1}, headers=auth
    )
    assert [f["path"] for f in _error(r, 422)["findings"]] == ["query:cursor"]
    for bad in (str(MAX_EVENT_ID + 1).encode(), b"\xb2"):  # b"\xb2" is "²" in Latin-1
        r = client.get(
            "/api/v1/exchange/events", params={"timeout": 1}, headers={**auth, "Last-Event-ID": bad}
        )
        assert _error(r, 400)["code"] == "bad_cursor"
    r = client.get(
        "/api/v1/exchange/events", params={"cursor": MAX_EVENT_ID, "timeout": 1}, headers=auth
    )
    assert r.status_code == 200


def test_rule_pointer_with_a_non_ascii_digit_does_not_break_routing(
    client: TestClient, api_node: ApiNode
) -> None:
    rule = {
        "name": "regression.superscript-index",
        "kind": "goods_declaration",
        "priority": 5,
        "condition": {"op": "eq", "path": "/lines/\u00b2/code_ts", "value": "1"},
        "recipient": {"resolver": "fixed", "code": "CUS5300"},
        "projection": ["/lines/\u00b2/g_no"],
    }
    op = api_node.auth("operator")
    created = client.post("/api/v1/exchange/rules", json=rule, headers=op)
    assert created.status_code in (201, 422), created.text
    try:
        r = client.post(
            "/api/v1/declarations", json=_document("REG-POINTER"), headers=api_node.auth("trader")
        )
        assert r.status_code == 202, r.text
    finally:
        if created.status_code == 201:
            client.post(f"/api/v1/exchange/rules/{created.json()['id']}/deactivate", headers=op)
