"""The projector: WCO TRS milestones of real submissions (through the API, with agency
decisions, a ship call and inserted inspection and gate-out events), late-committed events,
idempotent passes and the full sweep."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update

from singlewindow.analytics.models import TimeRelease, TimeReleaseAgency
from singlewindow.analytics.tasks import loops, refresh_once, sweep_once
from singlewindow.kit.clock import CHINA_TZ, today_china
from singlewindow.kit.ids import new_id
from singlewindow.standards.documents.transport_samples import sample_ship_report
from singlewindow.transport.models import ArrivalRecord, TransportCall
from tests.analytics.conftest import Clock, add_event
from tests.transport.manifests.conftest import IMO, SQLITE_ONLY, MNode

BILL = "COSU6312345670"  # the sample goods declaration's B/L (vessel and voyage 045E)
VOYAGE = "045E"


def _row(mf: MNode, declaration_id: str) -> TimeRelease:
    with mf.node.db.read_only() as session:
        row = session.scalar(
            select(TimeRelease).where(TimeRelease.declaration_id == declaration_id)
        )
        assert row is not None
        session.expunge(row)
        return row


def _agencies(mf: MNode, declaration_id: str) -> dict[str, TimeReleaseAgency]:
    with mf.node.db.read_only() as session:
        rows = session.scalars(
            select(TimeReleaseAgency).where(TimeReleaseAgency.declaration_id == declaration_id)
        )
        out = {r.agency_code: r for r in rows}
        session.expunge_all()
        return out


def _count(mf: MNode, model: Any) -> int:
    with mf.node.db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _refresh(mf: MNode) -> int:
    return refresh_once(mf.node.db, mf.node.settings)


def _import(
    mf: MNode, clock: Clock, entry_no: Callable[[str, str, str], str], *, ship: bool = True
) -> dict[str, Any]:
    """Ship call 045E (arrived yesterday 08:00 China time), its manifest, then an import
    declaration: received after 30 min, accepted after 1 h (the clock moves by hand)."""
    doc = mf.node.document()
    boxes = [c["container_id"] for c in doc["containers"]]
    mf.ok(mf.manifest("MT1101", bill_nos=[BILL], containers=boxes, journey_id=VOYAGE))
    if ship:
        report = sample_ship_report("CSM004", imo=IMO, voyage_in=VOYAGE, voyage_out="045W")
        r = mf.client.post(
            "/api/v1/transport/reports/ship_report", json=report, headers=mf.auth("carrier")
        )
        assert r.status_code == 202, r.text
    t0 = clock.now
    r = mf.node.submit(doc)
    assert r.status_code == 202, r.text
    did, unified = r.json()["id"], r.json()["unified_no"]
    clock.advance(minutes=30)
    assert mf.node.decide("CUS5300", did, "received").status_code == 200
    clock.advance(minutes=30)
    number = entry_no("5316", "I", unified)
    assert mf.node.decide("CUS5300", did, "accepted", entry_no=number).status_code == 200
    return {"id": did, "t0": t0, "containers": boxes}


def test_segments_of_a_real_import(
    mf: MNode, fixed_clock: Clock, entry_no: Callable[[str, str, str], str]
) -> None:
    d = _import(mf, fixed_clock, entry_no)
    did, t0, db = d["id"], d["t0"], mf.node.db
    hour = timedelta(hours=1)
    # The joint inspection's events (the inspection routes write them; inserted here).
    add_event(db, did, "inspection_ordered", t0 + 2 * hour, {"agency": "CUS5300", "case_no": "JI1"})
    add_event(db, did, "inspection_booked", t0 + 3 * hour, {"case_no": "JI1"})
    add_event(db, did, "inspection_result", t0 + 5 * hour, {"agency": "CUS5300", "result": "pass"})
    fixed_clock.now = t0 + 6 * hour
    assert mf.node.decide("CUS5300", did, "released").status_code == 200
    add_event(
        db, did, "gate_out", t0 + 8 * hour, {"container_no": d["containers"][0], "all_out": False}
    )
    add_event(
        db, did, "gate_out", t0 + 9 * hour, {"container_no": d["containers"][1], "all_out": True}
    )

    assert _refresh(mf) == 1
    row = _row(mf, did)
    with db.read_only() as session:
        call = session.scalar(select(TransportCall).where(TransportCall.journey_id == VOYAGE))
        assert call is not None
        assert call.ata is not None
        session.expunge(call)
    assert (row.call_id, row.arrival_source, row.arrived_at) == (call.id, "call", call.ata)
    assert row.submitted_at == t0
    assert row.accepted_at == t0 + hour
    assert row.inspection_started_at == t0 + 2 * hour
    assert row.inspection_finished_at == t0 + 5 * hour
    assert row.released_at == t0 + 6 * hour
    assert (row.exited_at, row.exit_source) == (t0 + 9 * hour, "gate_out")
    assert row.inspected is True
    assert (row.port, row.customs_district, row.trade_mode, row.transport_mode, row.ie_flag) == (
        "5316", "5300", "0110", "2", "I",
    )  # fmt: skip
    assert (row.bill_no, row.voyage) == (BILL, VOYAGE)
    customs = _agencies(mf, did)["CUS5300"]
    assert customs.role == "customs"
    assert customs.routed_at == t0
    assert customs.received_at == t0 + hour / 2
    assert customs.first_decision_at == t0 + hour  # accepted (a receipt is not a decision)
    assert customs.inspection_ordered_at == t0 + 2 * hour
    assert customs.inspection_result_at == t0 + 5 * hour
    assert customs.released_at == t0 + 6 * hour

    # Idempotent: another pass (and the full sweep) finds nothing to change.
    before = row.updated_at
    assert _refresh(mf) == 0
    assert sweep_once(db, mf.node.settings) == 0
    assert _row(mf, did).updated_at == before
    assert (_count(mf, TimeRelease), _count(mf, TimeReleaseAgency)) == (1, len(_agencies(mf, did)))


def test_late_events_and_a_late_ship_call_are_picked_up(
    mf: MNode, fixed_clock: Clock, entry_no: Callable[[str, str, str], str]
) -> None:
    d = _import(mf, fixed_clock, entry_no, ship=False)
    did, t0, db = d["id"], d["t0"], mf.node.db
    # A transaction that began before the pass commits its event after it: the event's key
    # is older than the watermark the pass advanced to.
    late_id = new_id()
    assert _refresh(mf) == 1
    row = _row(mf, did)
    assert (row.arrived_at, row.released_at, row.call_id) == (None, None, None)
    add_event(
        db, did, "release_notice", t0 + timedelta(hours=4), {"release_no": "R1"}, event_id=late_id
    )
    assert _refresh(mf) == 1
    assert _row(mf, did).released_at == t0 + timedelta(hours=4)

    # The ship call is reported after the declaration: its ata becomes the arrival.
    report = sample_ship_report("CSM004", imo=IMO, voyage_in=VOYAGE, voyage_out="045W")
    r = mf.client.post(
        "/api/v1/transport/reports/ship_report", json=report, headers=mf.auth("carrier")
    )
    assert r.status_code == 202, r.text
    assert _refresh(mf) == 1
    row = _row(mf, did)
    assert row.arrival_source == "call"
    assert row.arrived_at is not None
    assert row.arrived_at < t0

    # An event with a key far older than the overlap (a federation replay) on a declaration
    # with no recent event is left to the full sweep.
    assert mf.node.submit(mf.node.document()).status_code == 202  # newer events elsewhere
    assert _refresh(mf) == 1
    old_id = "00000000-0000-7000-8000-000000000000"
    add_event(db, did, "gate_out", t0 + timedelta(hours=7), {"all_out": True}, event_id=old_id)
    no_overlap = mf.node.settings.model_copy(update={"time_release_overlap_seconds": 0})
    assert refresh_once(db, no_overlap) == 0
    assert _row(mf, did).exited_at is None
    assert sweep_once(db, mf.node.settings) == 1
    assert _row(mf, did).exited_at == t0 + timedelta(hours=7)
    assert _refresh(mf) == 0
    assert _count(mf, TimeRelease) == 2


@SQLITE_ONLY
def test_drafts_are_not_projected(mf: MNode) -> None:
    r = mf.client.post(
        "/api/v1/declarations", params={"draft": "true"}, json=mf.node.document(),
        headers=mf.auth("trader"),
    )  # fmt: skip
    assert r.status_code in (201, 202), r.text
    assert _refresh(mf) == 0
    assert _count(mf, TimeRelease) == 0


@SQLITE_ONLY
def test_the_background_loop_projects_and_stops(mf: MNode) -> None:
    assert mf.node.submit(mf.node.document()).status_code == 202
    settings = mf.node.settings.model_copy(update={"time_release_interval_seconds": 0.05})

    async def run() -> None:
        stop = asyncio.Event()
        (name, body), *others = loops(mf.node.db, settings, stop).items()
        assert (name, others) == ("time_release_projector", [])
        task = asyncio.create_task(body())
        for _ in range(100):
            if _count(mf, TimeRelease):
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(run())
    assert _count(mf, TimeRelease) == 1


def _ship_report(mf: MNode, message_type: str) -> Any:
    report = sample_ship_report(message_type, imo=IMO, voyage_in="045W", voyage_out=VOYAGE)
    return mf.client.post(
        "/api/v1/transport/reports/ship_report", json=report, headers=mf.auth("carrier")
    )


@SQLITE_ONLY
def test_an_export_arrives_by_arrival_report_and_exits_by_departure(
    mf: MNode, fixed_clock: Clock, entry_no: Callable[[str, str, str], str]
) -> None:
    """Goods reported arrived at the terminal (运抵报告), declared, released, then the
    vessel's departure (its atd, today 00:00 China time) is their exit."""
    midnight = datetime.combine(today_china(), time(), CHINA_TZ).astimezone(UTC)
    fixed_clock.now = midnight - timedelta(hours=12)
    doc = mf.node.document(ie_flag="E")
    boxes = [c["container_id"] for c in doc["containers"]]
    mf.ok(mf.manifest("MT2101", bill_nos=[BILL], containers=boxes, journey_id=VOYAGE))
    r = mf.post(
        mf.manifest("MT3101", bill_nos=[BILL], containers=boxes, journey_id=VOYAGE), "PORT-YICT"
    )
    assert r.status_code == 202, r.text
    fixed_clock.advance(hours=1)
    r = mf.node.submit(doc)
    assert r.status_code == 202, r.text
    did, unified = r.json()["id"], r.json()["unified_no"]
    fixed_clock.advance(hours=1)
    number = entry_no("5316", "E", unified)
    assert mf.node.decide("CUS5300", did, "accepted", entry_no=number).status_code == 200
    assert mf.node.decide("CUS5300", did, "released").status_code == 200
    assert _ship_report(mf, "CSM004").status_code == 202  # arrived: ata is not the export's
    assert _refresh(mf) == 1
    row = _row(mf, did)
    with mf.node.db.read_only() as session:
        reported = session.scalar(select(func.min(ArrivalRecord.arrived_at)))
    assert reported is not None
    assert (row.arrival_source, row.arrived_at) == ("arrival_report", reported)
    assert (row.released_at, row.exited_at) == (midnight - timedelta(hours=10), None)

    # The confirmed departure (CSM007, once every agency cleared it) records the call's atd.
    with mf.node.db.unit_of_work() as session:
        session.execute(
            update(TransportCall)
            .where(TransportCall.journey_out == VOYAGE)
            .values(atd=midnight, updated_at=fixed_clock.advance(hours=1))
        )
    assert _refresh(mf) == 1
    row = _row(mf, did)
    assert (row.exited_at, row.exit_source) == (midnight, "departure")
    assert row.call_id is not None
