"""Structural and cross-field rules of the transport documents: every rule reports a stable
code at a JSON pointer, in English and Chinese, and all findings come back at once."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from singlewindow.kit.clock import today_china
from singlewindow.kit.errors import Finding
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents.transport_samples import (
    at,
    container_number,
    person,
    sample_aircraft_report,
    sample_dangerous_goods,
    sample_manifest,
    sample_person_list,
    sample_ship_report,
    sample_train_report,
    sample_vehicle_report,
)
from singlewindow.standards.rules import normalise, validate


def findings(doc_type: str, doc: Any) -> list[Finding]:
    return validate(doc_type, doc, codes=builtin_lookup(), today=today_china())


def codes(doc_type: str, doc: Any) -> set[tuple[str, str]]:
    found = findings(doc_type, doc)
    for f in found:
        assert f.message, f
        assert f.message_zh, f
        assert f.path.startswith("/"), f
    return {(f.path, f.code) for f in found}


# --- structure: root fields, message-type conditions ------------------------------------


def test_root_fields_are_required_and_typed() -> None:
    doc = sample_ship_report()
    del doc["client_ref"]
    doc["message_type"] = "CSM009"
    assert codes("ship_report", doc) == {("/client_ref", "required"), ("/message_type", "enum")}
    doc = sample_manifest()
    doc["client_ref"] = "x" * 65
    assert codes("manifest", doc) == {("/client_ref", "too_long")}
    assert "/head/client_ref" not in str(findings("manifest", doc))


@pytest.mark.parametrize(
    ("message_type", "missing"),
    [
        ("CSM002", {"voyage_in", "port_of_call", "eta"}),
        ("CSM003", {"voyage_in", "port_of_call", "eta"}),
        ("CSM004", {"voyage_in", "port_of_call", "ata"}),
        ("CSM005", {"voyage_in", "port_of_call"}),
        ("CSM006", {"voyage_in", "port_of_call", "etd"}),
        ("CSM007", {"voyage_in", "port_of_call", "atd"}),
    ],
)
def test_ship_report_conditionals(message_type: str, missing: set[str]) -> None:
    doc = sample_ship_report(message_type, crew=0)
    doc.pop("movements", None)
    voyage = doc["voyage"]
    for key in ("voyage_in", "port_of_call", "eta", "etd", "ata", "atd"):
        voyage.pop(key, None)
    found = codes("ship_report", doc) - {("/movements", "required")}
    assert found == {(f"/voyage/{key}", "required") for key in missing}


def test_vessel_record_needs_only_the_customs_office() -> None:
    doc = sample_ship_report("CSM001")
    assert doc["voyage"] == {"customs_office": "5316"}
    assert findings("ship_report", doc) == []
    doc["voyage"] = {}
    assert codes("ship_report", doc) == {("/voyage/customs_office", "required")}


@pytest.mark.parametrize(
    ("doc_type", "sample", "block", "times"),
    [
        ("aircraft_report", sample_aircraft_report, "flight",
         {"pre_arrival": "sta", "arrival": "ata", "pre_departure": "std", "departure": "atd"}),
        ("train_report", sample_train_report, "train",
         {"pre_arrival": "eta", "arrival": "ata", "pre_departure": "etd", "departure": "atd"}),
        ("vehicle_report", sample_vehicle_report, "vehicle",
         {"pre_arrival": "eta", "arrival": "ata", "pre_departure": "eta", "departure": "ata"}),
    ],
)  # fmt: skip
def test_stage_times_are_required(
    doc_type: str, sample: Any, block: str, times: dict[str, str]
) -> None:
    for stage, key in times.items():
        doc = sample(stage)
        del doc[block][key]
        assert codes(doc_type, doc) == {(f"/{block}/{key}", "required")}, stage


def test_datetimes_need_an_offset() -> None:
    doc = sample_ship_report()
    doc["voyage"]["eta"] = "2026-11-29T08:00:00"
    doc["voyage"]["etd"] = "2026-11-30"
    assert codes("ship_report", doc) == {
        ("/voyage/eta", "datetime_offset"),
        ("/voyage/etd", "datetime_offset"),
    }
    doc["voyage"]["eta"] = "tomorrow"
    assert ("/voyage/eta", "type") in codes("ship_report", doc)


def test_unknown_codes_and_identifiers() -> None:
    doc = sample_ship_report()
    doc["vessel"]["imo"] = "9074728"
    doc["vessel"]["flag"] = "XXX"
    doc["voyage"]["port_of_call"] = "QQABC"
    doc["voyage"]["last_port"] = "CNZQX"
    doc["voyage"]["customs_office"] = "9999"
    doc["cargo"][0]["package_type"] = "97"
    assert codes("ship_report", doc) == {
        ("/vessel/imo", "imo_check_digit"),
        ("/vessel/flag", "unknown_code"),
        ("/voyage/port_of_call", "unknown_code"),
        ("/voyage/last_port", "unknown_code"),
        ("/voyage/customs_office", "unknown_code"),
        ("/cargo/0/package_type", "unknown_code"),
    }


# --- manifest ---------------------------------------------------------------------------


def test_cargo_manifest_needs_packages_type_and_weight() -> None:
    doc = sample_manifest("MT1101", items=False)
    for key in ("packages", "package_type", "gross_weight_kg"):
        del doc["consignments"][1][key]
    assert codes("manifest", doc) == {
        ("/consignments/1/packages", "required"),
        ("/consignments/1/package_type", "required"),
        ("/consignments/1/gross_weight_kg", "required"),
    }


def test_tally_needs_packages_and_arrival_report_terminal() -> None:
    tally = sample_manifest("MT5101", items=False)
    for key in ("packages", "package_type", "gross_weight_kg"):
        del tally["consignments"][0][key]
    assert codes("manifest", tally) == {("/consignments/0/packages", "required")}
    arrival = sample_manifest("MT3101")
    del arrival["head"]["terminal_code"]
    for consignment in arrival["consignments"]:
        del consignment["packages"]
    assert codes("manifest", arrival) == {("/head/terminal_code", "required")}


def test_delete_needs_only_bill_numbers() -> None:
    doc = sample_manifest("MT1101", function="3", bill_nos=("A1", "A2"))
    assert doc["consignments"] == [{"bill_no": "A1"}, {"bill_no": "A2"}]
    assert findings("manifest", doc) == []
    doc["head"]["function"] = "5"
    assert {code for _, code in codes("manifest", doc)} == {"required"}
    assert len(findings("manifest", doc)) == 6


def test_arrival_report_may_list_containers_only() -> None:
    doc = sample_manifest("MT3101", items=False)
    del doc["consignments"]
    doc["containers"] = [{"bill_no": "X", "container_no": container_number("MSKU700001")}]
    assert codes("manifest", doc) == {("/containers/0/bill_no", "bill_not_in_message")}
    doc["containers"] = []
    assert codes("manifest", doc) == {("/consignments", "required")}
    original = sample_manifest("MT1101")
    original["consignments"] = []
    assert codes("manifest", original) >= {("/consignments", "required")}


def test_containers_and_items_name_consignments_of_the_message() -> None:
    doc = sample_manifest(bill_nos=("B1", "B2"))
    doc["containers"][1]["bill_no"] = "B9"
    doc["items"][0]["bill_no"] = "B7"
    doc["consignments"].append(copy.deepcopy(doc["consignments"][0]))
    found = codes("manifest", doc)
    assert {
        ("/containers/1/bill_no", "bill_not_in_message"),
        ("/items/0/bill_no", "bill_not_in_message"),
        ("/consignments/2/bill_no", "duplicate_bill"),
    } <= found


def test_consignment_packages_add_up_to_its_items() -> None:
    doc = sample_manifest(bill_nos=("B1", "B2"))
    doc["items"][3]["packages"] = 1
    assert codes("manifest", doc) == {("/consignments/1/packages", "packages_mismatch")}
    message = findings("manifest", doc)[0]
    assert "101" in message.message
    assert "101" in message.message_zh


def test_item_seq_runs_per_bill() -> None:
    doc = sample_manifest(bill_nos=("B1", "B2"))
    assert [(i["bill_no"], i["seq"]) for i in doc["items"]] == [
        ("B1", 1), ("B1", 2), ("B2", 1), ("B2", 2),
    ]  # fmt: skip
    doc["items"][3]["seq"] = 3
    assert codes("manifest", doc) == {("/items/3/seq", "seq_gap")}


def test_sea_manifest_means_id_is_an_imo_number() -> None:
    doc = sample_manifest(means_id="UN9074729")
    assert findings("manifest", doc) == []
    assert normalise("manifest", doc)["head"]["means_id"] == "9074729"
    assert doc["head"]["means_id"] == "UN9074729"  # input untouched
    doc["head"]["means_id"] = "UN9074728"
    assert codes("manifest", doc) == {("/head/means_id", "imo_check_digit")}
    assert normalise("manifest", doc)["head"]["means_id"] == "UN9074728"
    doc["head"]["means_id"] = "COSCO ARIES"
    assert codes("manifest", doc) == {("/head/means_id", "imo_format")}
    air = sample_manifest("MT1201")
    assert air["head"]["means_id"] == "B-1234"
    assert findings("manifest", air) == []


# --- times, counts, sequence numbers ----------------------------------------------------


def test_times_in_order_and_actual_times_not_in_future() -> None:
    doc = sample_ship_report("CSM007")
    voyage = doc["voyage"]
    voyage["etd"] = voyage["eta"]
    voyage["atd"] = at(today_china() - timedelta(days=2), 8)
    assert codes("ship_report", doc) == {
        ("/voyage/etd", "time_order"),
        ("/voyage/atd", "time_order"),
    }
    voyage["atd"] = voyage["ata"]  # equal actual times are allowed (ata <= atd)
    voyage["etd"] = at(today_china() + timedelta(days=5), 8)
    assert findings("ship_report", doc) == []
    voyage["atd"] = at(today_china() + timedelta(days=1), 8)
    assert codes("ship_report", doc) == {("/voyage/atd", "date_in_future")}
    flight = sample_aircraft_report("departure")
    flight["flight"]["sta"] = at(today_china(), 12)
    flight["flight"]["std"] = at(today_china(), 11)
    assert codes("aircraft_report", flight) == {("/flight/std", "time_order")}


def test_counts_match_the_lists() -> None:
    doc = sample_ship_report(crew=3, passengers=2)
    doc["voyage"]["crew_count"] = 4
    doc["voyage"]["passenger_count"] = 1
    assert codes("ship_report", doc) == {
        ("/voyage/crew_count", "count_mismatch"),
        ("/voyage/passenger_count", "count_mismatch"),
    }
    del doc["crew"]  # the list may be filed later in a person_list
    doc["voyage"]["passenger_count"] = 2
    assert findings("ship_report", doc) == []
    train = sample_train_report(wagons=3)
    train["train"]["wagons"] = 2
    assert codes("train_report", train) == {("/train/wagons", "count_mismatch")}
    people = sample_person_list(crew=2, passengers=2)
    people["call"]["passenger_count"] = 3
    assert codes("person_list", people) == {("/call/passenger_count", "count_mismatch")}


def test_seq_without_gaps_in_every_block() -> None:
    doc = sample_ship_report("CSM005", crew=3, passengers=2, dangerous_goods=True)
    doc["crew"][1]["seq"] = 3
    doc["crew"][2]["seq"] = 3
    doc["passengers"][0]["seq"] = 2
    doc["dangerous_goods"][1]["seq"] = 1
    doc["movements"][0]["seq"] = 2
    assert codes("ship_report", doc) == {
        ("/crew/1/seq", "seq_gap"),
        ("/passengers/0/seq", "seq_gap"),
        ("/dangerous_goods/1/seq", "seq_gap"),
        ("/movements/0/seq", "seq_gap"),
    }


def test_crew_effects_name_a_crew_member_and_csm005_needs_movements() -> None:
    doc = sample_ship_report("CSM005", crew=2)
    del doc["movements"]
    doc["crew_effects"] = [
        {"crew_seq": 2, "description": "CIGARETTES", "quantity": "200", "unit": "011"},
        {"crew_seq": 5, "description": "CAMERA", "quantity": 1},
    ]
    assert codes("ship_report", doc) == {
        ("/crew_effects/1/crew_seq", "crew_not_listed"),
        ("/movements", "required"),
    }


# --- persons and MRZ --------------------------------------------------------------------


def test_person_list_lists_match_the_message_type() -> None:
    doc = sample_person_list("crew")
    doc["passengers"] = [person(1, crew=False)]
    assert codes("person_list", doc) == {("/passengers", "not_allowed")}
    doc = sample_person_list("both")
    del doc["passengers"]
    del doc["call"]["passenger_count"]
    assert codes("person_list", doc) == {("/passengers", "required")}


def test_mrz_check_digits_and_agreement() -> None:
    doc = sample_person_list("crew", crew=2)
    member = doc["crew"][0]
    assert member["mrz"]
    member["doc_no"] = "S00000009"
    member["birth_date"] = "1980-01-16"
    member["nationality"] = "PHL"
    member["doc_expiry"] = "2020-01-01"
    assert codes("person_list", doc) == {
        ("/crew/0/doc_no", "mrz_mismatch"),
        ("/crew/0/birth_date", "mrz_mismatch"),
        ("/crew/0/nationality", "mrz_mismatch"),
        ("/crew/0/doc_expiry", "mrz_mismatch"),
    }
    doc = sample_person_list("crew", crew=1)
    lines = doc["crew"][0]["mrz"].split("\n")
    lines[1] = lines[1][:9] + "0" + lines[1][10:]  # break the document number check digit
    doc["crew"][0]["mrz"] = "\n".join(lines)
    assert codes("person_list", doc) == {("/crew/0/mrz", "mrz_check_digit")}
    doc["crew"][0]["mrz"] = "P<CHN" + "<" * 56
    assert codes("person_list", doc) == {("/crew/0/mrz", "mrz_format")}


def test_sea_call_means_is_an_imo_number() -> None:
    doc = sample_person_list(means_id="UN9074729")
    assert findings("person_list", doc) == []
    assert normalise("person_list", doc)["call"]["means_id"] == "9074729"
    doc["call"]["means_id"] = "9074728"
    assert codes("person_list", doc) == {("/call/means_id", "imo_check_digit")}
    road = sample_person_list(mode="road", means_id="粤Z1234港", journey_id="T1", port="CNHUG")
    assert findings("person_list", road) == []


# --- vehicle ----------------------------------------------------------------------------


def test_vehicle_needs_a_plate_and_valid_containers() -> None:
    doc = sample_vehicle_report(plate_cn=None, plate_hk=None)
    good = container_number("MSKU123456")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    doc["vehicle"]["containers"] = f"{good} {bad} {good}"
    assert codes("vehicle_report", doc) == {
        ("/vehicle/plate_cn", "plate_required"),
        ("/vehicle/containers", "container_check_digit"),
        ("/vehicle/containers", "duplicate_container"),
    }
    assert any(bad in f.message for f in findings("vehicle_report", doc))
    doc["vehicle"]["plate_mo"] = "MA-12-34"
    doc["vehicle"]["containers"] = "MSKU12345"
    assert codes("vehicle_report", doc) == {("/vehicle/containers", "pattern")}


def test_driver_mrz_agrees_with_the_document_number() -> None:
    doc = sample_vehicle_report()
    crew = sample_person_list("crew", crew=1)["crew"][0]
    doc["vehicle"]["driver_mrz"] = crew["mrz"]
    doc["vehicle"]["driver_doc_no"] = crew["doc_no"]
    assert findings("vehicle_report", doc) == []
    doc["vehicle"]["driver_doc_no"] = "X1"
    assert codes("vehicle_report", doc) == {("/vehicle/driver_doc_no", "mrz_mismatch")}


# --- dangerous goods --------------------------------------------------------------------


def test_dangerous_goods_rules() -> None:
    doc = sample_dangerous_goods()
    paint, pollutant = doc["dangerous_goods"]
    del paint["flash_point_c"]
    del paint["packing_group"]
    pollutant["net_mass_kg"] = "300"
    pollutant["subsidiary_risk"] = "9"
    assert codes("dangerous_goods", doc) == {
        ("/dangerous_goods/0/flash_point_c", "flash_point_required"),
        ("/dangerous_goods/0/packing_group", "packing_group_required"),
        ("/dangerous_goods/1/net_mass_kg", "net_exceeds_gross"),
        ("/dangerous_goods/1/subsidiary_risk", "subsidiary_same_as_class"),
    }


def test_packing_group_by_class_and_entry() -> None:
    doc = sample_dangerous_goods()
    batteries = doc["dangerous_goods"][1]
    batteries |= {"un_number": "3480", "proper_shipping_name": "LITHIUM ION BATTERIES"}
    del batteries["packing_group"]  # UN 3480 has no packing group
    gas = doc["dangerous_goods"][0]
    gas |= {"un_number": "1075", "imdg_class": "2.1", "packing_group": "II"}
    del gas["flash_point_c"]
    assert codes("dangerous_goods", doc) == {
        ("/dangerous_goods/0/packing_group", "packing_group_not_applicable"),
    }
    batteries["un_number"] = "3082"
    assert ("/dangerous_goods/1/packing_group", "packing_group_required") in codes(
        "dangerous_goods", doc
    )


def test_dangerous_goods_fields() -> None:
    doc = sample_dangerous_goods()
    row = doc["dangerous_goods"][0]
    row |= {"un_number": "0000", "stowage_position": "000382", "ems": "F-Z,S-A",
            "imdg_class": "4", "container_no": "MSKU1234567"}  # fmt: skip
    doc["dangerous_goods"][1]["stowage_position"] = "140381"
    assert codes("dangerous_goods", doc) == {
        ("/dangerous_goods/0/un_number", "un_number_format"),
        ("/dangerous_goods/0/stowage_position", "stowage_bay"),
        ("/dangerous_goods/0/ems", "pattern"),
        ("/dangerous_goods/0/imdg_class", "enum"),
        ("/dangerous_goods/0/container_no", "container_check_digit"),
        ("/dangerous_goods/1/stowage_position", "stowage_tier"),
    }
    del doc["dangerous_goods"]
    assert codes("dangerous_goods", doc) == {("/dangerous_goods", "required")}


def test_all_findings_at_once_on_garbage() -> None:
    """Wrong shapes everywhere give findings, never an exception."""
    for doc_type in ("ship_report", "manifest", "person_list", "vehicle_report"):
        for junk in ([], "x", {"crew": "x", "consignments": {}, "vehicle": [], "call": 3}):
            found = findings(doc_type, junk)
            assert found
            assert all(f.code for f in found)
