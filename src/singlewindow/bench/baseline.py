"""The raw engines underneath, measured in the same run as the product.

* Database: the rows one submission writes (declaration, agency status, two timeline events,
  two outbox messages), inserted with SQLAlchemy Core, one transaction per declaration, at the
  same concurrency as the HTTP clients.
* NATS: the same envelope bytes published straight to a JetStream file stream with a
  de-duplication id, at the same concurrency.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import insert

from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.exchange.models import Message
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.digest import canonical_json, digest_of
from singlewindow.kit.ids import new_id


def _rows(template: dict[str, Any], i: int) -> dict[str, list[dict[str, Any]]]:
    now = clock.now()
    did = new_id()
    digest = digest_of(template)
    return {
        "declaration": [
            {
                "id": did,
                "created_at": now,
                "doc_type": "goods_declaration",
                "declarant_code": "BENCH-RAW",
                "client_ref": f"RAW-{i:08d}-{did[-6:]}",
                "content_digest": digest,
                "unified_no": None,
                "entry_no": None,
                "ie_flag": "I",
                "customs_master": "5300",
                "bill_no": None,
                "trade_co_scc": None,
                "agent_code_scc": None,
                "status": "submitted",
                "document": template,
                "submitted_at": now,
                "updated_at": now,
            }
        ],
        "status": [
            {
                "id": new_id(),
                "declaration_id": did,
                "agency_code": "CUS5300",
                "role": "customs",
                "status": "pending",
                "reasons": [],
                "message_id": None,
                "updated_at": now,
            }
        ],
        "events": [
            {
                "id": new_id(),
                "declaration_id": did,
                "at": now,
                "actor": "BENCH-RAW",
                "event": event,
                "status_before": None,
                "status_after": "submitted",
                "detail": {},
            }
            for event in ("created", "submitted")
        ],
        "messages": [
            {
                "id": new_id(),
                "created_at": now,
                "direction": "out",
                "kind": kind,
                "sender": "BENCH-RAW",
                "recipient": "BENCH-RAW-R",
                "correlation_id": did,
                "payload": payload,
                "digest": digest,
                "context": None,
                "state": "acked",
                "attempts": 0,
                "generation": 0,
            }
            for kind, payload in (("goods_declaration", template), ("declaration_status", {}))
        ],
    }


def raw_database_rate(
    db: Database, template: dict[str, Any], count: int, *, concurrency: int
) -> float:
    """Declarations' rows per second, inserted straight into the database."""
    batches = [_rows(template, i) for i in range(count)]

    def one(rows: dict[str, list[dict[str, Any]]]) -> None:
        with db.engine.begin() as conn:
            conn.execute(insert(Declaration), rows["declaration"])
            conn.execute(insert(AgencyStatus), rows["status"])
            conn.execute(insert(TimelineEvent), rows["events"])
            conn.execute(insert(Message), rows["messages"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, batches))
    return count / (time.perf_counter() - started)


def raw_nats_rate(url: str, template: dict[str, Any], count: int, *, concurrency: int) -> float:
    """Envelopes per second, published straight to a JetStream file stream."""
    return asyncio.run(_nats(url, template, count, concurrency))


async def _nats(url: str, template: dict[str, Any], count: int, concurrency: int) -> float:
    import nats
    from nats.js.api import StreamConfig

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        stream = "BENCHRAW"
        await js.add_stream(StreamConfig(name=stream, subjects=["benchraw.>"]))
        bodies = [
            canonical_json({"id": new_id(), "kind": "goods_declaration", "payload": template})
            for _ in range(count)
        ]
        sem = asyncio.Semaphore(concurrency)

        async def one(i: int, body: bytes) -> None:
            async with sem:
                await js.publish("benchraw.CUS5300", body, headers={"Nats-Msg-Id": f"raw-{i}"})

        started = time.perf_counter()
        await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies)))
        elapsed = time.perf_counter() - started
        await js.delete_stream(stream)
        return count / elapsed
    finally:
        await nc.close()
