"""Every goods-declaration rule: one failing and one passing case each."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest

from singlewindow.kit.clock import today_china
from singlewindow.kit.errors import Finding
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.rules import normalise, validate

GD = "goods_declaration"


def check(
    doc: Any, *, today: date | None = None, max_lines: int = 50, codes: Any = None
) -> list[Finding]:
    return validate(
        GD,
        doc,
        codes=codes or builtin_lookup(),
        today=today or today_china(),
        max_lines=max_lines,
    )


def codes_at(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.path, f.code) for f in findings}


@pytest.fixture
def imp() -> dict[str, Any]:
    return sample_goods_declaration("I", lines=3, client_ref="T-IMPORT-1")


@pytest.fixture
def exp() -> dict[str, Any]:
    return sample_goods_declaration("E", lines=3, client_ref="T-EXPORT-1")


@pytest.mark.parametrize("ie_flag", ["I", "E"])
@pytest.mark.parametrize("lines", [1, 2, 5, 50])
def test_samples_are_valid(ie_flag: str, lines: int) -> None:
    assert check(sample_goods_declaration(ie_flag, lines=lines)) == []


def test_rules_import_neither_sqlalchemy_nor_fastapi() -> None:
    code = (
        "import sys, singlewindow.standards.rules, singlewindow.standards.xml;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('sqlalchemy','fastapi')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("bad", [None, [], "text", 3, 1.5, True])
def test_non_object_is_one_finding_at_root(bad: Any) -> None:
    findings = check(bad)
    assert [(f.path, f.code) for f in findings] == [("", "type")]
    assert findings[0].message_zh


def test_all_findings_at_once(imp: dict[str, Any]) -> None:
    imp["head"]["trade_mode"] = "9999"
    imp["head"]["net_wt"] = "99999"
    imp["lines"][1]["code_ts"] = "12AB"
    imp["lines"][2]["decl_total"] = "1.00"
    del imp["head"]["agent_name"]
    found = codes_at(check(imp))
    assert {
        ("/head/trade_mode", "unknown_code"),
        ("/head/net_wt", "net_exceeds_gross"),
        ("/lines/1/code_ts", "too_short"),
        ("/lines/2/decl_total", "line_total_mismatch"),
        ("/head/agent_name", "required"),
    } <= found


def test_messages_are_bilingual_and_name_the_field(imp: dict[str, Any]) -> None:
    del imp["lines"][0]["code_ts"]
    [finding] = check(imp)
    assert finding.path == "/lines/0/code_ts"
    assert "Commodity code" in finding.message
    assert "商品编号" in finding.message_zh


# --- structural ------------------------------------------------------------------------


def test_required(imp: dict[str, Any]) -> None:
    imp["head"]["trade_name"] = ""
    assert ("/head/trade_name", "required") in codes_at(check(imp))


def test_required_block(imp: dict[str, Any]) -> None:
    del imp["lines"]
    del imp["head"]
    found = codes_at(check(imp))
    assert ("/lines", "required") in found
    assert ("/head", "required") in found


def test_empty_lines(imp: dict[str, Any]) -> None:
    imp["lines"] = []
    assert ("/lines", "required") in codes_at(check(imp))


def test_required_client_ref(imp: dict[str, Any]) -> None:
    del imp["client_ref"]
    assert codes_at(check(imp)) == {("/client_ref", "required")}


def test_unknown_field(imp: dict[str, Any]) -> None:
    imp["head"]["colour"] = "red"
    imp["extra/x"] = 1
    assert codes_at(check(imp)) == {
        ("/head/colour", "unknown_field"),
        ("/extra~1x", "unknown_field"),
    }


def test_type_errors(imp: dict[str, Any]) -> None:
    imp["head"]["trade_name"] = 42
    imp["head"]["pack_no"] = 1.5
    imp["head"]["gross_wet"] = "heavy"
    imp["head"]["ie_date"] = "2025-02-30"
    imp["lines"][0] = "not an object"
    imp["containers"] = {"not": "a list"}
    assert {
        ("/head/trade_name", "type"),
        ("/head/pack_no", "type"),
        ("/head/gross_wet", "type"),
        ("/head/ie_date", "type"),
        ("/lines/0", "type"),
        ("/containers", "type"),
    } <= codes_at(check(imp))


def test_too_long(imp: dict[str, Any]) -> None:
    imp["head"]["trade_name"] = "公" * 71
    assert codes_at(check(imp)) == {("/head/trade_name", "too_long")}
    imp["head"]["trade_name"] = "公" * 70
    assert check(imp) == []


def test_pattern_and_enum(imp: dict[str, Any]) -> None:
    imp["head"]["custom_master"] = "53A6"
    imp["head"]["ie_flag"] = "X"
    found = codes_at(check(imp))
    assert ("/head/custom_master", "pattern") in found
    assert ("/head/ie_flag", "enum") in found


def test_control_characters(imp: dict[str, Any]) -> None:
    imp["lines"][0]["g_name"] = "laptop\x00"
    assert codes_at(check(imp)) == {("/lines/0/g_name", "invalid_characters")}


def test_decimal_scale_precision_and_range(imp: dict[str, Any]) -> None:
    imp["head"]["gross_wet"] = "1.123456"
    imp["head"]["net_wt"] = "-1"
    imp["head"]["fee_rate"] = "1" * 15
    found = codes_at(check(imp))
    assert ("/head/gross_wet", "decimal_scale") in found
    assert ("/head/net_wt", "too_small") in found
    assert ("/head/fee_rate", "decimal_precision") in found


def test_decimals_as_numbers_or_strings(imp: dict[str, Any]) -> None:
    line = imp["lines"][0]
    line["g_qty"], line["decl_price"], line["decl_total"] = 200, 450.0, "90000"
    assert check(imp) == []


def test_integer_range(imp: dict[str, Any]) -> None:
    imp["lines"][0]["g_no"] = 0
    assert ("/lines/0/g_no", "too_small") in codes_at(check(imp))


def test_unknown_code_and_code_valid_on_date(imp: dict[str, Any]) -> None:
    imp["lines"][0]["trade_curr"] = "ABC"
    imp["lines"][1]["origin_country"] = "ZZZ"
    assert codes_at(check(imp)) == {
        ("/lines/0/trade_curr", "unknown_code"),
        ("/lines/1/origin_country", "unknown_code"),
    }


def test_code_tables_checked_on_the_declaration_date(imp: dict[str, Any]) -> None:
    class Dated:
        def contains(self, table: str, code: str, on: date | None = None) -> bool:
            seen.append(on)
            return builtin_lookup().contains(table, code, on)

        def get(self, table: str, code: str, on: date | None = None) -> Any:
            return builtin_lookup().get(table, code, on)

    seen: list[date | None] = []
    day = today_china()
    assert check(imp, codes=Dated(), today=day) == []
    assert seen
    assert set(seen) == {day}


# --- identifiers -----------------------------------------------------------------------


def test_uscc_check_digit(imp: dict[str, Any]) -> None:
    good = imp["head"]["trade_co_scc"]
    imp["head"]["trade_co_scc"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert codes_at(check(imp)) == {("/head/trade_co_scc", "uscc_check_digit")}


def test_uscc_format(imp: dict[str, Any]) -> None:
    imp["head"]["agent_code_scc"] = "9144030019234567AA"[:17] + "I"
    assert codes_at(check(imp)) == {("/head/agent_code_scc", "pattern")}


@pytest.mark.parametrize("code", ["4403160123", "44031601AB", "1100960ZZ9", "8200012345"])
def test_customs_code_shape_ok(imp: dict[str, Any], code: str) -> None:
    imp["head"]["trade_code"] = code
    assert check(imp) == []


@pytest.mark.parametrize("code", ["0003160123", "9903160123", "440A160123", "4403A60123"])
def test_customs_code_shape_bad(imp: dict[str, Any], code: str) -> None:
    imp["head"]["trade_code"] = code
    assert codes_at(check(imp)) == {("/head/trade_code", "customs_code_format")}


def test_customs_code_alphabet(imp: dict[str, Any]) -> None:
    imp["head"]["agent_code"] = "4403-98001"
    assert codes_at(check(imp)) == {("/head/agent_code", "pattern")}


def test_hs_chapter_and_heading(imp: dict[str, Any]) -> None:
    imp["lines"][0]["code_ts"] = "7700000000"  # chapter 77 is reserved
    imp["lines"][1]["code_ts"] = "8499000000"  # heading 8499 does not exist
    imp["lines"][2]["code_ts"] = "84713000"
    assert codes_at(check(imp)) == {
        ("/lines/0/code_ts", "hs_chapter_unknown"),
        ("/lines/1/code_ts", "hs_heading_unknown"),
        ("/lines/2/code_ts", "too_short"),
    }


class WithTariff:
    """The builtin tables plus a loaded full tariff with a few codes."""

    tariff = frozenset({"8471300000", "8517130000", "8542310000"})

    def has_table(self, table: str, on: date | None = None) -> bool:
        return table == "hs_code" or builtin_lookup().has_table(table, on)

    def contains(self, table: str, code: str, on: date | None = None) -> bool:
        if table == "hs_code":
            return code in self.tariff
        return builtin_lookup().contains(table, code, on)

    def get(self, table: str, code: str, on: date | None = None) -> Any:
        return builtin_lookup().get(table, code, on)


def test_full_tariff_when_loaded(imp: dict[str, Any]) -> None:
    assert check(imp, codes=WithTariff()) == []
    imp["lines"][0]["code_ts"] = "8471309999"
    assert codes_at(check(imp, codes=WithTariff())) == {("/lines/0/code_ts", "hs_code_unknown")}
    assert check(imp) == []  # without the full tariff, chapter and heading suffice


def test_container_check_digit(imp: dict[str, Any]) -> None:
    number = imp["containers"][0]["container_id"]
    imp["containers"][0]["container_id"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert codes_at(check(imp)) == {("/containers/0/container_id", "container_check_digit")}


def test_foreign_port_country(imp: dict[str, Any]) -> None:
    imp["head"]["distinate_port"] = "QQQ213"
    assert codes_at(check(imp)) == {("/head/distinate_port", "port_country_unknown")}


# --- cross-field -----------------------------------------------------------------------


def test_net_exceeds_gross(imp: dict[str, Any]) -> None:
    imp["head"]["net_wt"] = imp["head"]["gross_wet"]
    assert check(imp) == []
    imp["head"]["net_wt"] = "100000"
    assert codes_at(check(imp)) == {("/head/net_wt", "net_exceeds_gross")}


def test_line_total_tolerance(imp: dict[str, Any]) -> None:
    line = imp["lines"][0]
    line.update(g_qty="3", decl_price="0.3333", decl_total="1.00")  # price derived from total
    assert check(imp) == []
    line.update(g_qty="3", decl_price="0.3333", decl_total="1.01")
    assert codes_at(check(imp)) == {("/lines/0/decl_total", "line_total_mismatch")}


def test_line_total_large_quantity(imp: dict[str, Any]) -> None:
    line = imp["lines"][0]
    # 1 000 000 x 0.1235 = 123500; a price rounded to 4 places explains up to 50.005
    line.update(g_qty="1000000", decl_price="0.1235", decl_total="123456.00")
    assert check(imp) == []
    line.update(decl_total="123400.00")
    assert codes_at(check(imp)) == {("/lines/0/decl_total", "line_total_mismatch")}


def test_too_many_lines() -> None:
    doc = sample_goods_declaration("I", lines=6)
    assert check(doc, max_lines=6) == []
    assert codes_at(check(doc, max_lines=5)) == {("/lines", "too_many_lines")}


def test_line_numbers_gap(imp: dict[str, Any]) -> None:
    imp["lines"][2]["g_no"] = 4
    imp["containers"][1]["goods_no"] = "4"
    assert codes_at(check(imp)) == {("/lines/2/g_no", "line_numbers_gap")}
    imp["lines"][2]["g_no"] = 3
    imp["containers"][1]["goods_no"] = "3"
    assert check(imp) == []


def test_import_only_field(exp: dict[str, Any]) -> None:
    exp["head"]["desp_port_code"] = "JPN213"
    assert codes_at(check(exp)) == {("/head/desp_port_code", "import_only_field")}


def test_export_only_field(imp: dict[str, Any]) -> None:
    imp["head"]["overseas_consignee_ename"] = "Someone abroad"
    assert codes_at(check(imp)) == {("/head/overseas_consignee_ename", "export_only_field")}


def test_import_required_fields(exp: dict[str, Any]) -> None:
    assert "ie_date" not in exp["head"]
    exp["head"]["ie_flag"] = "I"
    found = codes_at(check(exp))
    assert {
        ("/head/ie_date", "required"),
        ("/head/desp_port_code", "required"),
        ("/head/overseas_consignor_ename", "required"),
        ("/head/overseas_consignee_ename", "export_only_field"),
        ("/lines/0/ciq_dest_code", "required"),
    } <= found


def test_waterway_condition(imp: dict[str, Any]) -> None:
    del imp["free_text"]
    del imp["head"]["bill_no"]
    assert codes_at(check(imp)) == {
        ("/free_text/voy_no", "required"),
        ("/head/bill_no", "required"),
    }
    imp["head"]["traf_mode"] = "4"  # road: no voyage, no B/L needed
    assert check(imp) == []


def test_second_quantity_pairing(imp: dict[str, Any]) -> None:
    del imp["lines"][0]["second_unit"]
    del imp["lines"][1]["second_qty"]
    assert codes_at(check(imp)) == {
        ("/lines/0/second_unit", "required"),
        ("/lines/1/second_qty", "required"),
    }
    del imp["lines"][0]["second_qty"]
    del imp["lines"][1]["second_unit"]
    assert check(imp) == []


CHARGES = {
    "fee": {"fee_mark": "3", "fee_rate": "800", "fee_curr": "USD"},
    "insur": {"insur_mark": "1", "insur_rate": "0.3"},
}


@pytest.mark.parametrize(
    ("ie_flag", "trans_mode", "freight", "insurance"),
    [
        ("I", "1", False, False),
        ("I", "2", False, True),
        ("I", "3", True, True),
        ("I", "4", True, False),
        ("E", "1", True, True),
        ("E", "3", False, False),
        ("E", "2", True, False),
    ],
)
def test_charges_follow_transaction_method(
    ie_flag: str, trans_mode: str, freight: bool, insurance: bool
) -> None:
    doc = sample_goods_declaration(ie_flag, lines=2)
    head = doc["head"]
    for key in [*CHARGES["fee"], *CHARGES["insur"]]:
        head.pop(key, None)
    head["trans_mode"] = trans_mode
    if freight:
        head.update(CHARGES["fee"])
    if insurance:
        head.update(CHARGES["insur"])
    assert check(doc) == []
    flipped = copy.deepcopy(doc)
    if freight:
        for key in CHARGES["fee"]:
            del flipped["head"][key]
    else:
        flipped["head"].update(CHARGES["fee"])
    assert codes_at(check(flipped)) == {("/head/fee_mark", "freight_inconsistent")}
    if insurance:
        for key in CHARGES["insur"]:
            del doc["head"][key]
    else:
        doc["head"].update(CHARGES["insur"])
    assert codes_at(check(doc)) == {("/head/insur_mark", "insurance_inconsistent")}


def test_market_price_has_optional_charges(imp: dict[str, Any]) -> None:
    imp["head"]["trans_mode"] = "5"
    assert check(imp) == []
    for key in [*CHARGES["fee"], *CHARGES["insur"]]:
        imp["head"].pop(key)
    assert check(imp) == []


def test_charge_triplet_complete(imp: dict[str, Any]) -> None:
    del imp["head"]["fee_curr"]
    del imp["head"]["insur_rate"]
    imp["head"].update(other_rate="50")
    assert codes_at(check(imp)) == {
        ("/head/fee_curr", "charge_incomplete"),
        ("/head/insur_rate", "charge_incomplete"),
        ("/head/other_mark", "charge_incomplete"),
    }


def test_charge_rate_has_no_currency(imp: dict[str, Any]) -> None:
    imp["head"]["insur_curr"] = "USD"
    assert codes_at(check(imp)) == {("/head/insur_curr", "charge_incomplete")}


def test_import_date_not_in_future(imp: dict[str, Any]) -> None:
    today = today_china()
    imp["head"]["ie_date"] = today.isoformat()
    assert check(imp, today=today) == []
    imp["head"]["ie_date"] = (today + timedelta(days=1)).isoformat()
    assert codes_at(check(imp, today=today)) == {("/head/ie_date", "date_in_future")}


def test_export_date_optional_and_may_be_future(exp: dict[str, Any]) -> None:
    assert check(exp) == []
    exp["head"]["ie_date"] = (today_china() + timedelta(days=5)).isoformat()
    assert check(exp) == []


def test_containers_reference_lines(imp: dict[str, Any]) -> None:
    imp["containers"][1]["goods_no"] = "3,7"
    imp["containers"][1]["container_id"] = imp["containers"][0]["container_id"]
    assert codes_at(check(imp)) == {
        ("/containers/1/goods_no", "container_goods_unknown"),
        ("/containers/1/container_id", "duplicate_container"),
    }


def test_normalise_decimals_and_integers(imp: dict[str, Any]) -> None:
    imp["lines"][0].update(g_qty=200, decl_price=450.0, g_no="1", ciq_code=None, note="x")
    imp["head"]["note_s"] = ""
    out = normalise(GD, imp)
    assert out["lines"][0]["g_qty"] == "200"
    assert out["lines"][0]["decl_price"] == "450.0"
    assert out["lines"][0]["g_no"] == 1
    assert "ciq_code" not in out["lines"][0]
    assert out["lines"][0]["note"] == "x"  # unknown keys are left for validate to report
    assert "note_s" not in out["head"]
    assert normalise(GD, out) == out
    assert normalise(GD, "x") == "x"
