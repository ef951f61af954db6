"""The goods declaration definition, its JSON Schema, data dictionary and samples."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from stdnum.cn import uscc

from singlewindow.standards.documents import (
    FieldType,
    UnknownDocumentType,
    document_types,
    get_document_type,
)
from singlewindow.standards.documents.dictionary import (
    DEFAULT_DIRECTORY,
    data_dictionary,
    write_data_dictionary,
)
from singlewindow.standards.documents.jsonschema import json_schema
from singlewindow.standards.documents.model import SIMPLE_REQUIRED
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.rules.identifiers import CHECKS

GD = "goods_declaration"
DEFINITION = get_document_type(GD)
TABLES = {
    "country", "currency", "customs_district", "transport_mode", "trade_mode", "levy_nature",
    "duty_mode", "transaction_method", "packaging", "unit", "container_size", "licence_document",
    "attached_document", "domestic_district", "unlocode", "hs_chapter", "hs_heading", "hs_code",
}  # fmt: skip
REPO = Path(__file__).resolve().parents[2]


def snake(tag: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", tag).lower()


def test_registry() -> None:
    assert [d.type for d in document_types()] == [
        GD,
        "ship_report",
        "aircraft_report",
        "vehicle_report",
        "train_report",
        "manifest",
        "person_list",
        "dangerous_goods",
    ]
    with pytest.raises(UnknownDocumentType) as caught:
        get_document_type("nope")
    assert caught.value.status == 404
    assert caught.value.message_zh


def test_contract_keys() -> None:
    head = {f.name for f in DEFINITION.block("head").fields}
    assert {
        "ie_flag", "custom_master", "ie_port", "ie_date", "trade_code", "trade_co_scc",
        "trade_name", "owner_code", "owner_code_scc", "owner_name", "agent_code",
        "agent_code_scc", "agent_name", "traf_mode", "traf_name", "bill_no", "trade_mode",
        "cut_mode", "license_no", "contr_no", "trade_country", "trade_area_code",
        "distinate_port", "desp_port_code", "enty_port_code", "goods_place", "trans_mode",
        "fee_mark", "fee_rate", "fee_curr", "insur_mark", "insur_rate", "insur_curr",
        "other_mark", "other_rate", "other_curr", "pack_no", "wrap_type", "gross_wet", "net_wt",
        "entry_type", "decl_trn_rel", "promise_items", "mark_no", "note_s",
        "overseas_consignor_ename", "overseas_consignee_ename",
    } <= head  # fmt: skip
    lines = {f.name for f in DEFINITION.block("lines").fields}
    assert {
        "g_no", "code_ts", "g_name", "g_model", "g_qty", "g_unit", "first_qty", "first_unit",
        "second_qty", "second_unit", "decl_price", "decl_total", "trade_curr", "origin_country",
        "destination_country", "district_code", "duty_mode",
    } <= lines  # fmt: skip
    containers = {f.name for f in DEFINITION.block("containers").fields}
    assert {"container_id", "container_md", "goods_no", "lcl_flag", "goods_conta_wt"} <= containers
    assert [f.name for f in DEFINITION.block("licences").fields] == ["docu_code", "cert_code"]
    assert "voy_no" in {f.name for f in DEFINITION.block("free_text").fields}
    assert [f.name for f in DEFINITION.root_fields] == ["client_ref"]
    assert DEFINITION.block("sign").field("client_ref").xml_tag == "ClientSeqNo"
    top = {b.name for b in DEFINITION.blocks}
    assert {"head", "lines", "containers", "licences", "attachments", "free_text", "sign"} <= top


def test_definition_is_consistent() -> None:
    blocks = [b.name for b in DEFINITION.blocks]
    assert len(blocks) == len(set(blocks))
    conditions = {c.name for c in DEFINITION.conditions}
    for block in DEFINITION.blocks:
        names = [f.name for f in block.fields]
        tags = [f.xml_tag for f in block.fields]
        assert len(names) == len(set(names)), block.name
        assert len(tags) == len(set(tags)), block.name
        for f in block.fields:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", f.name), f.name
            assert all((f.label_zh, f.label_en, f.xml_tag)), f.name
            assert f.required in SIMPLE_REQUIRED or f.required in conditions, f.name
            assert f.code_table is None or f.code_table in TABLES, f.name
            assert f.check is None or f.check in CHECKS, f.name
            assert (f.type is FieldType.ENUM) == bool(f.enum), f.name
            if f.type is FieldType.DECIMAL:
                assert f.precision, f.name
                assert f.scale is not None, f.name
            if f.pattern:
                re.compile(f.pattern)


def test_json_names_are_snake_case_of_tags_with_documented_exceptions() -> None:
    exceptions = {"client_ref": "ClientSeqNo", "promise_items": "PromiseItmes"}
    for block in DEFINITION.blocks:
        for f in block.fields:
            if f.name in exceptions:
                assert exceptions[f.name] == f.xml_tag
            else:
                assert snake(f.xml_tag) == f.name, f.name


def test_definition_as_dict_is_json_ready() -> None:
    import json

    body = DEFINITION.as_dict()
    json.dumps(body)
    head = body["blocks"][0]
    assert head["name"] == "head"
    ie_flag = head["fields"][0]
    assert ie_flag["label_zh"] == "进出口标志"
    assert ie_flag["enum"][0] == {"code": "I", "en": "import", "zh": "进口"}


# --- JSON Schema -----------------------------------------------------------------------


def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json_schema(GD)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def schema_errors(doc: Any) -> list[str]:
    return [error.message for error in schema_validator().iter_errors(doc)]


@pytest.mark.parametrize("ie_flag", ["I", "E"])
def test_schema_accepts_samples(ie_flag: str) -> None:
    assert schema_errors(sample_goods_declaration(ie_flag, lines=50)) == []


def test_schema_labels_and_extensions() -> None:
    schema = json_schema(GD)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    code_ts = schema["properties"]["lines"]["items"]["properties"]["code_ts"]
    assert code_ts["title"] == "Commodity code (HS)"
    assert "商品编号" in code_ts["description"]
    assert code_ts["x-label-zh"] == "商品编号"
    assert code_ts["x-xml-tag"] == "CodeTS"
    trade_curr = schema["properties"]["lines"]["items"]["properties"]["trade_curr"]
    assert trade_curr["x-code-table"] == "currency"
    assert schema["properties"]["lines"]["maxItems"] == 50


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["head"].update(ie_flag="X"), "'X' is not one of"),
        (lambda d: d["head"].pop("trade_name"), "'trade_name' is a required property"),
        (lambda d: d["head"].update(trade_name="x" * 71), "is too long"),
        (lambda d: d["head"].update(colour="red"), "Additional properties"),
        (lambda d: d["head"].update(overseas_consignee_ename="x"), "False schema"),
        (lambda d: d["head"].pop("ie_date"), "'ie_date' is a required property"),
        (lambda d: d["lines"][0].pop("second_unit"), "'second_unit' is a dependency"),
        (lambda d: d.pop("free_text"), "'free_text' is a required property"),
        (lambda d: d["head"].update(gross_wet="heavy"), "does not match"),
        (lambda d: d["head"].update(ie_date="2025-13-01"), "is not a 'date'"),
        (lambda d: d.update(lines=[]), "should be non-empty"),
    ],
)
def test_schema_rejects(change: Any, expected: str) -> None:
    doc = copy.deepcopy(sample_goods_declaration("I", lines=2))
    change(doc)
    errors = schema_errors(doc)
    assert any(expected in e for e in errors), errors


# --- data dictionary -------------------------------------------------------------------


@pytest.mark.parametrize("doc_type", [d.type for d in document_types()])
def test_committed_dictionary_matches_the_definition(doc_type: str) -> None:
    committed = REPO / "docs" / "data-dictionary" / f"{doc_type}.md"
    assert committed.parent == DEFAULT_DIRECTORY
    assert committed.read_text(encoding="utf-8") == data_dictionary(doc_type), (
        f"regenerate: write_data_dictionary({doc_type!r})"
    )


def test_dictionary_content(tmp_path: Path) -> None:
    text = data_dictionary(GD)
    assert text.startswith("# 进出口货物报关单 / Customs goods declaration")
    assert "| `code_ts` | `CodeTS` | 商品编号 | Commodity code (HS) |" in text
    assert "hs_code" in text
    assert "customs_district" in text
    assert "`waterway_or_air`" in text
    assert "| 3 | I | required | required |" in text
    path = write_data_dictionary(GD, tmp_path)
    assert path.read_text(encoding="utf-8") == text


# --- samples ---------------------------------------------------------------------------


def test_sample_shape() -> None:
    doc = sample_goods_declaration("I", lines=3, client_ref="ABC-1")
    assert doc["client_ref"] == "ABC-1"
    assert [line["g_no"] for line in doc["lines"]] == [1, 2, 3]
    head = doc["head"]
    assert head["custom_master"] == "5316"
    assert head["trade_mode"] == "0110"
    for key in ("trade_co_scc", "owner_code_scc", "agent_code_scc"):
        assert uscc.is_valid(head[key])
    assert all(isinstance(line["decl_total"], str) for line in doc["lines"])
    assert sample_goods_declaration()["client_ref"] != sample_goods_declaration()["client_ref"]


def test_sample_arguments() -> None:
    with pytest.raises(ValueError, match="ie_flag"):
        sample_goods_declaration("X")
    with pytest.raises(ValueError, match="at least one line"):
        sample_goods_declaration(lines=0)
