"""Two decisions on one declaration at the same moment apply once, and never get lost.

Regression test (found while writing the reliability suite): ``apply_decision`` used to read
the agency statuses without a lock, so a retried decision racing the first was applied twice,
and on PostgreSQL customs ``released`` racing the licensing authority's ``licence_verified``
could leave the declaration ``accepted`` for ever. ``declarations.service._locked`` now
serialises state changes per declaration on both backends.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from singlewindow.agencies.simulator import entry_no_for
from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.demo.scenario import demo_document
from singlewindow.parties import service as parties
from tests.reliability.support import Backend, Processes

COUNT = 30
CUSTOMS, LICENSING = "CUS5300", "LIC-GD"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_concurrent_decisions_apply_once(
    backend: Backend, procs: Processes, tmp_path: Path
) -> None:
    node = procs.node(
        backend,
        tmp_path / "node",
        workers_in_process=False,
        extra_env={"SW_RUN_SIMULATOR": "false"},
    )
    db = procs.database(node)
    with db.unit_of_work() as session:
        tokens = {}
        for code in (CUSTOMS, LICENSING):
            party = parties.find_party(session, code)
            assert party is not None, f"{code} missing from the agency directory"
            tokens[code] = parties.create_api_key(session, party)[1]
    trader = node.traders[0]

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=node.base_url, timeout=60) as client:

            async def decide(code: str, declaration_id: str, **body: object) -> int:
                r = await client.post(
                    "/api/v1/agency/decisions",
                    json={"declaration_id": declaration_id, **body},
                    headers={"Authorization": f"Bearer {tokens[code]}"},
                )
                return r.status_code

            for index in range(0, 3 * COUNT, 3):  # index % 3 == 0: carries a licence
                doc = demo_document(trader, index, lines=1)
                r = await client.post(
                    "/api/v1/declarations",
                    json=doc,
                    headers={"Authorization": f"Bearer {trader.token}"},
                )
                assert r.status_code == 202, r.text
                receipt = r.json()
                assert {CUSTOMS, LICENSING} <= set(receipt["recipients"]), receipt
                did = receipt["id"]
                head = doc["head"]
                entry_no = entry_no_for(
                    head["custom_master"], head["ie_flag"], receipt["unified_no"]
                )
                assert await decide(CUSTOMS, did, decision="received") == 200
                assert await decide(CUSTOMS, did, decision="accepted", entry_no=entry_no) == 200
                assert await decide(LICENSING, did, decision="received") == 200
                verified = {"decision": "licence_verified", "reasons": [{"code": "L01"}]}
                codes = await asyncio.gather(
                    decide(CUSTOMS, did, decision="released"),
                    decide(LICENSING, did, **verified),
                    decide(LICENSING, did, **verified),  # a retry while the first is in flight
                )
                assert list(codes) == [200, 200, 200], codes

    asyncio.run(scenario())
    with db.read_only() as session:
        duplicates = session.execute(
            select(TimelineEvent.declaration_id, TimelineEvent.actor, TimelineEvent.event)
            .group_by(TimelineEvent.declaration_id, TimelineEvent.actor, TimelineEvent.event)
            .having(func.count() > 1)
        ).all()
        open_agencies = set(
            session.scalars(
                select(AgencyStatus.declaration_id).where(AgencyStatus.status != "released")
            )
        )
        not_released = session.execute(
            select(Declaration.id, Declaration.status).where(Declaration.status != "released")
        ).all()
    stuck = [(i, s) for i, s in not_released if i not in open_agencies]
    assert not duplicates, f"{len(duplicates)} decisions applied twice, e.g. {duplicates[:3]}"
    assert not stuck, (
        f"{len(stuck)} declarations every agency released but not released: {stuck[:3]}"
    )
