"""The published document types through the HTTP API."""

from __future__ import annotations

import jsonschema
import pytest
from fastapi.testclient import TestClient

from singlewindow.standards.documents.dictionary import data_dictionary
from singlewindow.standards.documents.samples import sample_goods_declaration

BASE = "/api/v1/standards/document-types"


def test_list(app_client: TestClient) -> None:
    r = app_client.get(BASE)
    assert r.status_code == 200
    [entry] = [d for d in r.json() if d["type"] == "goods_declaration"]
    assert entry["version"] == "1.0"
    assert entry["title_zh"] == "进出口货物报关单"
    assert entry["title_en"] == "Customs goods declaration"
    assert entry["schema_url"] == f"{BASE}/goods_declaration/schema"


def test_definition(app_client: TestClient) -> None:
    r = app_client.get(f"{BASE}/goods_declaration")
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "goods_declaration"
    assert body["xml"]["namespace"] == "http://www.chinaport.gov.cn/dec"
    lines = next(b for b in body["blocks"] if b["name"] == "lines")
    code_ts = next(f for f in lines["fields"] if f["name"] == "code_ts")
    assert code_ts["label_zh"] == "商品编号"
    assert code_ts["xml_tag"] == "CodeTS"
    trade_curr = next(f for f in lines["fields"] if f["name"] == "trade_curr")
    assert trade_curr["code_table"] == "currency"
    assert body["root_fields"][0]["name"] == "client_ref"


def test_schema(app_client: TestClient) -> None:
    r = app_client.get(f"{BASE}/goods_declaration/schema")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/schema+json")
    schema = r.json()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(sample_goods_declaration("E", lines=2), schema)


def test_dictionary(app_client: TestClient) -> None:
    r = app_client.get(f"{BASE}/goods_declaration/dictionary")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/markdown")
    assert r.text == data_dictionary("goods_declaration")


@pytest.mark.parametrize("suffix", ["", "/schema", "/dictionary"])
def test_unknown_type_is_404_in_error_shape(app_client: TestClient, suffix: str) -> None:
    r = app_client.get(f"{BASE}/manifest_x{suffix}")
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "unknown_document_type"
    assert "manifest_x" in error["message"]
    assert error["message_zh"]
    assert error["findings"] == []


def test_openapi_lists_the_routes(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    for path in (BASE, f"{BASE}/{{doc_type}}", f"{BASE}/{{doc_type}}/schema"):
        assert path in paths
