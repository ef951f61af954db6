"""CUSDEC <-> goods declaration: what round-trips and what is not representable."""

from __future__ import annotations

from typing import Any

import pytest

from singlewindow.kit.errors import ValidationFailed
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.edifact import (
    EdifactError,
    cusdec_to_goods_declaration,
    goods_declaration_to_cusdec,
)
from tests.standards.edifact.build import ENVELOPE, codes, interchange, message, only_message


def without_sign(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in doc.items() if key != "sign"}


@pytest.mark.parametrize("ie_flag", ["I", "E"])
@pytest.mark.parametrize("lines", [1, 4])
def test_sample_declarations_round_trip(ie_flag: str, lines: int) -> None:
    doc = sample_goods_declaration(ie_flag, lines=lines, client_ref="CLIENT-REF-1")
    text = goods_declaration_to_cusdec(doc, **ENVELOPE)
    back = cusdec_to_goods_declaration(only_message(text))
    assert back == without_sign(doc)
    assert goods_declaration_to_cusdec(back, **ENVELOPE) == text


def test_layout_uses_un_segments_for_international_fields() -> None:
    doc = sample_goods_declaration("I", lines=1, client_ref="C1")
    text = goods_declaration_to_cusdec(doc, **ENVELOPE)
    assert "BGM+929+C1+9'" in text
    assert "CST+1+8471300000:HS'" in text
    assert "LOC+27+JP'" in text  # origin as ISO alpha-2
    assert "MOA+38:90000.00:USD'" in text
    assert "GIS+0110:TradeMode:ZZZ'" in text  # China code, named by its DecMessage tag
    assert "RFF+XA:" + doc["head"]["trade_co_scc"] in text
    export = goods_declaration_to_cusdec(sample_goods_declaration("E", lines=1), **ENVELOPE)
    assert "BGM+830+" in export


def test_blocks_that_cannot_be_written_are_named() -> None:
    doc = sample_goods_declaration("I", lines=1)
    doc["other_packs"] = [{"pack_qty": 1, "pack_type": "22"}]
    doc["head"]["ie_flag"] = "X"
    doc["lines"][0]["g_qty"] = "lots"
    with pytest.raises(ValidationFailed) as caught:
        goods_declaration_to_cusdec(doc, **ENVELOPE)
    assert {(f.path, f.code) for f in caught.value.findings} == {
        ("/other_packs", "not_representable"),
        ("/head/ie_flag", "not_representable"),
        ("/lines/0/g_qty", "invalid_number"),
    }


GOOD = ["BGM+929+C1+9", "UNS+D", "CST+1+8471300000:HS"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (["BGM+929+C1+9", "UNS+D"], "missing_segment"),
        (["BGM+999+C1+9", *GOOD[1:]], "unknown_qualifier"),
        ([GOOD[0], "GIS+1:NoSuchTag:ZZZ", *GOOD[1:]], "unknown_field"),
        ([*GOOD, "GIS+1:TradeMode:ZZZ"], "unknown_field"),
        ([GOOD[0], "CST+1+8471300000:HS", *GOOD[1:]], "segment_out_of_place"),
        ([*GOOD, "QTY+47:1:001", "QTY+47:2:001"], "duplicate_segment"),
        ([GOOD[0], "MEA+AAE+G+TNE:1", *GOOD[1:]], "unsupported_unit"),
    ],
)
def test_bad_declarations(body: list[str], code: str) -> None:
    found = only_message(interchange(message(body, identifier="CUSDEC:D:95B:UN")))
    with pytest.raises(EdifactError) as caught:
        cusdec_to_goods_declaration(found)
    assert code in codes(caught.value.findings)
