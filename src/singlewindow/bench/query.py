"""``singlewindow bench query``: the clearance query by every key over a large store.

``count`` declarations (default 1,000,000) are inserted with SQLAlchemy Core bulk inserts
(not through the API) into a throw-away PostgreSQL (``--backend sqlite`` for a smoke run),
with each one's customs decision and timeline event, and the manifest side: one consignment
and one container per declaration's B/L, 1,000 B/Ls per voyage of a few vessels, one ship call
per voyage. Then, for every key, ``samples`` random existing values are looked up twice:

* the product path — ``query.repository.find`` (scoped to the trader who owns the rows) and
  ``query.service.chains`` (the whole chain) serialised to JSON, one read-only session each;
* the raw indexed SELECT underneath — the declaration rows by the key, with SQLAlchemy Core.

It prints p50/p99 per key for both and the ratio of the p99s (the figure to track, since
machines are noisy). The HTTP layer is not included.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, text

from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.ids import new_id
from singlewindow.migrate import upgrade
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.query import repository, service
from singlewindow.query.api import page_session
from singlewindow.runtime import settle_heap
from singlewindow.standards.documents.transport_samples import container_number
from singlewindow.transport.models import (
    Consignment,
    ConsignmentContainer,
    ManifestMessage,
    TransportCall,
)

TRADER = "BENCH-TRADER"
TRADER_USCC = "91440300MA5BENCH0X"
IMOS = ("9074729", "9321483", "9395044", "9454436")
PER_VOYAGE = 1000
BATCH = 10_000
PAGE = 20  # the API's default page size
KEYS = ("unified_no", "entry_no", "client_ref", "bill_no", "container_no", "vessel_voyage")


@dataclass
class KeyResult:
    key: str
    samples: int = 0
    found: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    raw_p50_ms: float = 0.0
    raw_p99_ms: float = 0.0
    ratio: float = 0.0


@dataclass
class QueryBenchResult:
    backend: str
    count: int
    insert_seconds: float = 0.0
    rows_per_s: float = 0.0
    keys: list[KeyResult] = field(default_factory=list)
    worst_p99_ms: float = 0.0
    notes: list[str] = field(default_factory=list)


def _bill(i: int) -> str:
    return f"BNCH{i:010d}"


def _box(i: int) -> str:
    return container_number(f"BQCU{i % 1_000_000:06d}") if i < 1_000_000 else f"BQ{i:09d}"


def _voyage(i: int) -> tuple[str, str]:
    v = i // PER_VOYAGE
    return IMOS[v % len(IMOS)], f"V{v:05d}E"


def _unified(i: int) -> str:
    return f"5300{i:014d}"


def _entry(i: int) -> str:
    return f"531620260{i:09d}"


def _insert(db: Database, count: int) -> int:
    """The rows, in batches of ``BATCH`` per transaction; answers how many rows."""
    now = clock.now()
    rows = 0
    message_id = new_id()
    with db.engine.begin() as conn:
        conn.execute(
            insert(ManifestMessage),
            [
                {
                    "id": message_id,
                    "message_type": "MT1101",
                    "function": "9",
                    "mode": "sea",
                    "means_id": IMOS[0],
                    "journey_id": "V00000E",
                    "customs_office": "5316",
                    "declarant_code": "BENCH-CARRIER",
                    "client_ref": "BENCH-MANIFEST",
                    "content_digest": "0" * 64,
                    "document": {},
                    "recipients": [],
                    "submitted_at": now,
                }
            ],
        )
        calls = [
            {
                "id": new_id(),
                "created_at": now,
                "mode": "sea",
                "means_id": _voyage(v * PER_VOYAGE)[0],
                "journey_id": _voyage(v * PER_VOYAGE)[1],
                "journey_out": _voyage(v * PER_VOYAGE)[1][:-1] + "W",
                "means_name": "BENCH VESSEL",
                "port": "CNYTN",
                "customs_office": "5316",
                "carrier_code": "BENCH-CARRIER",
                "stage": "arrived",
                "arrival_clearance": "cleared",
                "departure_clearance": "none",
                "ata": now,
                "document": {},
                "updated_at": now,
            }
            for v in range((count + PER_VOYAGE - 1) // PER_VOYAGE)
        ]
        conn.execute(insert(TransportCall), calls)
        rows += len(calls) + 1
    call_of = {(c["means_id"], c["journey_id"]): c["id"] for c in calls}
    for start in range(0, count, BATCH):
        declarations, statuses, events, consignments, boxes = [], [], [], [], []
        for i in range(start, min(start + BATCH, count)):
            did, cid = new_id(), new_id()
            at = now - timedelta(seconds=count - i)
            imo, voyage = _voyage(i)
            declarations.append(
                {
                    "id": did,
                    "created_at": at,
                    "doc_type": "goods_declaration",
                    "declarant_code": TRADER,
                    "client_ref": f"BENCH-{i:09d}",
                    "content_digest": "0" * 64,
                    "unified_no": _unified(i),
                    "entry_no": _entry(i),
                    "ie_flag": "I",
                    "customs_master": "5316",
                    "bill_no": _bill(i),
                    "trade_co_scc": TRADER_USCC,
                    "agent_code_scc": TRADER_USCC,
                    "vessel_key": imo,
                    "voyage_no": voyage,
                    "status": "released",
                    "document": {
                        "head": {"traf_name": f"UN{imo}"},
                        "free_text": {"voy_no": voyage},
                    },
                    "submitted_at": at,
                    "updated_at": at,
                }
            )
            statuses.append(
                {
                    "id": new_id(),
                    "declaration_id": did,
                    "agency_code": "CUS5300",
                    "role": "customs",
                    "status": "released",
                    "reasons": [],
                    "updated_at": at,
                }
            )
            events.append(
                {
                    "id": new_id(),
                    "declaration_id": did,
                    "at": at,
                    "actor": TRADER,
                    "event": "submitted",
                    "status_before": None,
                    "status_after": "submitted",
                    "detail": {},
                }
            )
            consignments.append(
                {
                    "id": cid,
                    "manifest_type": "MT1101",
                    "direction": "I",
                    "mode": "sea",
                    "means_id": imo,
                    "journey_id": voyage,
                    "call_id": call_of[(imo, voyage)],
                    "bill_no": _bill(i),
                    "customs_office": "5316",
                    "carrier_code": "BENCH-CARRIER",
                    "means_name": "BENCH VESSEL",
                    "packages": 10,
                    "gross_weight_kg": "1000",
                    "status": "active",
                    "version": 1,
                    "message_id": message_id,
                    "document": {},
                    "updated_at": at,
                }
            )
            boxes.append(
                {
                    "id": new_id(),
                    "consignment_id": cid,
                    "container_no": _box(i),
                    "size_type": "22G1",
                    "fullness": "5",
                    "seals": None,
                }
            )
        with db.engine.begin() as conn:
            conn.execute(insert(Declaration), declarations)
            conn.execute(insert(AgencyStatus), statuses)
            conn.execute(insert(TimelineEvent), events)
            conn.execute(insert(Consignment), consignments)
            conn.execute(insert(ConsignmentContainer), boxes)
        rows += 5 * len(declarations)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return rows


def _principal() -> Principal:
    return Principal(
        party_id="bench",
        party_code=TRADER,
        kind=PartyKind.enterprise,
        agency_type=None,
        uscc=TRADER_USCC,
        customs_code=None,
        key_id=None,
        roles=frozenset({"declarant_clerk"}),
    )


def _key(name: str, i: int) -> repository.Key:
    if name == "vessel_voyage":
        imo, voyage = _voyage(i)
        return repository.Key(vessel=imo, voyage=voyage)
    value = {
        "unified_no": _unified,
        "entry_no": _entry,
        "client_ref": lambda n: f"BENCH-{n:09d}",
        "bill_no": _bill,
        "container_no": _box,
    }[name](i)
    return repository.Key(**{name: value})


def _raw(conn: Connection, name: str, i: int) -> int:
    """The indexed SELECTs of the declaration rows by the key, as the product resolves it
    (container: the manifest's B/Ls, then the declarations by B/L; vessel + voyage: the
    declaration's own keys)."""
    d = Declaration
    bills: Any = None
    if name == "container_no":
        bills = (
            select(Consignment.bill_no)
            .join(ConsignmentContainer, ConsignmentContainer.consignment_id == Consignment.id)
            .where(ConsignmentContainer.container_no == _box(i))
        )
    elif name == "vessel_voyage":
        imo, voyage = _voyage(i)
        query = (
            select(d)
            .where(d.voyage_no == voyage, d.vessel_key == imo)
            .order_by(d.submitted_at)
            .limit(PAGE + 1)
        )
        return len(conn.execute(query).all())
    if bills is not None:
        listed = list(conn.scalars(bills))
        query = select(d).where(d.bill_no.in_(listed))
    else:
        column = {
            "unified_no": (d.unified_no, _unified),
            "entry_no": (d.entry_no, _entry),
            "client_ref": (d.client_ref, lambda n: f"BENCH-{n:09d}"),
            "bill_no": (d.bill_no, _bill),
        }[name]
        query = select(d).where(column[0] == column[1](i))
    return len(conn.execute(query.limit(PAGE + 1)).all())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _time(samples: list[int], run: Callable[[int], int]) -> tuple[list[float], int]:
    timings, found = [], 0
    for i in samples:
        start = time.perf_counter()
        found += 1 if run(i) else 0
        timings.append((time.perf_counter() - start) * 1000)
    return timings, found


def _measure(db: Database, count: int, samples: int, seed: int) -> list[KeyResult]:
    principal = _principal()
    filters = repository.Filters()
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrets
    out = []
    for name in KEYS:
        picks = [rng.randrange(count) for _ in range(samples)]

        def product(i: int, name: str = name) -> int:
            # As the route reads a page (query.api.page_session): a short read for a trader.
            with page_session(db, principal) as session:
                rows = repository.find(session, principal, _key(name, i), filters, PAGE + 1)
                chains = service.chains(session, principal, rows[:PAGE])
                body = [c.model_dump_json() for c in chains]
            return len(body)

        def raw(i: int, name: str = name) -> int:
            with db.engine.connect() as conn:
                return _raw(conn, name, i)

        _time(picks[: max(1, samples // 10)], product)  # warm up
        _time(picks[: max(1, samples // 10)], raw)
        timings, found = _time(picks, product)
        raw_timings, _ = _time(picks, raw)
        p99 = round(_percentile(timings, 0.99), 3)
        raw_p99 = round(_percentile(raw_timings, 0.99), 3)
        out.append(
            KeyResult(
                key=name,
                samples=len(picks),
                found=found,
                p50_ms=round(_percentile(timings, 0.5), 3),
                p99_ms=p99,
                raw_p50_ms=round(_percentile(raw_timings, 0.5), 3),
                raw_p99_ms=raw_p99,
                ratio=round(p99 / raw_p99, 2) if raw_p99 else 0.0,
            )
        )
    return out


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        root = Path(tempfile.mkdtemp(prefix="sw-bench-query-"))
        try:
            yield f"sqlite:///{root / 'bench.db'}"
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    from singlewindow.devservers import postgres_server

    with postgres_server() as pg:
        yield pg.create_database("bench_query")


def run_query_bench(
    count: int, *, backend: str = "postgres", samples: int = 500, seed: int = 5
) -> QueryBenchResult:
    result = QueryBenchResult(backend=backend, count=count)
    with _database(backend) as url:
        upgrade(url)
        db = Database(url)
        try:
            start = time.perf_counter()
            rows = _insert(db, count)
            result.insert_seconds = round(time.perf_counter() - start, 2)
            result.rows_per_s = round(rows / result.insert_seconds, 1) if rows else 0.0
            settle_heap()  # as a node does once it has started (runtime.settle_heap)
            result.keys = _measure(db, count, samples, seed)
        finally:
            db.dispose()
    result.worst_p99_ms = max((k.p99_ms for k in result.keys), default=0.0)
    if backend != "postgres":
        result.notes.append("smoke run: the target (p99 < 20 ms) is for PostgreSQL")
    return result
