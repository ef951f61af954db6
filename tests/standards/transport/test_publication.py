"""The transport definitions as published: JSON Schema, data dictionary, definition JSON,
and the same through the HTTP API."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from singlewindow.standards.documents import document_types, get_document_type
from singlewindow.standards.documents.dictionary import data_dictionary
from singlewindow.standards.documents.jsonschema import json_schema
from singlewindow.standards.documents.model import FieldType
from singlewindow.standards.documents.transport import TRANSPORT_TYPES
from singlewindow.standards.documents.transport.common import CARGO, CREW, DANGEROUS_GOODS
from singlewindow.standards.documents.transport_samples import SAMPLES, sample_manifest
from singlewindow.standards.rules.identifiers import CHECKS

TYPES = [d.type for d in TRANSPORT_TYPES]
TABLES = {"country", "unlocode", "packaging", "unit", "customs_district", "transport_mode",
          "currency"}  # fmt: skip


def schema_errors(doc_type: str, doc: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        json_schema(doc_type), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [e.message for e in validator.iter_errors(doc)]


def test_registered_in_contract_order() -> None:
    assert [d.type for d in document_types()][1:] == [
        "ship_report", "aircraft_report", "vehicle_report", "train_report", "manifest",
        "person_list", "dangerous_goods",
    ]  # fmt: skip


@pytest.mark.parametrize("doc_type", TYPES)
def test_definition_is_complete(doc_type: str) -> None:
    definition = get_document_type(doc_type)
    assert [f.name for f in definition.root_fields] == ["client_ref", "message_type"]
    conditions = {c.name for c in definition.conditions}
    for block in definition.blocks:
        assert block.label_zh
        assert block.label_en
        for f in block.fields:
            assert f.label_zh, f.name
            assert f.label_en, f.name
            assert f.required in ("always", "never") or f.required in conditions, f.name
            assert f.code_table is None or f.code_table in TABLES, f.name
            assert f.check is None or f.check in CHECKS, f.name
            if f.type is FieldType.ENUM:
                assert all(v.en and v.zh for v in f.enum), f.name
            if f.type in (FieldType.STRING, FieldType.ENUM):
                assert f.max_length, f.name


def test_shared_blocks_are_one_definition() -> None:
    ship, aircraft = get_document_type("ship_report"), get_document_type("aircraft_report")
    assert ship.block("crew") is aircraft.block("crew") is CREW
    assert ship.block("cargo") is get_document_type("vehicle_report").block("cargo") is CARGO
    assert ship.block("dangerous_goods") is DANGEROUS_GOODS
    dg = get_document_type("dangerous_goods").block("dangerous_goods")
    assert dg.fields is DANGEROUS_GOODS.fields
    assert dg.min_occurs == 1
    passenger_fields = [f.name for f in ship.block("passengers").fields]
    assert "rank" not in passenger_fields
    assert {"embark_port", "disembark_port", "transit"} <= set(passenger_fields)


@pytest.mark.parametrize("doc_type", TYPES)
def test_samples_satisfy_the_json_schema(doc_type: str) -> None:
    assert schema_errors(doc_type, SAMPLES[doc_type]()) == []


def test_schema_carries_the_conditions() -> None:
    delete = sample_manifest(function="3")
    assert schema_errors("manifest", delete) == []
    original = sample_manifest(items=False)
    del original["consignments"][0]["packages"]
    assert schema_errors("manifest", original) == ["'packages' is a required property"]
    arrival = sample_manifest("MT3101")
    del arrival["head"]["terminal_code"]
    assert schema_errors("manifest", arrival) == ["'terminal_code' is a required property"]
    ship = SAMPLES["ship_report"]("CSM004")
    del ship["voyage"]["ata"]
    assert schema_errors("ship_report", ship) == ["'ata' is a required property"]
    unknown = copy.deepcopy(ship)
    unknown["vessel"]["colour"] = "red"
    assert any("colour" in e for e in schema_errors("ship_report", unknown))
    schema = json_schema("ship_report")
    assert schema["required"] == ["client_ref", "message_type", "vessel", "voyage"]
    assert all("ie_flag" not in str(rule) for rule in schema["allOf"])
    assert "allOf" not in json_schema("person_list")


@pytest.mark.parametrize("doc_type", TYPES)
def test_data_dictionary(doc_type: str) -> None:
    text = data_dictionary(doc_type)
    definition = get_document_type(doc_type)
    assert text.startswith(f"# {definition.title_zh} / {definition.title_en}")
    assert "root ``" not in text
    assert "``" not in text
    for block in definition.blocks:
        assert f"— `{block.name}`" in text
    if doc_type == "manifest":
        assert "unless `head.function` is 3" in text


def test_condition_exceptions_are_published() -> None:
    body = get_document_type("manifest").as_dict()
    cargo = next(c for c in body["conditions"] if c["name"] == "cargo_manifest")
    assert cargo["unless_field"] == "head.function"
    assert cargo["unless_values"] == ["3"]
    goods = get_document_type("goods_declaration").as_dict()
    assert all("unless_field" not in c for c in goods["conditions"])


# The published standards read no table: one backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_through_the_api(app_client: TestClient) -> None:
    base = "/api/v1/standards/document-types"
    listed = {d["type"] for d in app_client.get(base).json()}
    assert set(TYPES) <= listed
    for doc_type in TYPES:
        r = app_client.get(f"{base}/{doc_type}/schema")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/schema+json")
        jsonschema.Draft202012Validator.check_schema(r.json())
        assert app_client.get(f"{base}/{doc_type}/dictionary").status_code == 200
        assert app_client.get(f"{base}/{doc_type}").json()["type"] == doc_type
