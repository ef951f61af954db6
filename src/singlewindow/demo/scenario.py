"""The scripted demo: a mix of import and export declarations through a fresh node.

Some carry licences (routed to the licensing authority too), some are rejected, some
inspected; every check must hold for ``ok`` to be true.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.demo.harness import NodeProcess
from singlewindow.demo.seed import DemoTrader
from singlewindow.exchange.models import Message
from singlewindow.kit.db import Database
from singlewindow.standards.documents.samples import sample_goods_declaration

FINAL = {"released", "rejected", "cleared", "withdrawn"}


def demo_document(trader: DemoTrader, index: int, *, lines: int = 3) -> dict[str, Any]:
    """A valid declaration filed by ``trader``; every third one carries a licence."""
    ie_flag = "I" if index % 2 == 0 else "E"
    doc = sample_goods_declaration(ie_flag, lines=lines, client_ref=f"DEMO-{index:06d}")
    head = doc["head"]
    head["trade_co_scc"] = trader.uscc
    head["trade_code"] = trader.customs_code
    head["trade_name"] = trader.name_zh
    head["agent_code_scc"] = trader.uscc
    head["agent_code"] = trader.customs_code
    head["agent_name"] = trader.name_zh
    head["bill_no"] = f"DEMOBL{index:08d}"
    if index % 3 == 0:
        doc["licences"] = [{"docu_code": "O", "cert_code": f"O2026GD{index:07d}"}]
    else:
        doc["licences"] = []
    return doc


@dataclass
class DemoResult:
    ok: bool = False
    submitted: int = 0
    accepted_202: int = 0
    released: int = 0
    rejected: int = 0
    inspected: int = 0
    with_licence: int = 0
    lost: int = 0
    duplicates: int = 0
    release_notices: int = 0
    seconds: float = 0.0
    checks: dict[str, bool] = field(default_factory=dict)


async def _submit_all(
    base_url: str, trader: DemoTrader, docs: list[dict[str, Any]], concurrency: int
) -> list[dict[str, Any]]:
    sem = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {trader.token}"}
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one(doc: dict[str, Any]) -> dict[str, Any]:
            async with sem:
                r = await client.post("/api/v1/declarations", json=doc, headers=headers)
                r.raise_for_status()
                body: dict[str, Any] = r.json()
                return body

        return list(await asyncio.gather(*(one(d) for d in docs)))


def run_demo(count: int = 24, *, timeout: float = 120.0) -> DemoResult:
    started = time.monotonic()
    result = DemoResult(submitted=count)
    node = NodeProcess(
        env={
            "SW_SIM_SEED": "7",
            "SW_SIM_REJECTION_RATE": "0.2",
            "SW_SIM_INSPECTION_RATE": "0.3",
            "SW_RETRY_BASE_SECONDS": "0.2",
        }
    )
    with node:
        trader = node.traders[0]
        docs = [demo_document(trader, i) for i in range(count)]
        result.with_licence = sum(1 for d in docs if d["licences"])
        receipts = asyncio.run(_submit_all(node.base_url, trader, docs, concurrency=8))
        result.accepted_202 = len(receipts)
        ids = [r["id"] for r in receipts]
        db = Database(node.settings().effective_database_url)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                with db.read_only() as session:
                    open_count = session.scalar(
                        select(func.count())
                        .select_from(Declaration)
                        .where(Declaration.id.in_(ids), Declaration.status.not_in(FINAL))
                    )
                if not open_count:
                    break
                time.sleep(0.5)
            _collect(db, ids, result)
        finally:
            db.dispose()
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _collect(db: Database, ids: list[str], result: DemoResult) -> None:
    with db.read_only() as session:
        stored = dict(
            session.execute(
                select(Declaration.id, Declaration.status).where(Declaration.id.in_(ids))
            ).all()
        )
        result.lost = len(set(ids) - set(stored))
        statuses = list(stored.values())
        result.released = statuses.count("released")
        result.rejected = statuses.count("rejected")
        result.inspected = (
            session.scalar(
                select(func.count(func.distinct(TimelineEvent.declaration_id))).where(
                    TimelineEvent.declaration_id.in_(ids),
                    TimelineEvent.event == "agency_inspected",
                )
            )
            or 0
        )
        # A duplicate effect = the same agency decision applied twice to one declaration.
        dup_rows = session.execute(
            select(TimelineEvent.declaration_id, TimelineEvent.actor, TimelineEvent.event)
            .where(TimelineEvent.declaration_id.in_(ids))
            .group_by(TimelineEvent.declaration_id, TimelineEvent.actor, TimelineEvent.event)
            .having(func.count() > 1)
        ).all()
        result.duplicates = len(dup_rows)
        routed = (
            session.scalar(
                select(func.count())
                .select_from(AgencyStatus)
                .where(AgencyStatus.declaration_id.in_(ids), AgencyStatus.role == "licensing")
            )
            or 0
        )
        result.release_notices = (
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.correlation_id.in_(ids), Message.kind == "release_notice")
            )
            or 0
        )
    result.checks = {
        "every_202_stored": result.lost == 0,
        "no_duplicate_effects": result.duplicates == 0,
        "all_final": result.released + result.rejected == result.submitted,
        "some_released": result.released > 0,
        "some_rejected": result.rejected > 0,
        "some_inspected": result.inspected > 0,
        "licences_routed": routed == result.with_licence,
        "release_notices_sent": result.release_notices >= result.released > 0,
    }
    result.ok = all(result.checks.values())
