"""Every transport sample validates, on the database's code tables and on the shipped ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from singlewindow.kit.clock import today_china
from singlewindow.kit.db import Database
from singlewindow.standards.codes import service
from singlewindow.standards.codes.lookup import builtin_lookup
from singlewindow.standards.documents import document_types
from singlewindow.standards.documents.transport_samples import (
    SAMPLES,
    sample_aircraft_report,
    sample_dangerous_goods,
    sample_manifest,
    sample_person_list,
    sample_ship_report,
    sample_train_report,
    sample_vehicle_report,
)
from singlewindow.standards.rules import normalise, validate
from singlewindow.standards.validation import validate_document

STAGES = ("pre_arrival", "arrival", "pre_departure", "departure")
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    *[("ship_report", sample_ship_report(f"CSM00{n}", dangerous_goods=n == 2, passengers=n % 2))
      for n in range(1, 8)],
    *[("aircraft_report", sample_aircraft_report(s, passengers=1)) for s in STAGES],
    *[("vehicle_report", sample_vehicle_report(s)) for s in STAGES],
    ("vehicle_report", sample_vehicle_report(plate_cn=None, containers=())),
    *[("train_report", sample_train_report(s)) for s in STAGES],
    *[("manifest", sample_manifest(m)) for m in (
        "MT1101", "MT2101", "MT3101", "MT4101", "MT5101", "MT5102",
        "MT1201", "MT2201", "MT3201", "MT4201", "MT5201", "MT5202")],
    ("manifest", sample_manifest(function="3")),
    ("manifest", sample_manifest(function="5", items=False)),
    *[("person_list", sample_person_list(m)) for m in ("crew", "passengers", "both")],
    ("person_list", sample_person_list(mode="air", means_id="B-1234", journey_id="CZ3101",
                                       port="CNCAN", customs_office="5141")),
    ("dangerous_goods", sample_dangerous_goods()),
]  # fmt: skip


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.unit_of_work() as s:
        service.ensure_builtin_tables(s)
        yield s


def test_every_transport_type_has_a_sample() -> None:
    registered = {d.type for d in document_types()} - {"goods_declaration"}
    assert registered == set(SAMPLES)


def test_samples_validate_against_the_database(session: Session) -> None:
    for doc_type, doc in VARIANTS:
        assert validate_document(session, doc_type, doc) == [], (doc_type, doc["message_type"])


# Ids from the message type, not the document (its client_ref is random): every xdist worker
# must collect the same test ids.
@pytest.mark.parametrize(
    ("doc_type", "doc"), VARIANTS, ids=lambda v: v if isinstance(v, str) else v["message_type"]
)
def test_samples_validate_on_the_shipped_tables(doc_type: str, doc: dict[str, Any]) -> None:
    findings = validate(doc_type, doc, codes=builtin_lookup(), today=today_china())
    assert findings == []
    # The canonical form of a valid sample is itself valid and a fixed point.
    canonical = normalise(doc_type, doc)
    assert normalise(doc_type, canonical) == canonical
    assert validate(doc_type, canonical, codes=builtin_lookup(), today=today_china()) == []


def test_sample_overrides_are_used() -> None:
    ship = sample_ship_report("CSM004", imo="9319466", voyage_in="077E", crew=3, passengers=2)
    assert ship["vessel"]["imo"] == "9319466"
    assert ship["voyage"]["voyage_in"] == "077E"
    assert len(ship["crew"]) == ship["voyage"]["crew_count"] == 3
    assert len(ship["passengers"]) == ship["voyage"]["passenger_count"] == 2
    manifest = sample_manifest("MT2101", bill_nos=("B1", "B2", "B3"), containers=())
    assert [c["bill_no"] for c in manifest["consignments"]] == ["B1", "B2", "B3"]
    assert manifest["containers"] == []
    assert manifest["head"]["journey_id"] == "001W"
    people = sample_person_list("crew", crew=4)
    assert len(people["crew"]) == people["call"]["crew_count"] == 4
    assert "passengers" not in people
    assert sample_dangerous_goods(bill_nos=("X1",))["dangerous_goods"][0]["bill_no"] == "X1"
    assert sample_vehicle_report(trip_no="T9")["vehicle"]["trip_no"] == "T9"
    assert sample_train_report(train_no="X9")["train"]["train_no"] == "X9"
    assert sample_aircraft_report(flight_no="CZ9")["flight"]["flight_no"] == "CZ9"
