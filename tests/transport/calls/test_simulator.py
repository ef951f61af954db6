"""The simulated agencies clear ship calls through the public API, as a real agency would."""

from __future__ import annotations

import asyncio

import httpx

from singlewindow.agencies.simulator import Behaviour, SimulatedAgency, Simulator
from singlewindow.standards.documents.transport_samples import sample_ship_report
from tests.support.exchange import pump
from tests.transport.calls.conftest import SQLITE_ONLY, Node

pytestmark = SQLITE_ONLY  # the sea call runs on both backends (test_sea_call)

ROLES = {"CUS5300": "customs", "MSA-GD": "other", "BIS-GD": "other", "PORT-YICT": "port_operator"}


def simulate(node: Node, behaviour: Behaviour) -> Simulator:
    """One pass of every simulated agency over its inbox (what its loop does each poll)."""
    pump(node.db, node.settings)
    agencies = [SimulatedAgency(code, role, node.tokens[code]) for code, role in ROLES.items()]
    simulator = Simulator("http://sim", agencies, behaviour)

    async def one_pass() -> None:
        transport = httpx.ASGITransport(app=node.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            for agency in agencies:
                headers = node.auth(agency.code)
                r = await client.get("/api/v1/exchange/inbox", params={"wait": 0}, headers=headers)
                done = await simulator._handle_all(client, agency, headers, r.json()["items"])
                await client.post("/api/v1/exchange/inbox/ack", json={"ids": done}, headers=headers)

    asyncio.run(one_pass())
    return simulator


def test_simulated_agencies_clear_a_ship_call(node: Node) -> None:
    behaviour = Behaviour(inspection_rate=1.0)  # every agency holds the call before clearing
    pre = node.accepted("ship_report", sample_ship_report("CSM002", client_ref="SIM-2"))
    node.accepted("ship_report", sample_ship_report("CSM004", client_ref="SIM-4"))
    call_id = pre["call_id"]
    first = simulate(node, behaviour)
    assert first.stats.errors == 0
    call = node.get(f"/calls/{call_id}").json()
    assert call["arrival_clearance"] == "cleared"
    assert {c["agency_code"] for c in call["clearances"]} == {"CUS5300", "MSA-GD", "BIS-GD"}
    events = [e["event"] for e in call["timeline"]]
    assert events.count("clearance_hold") == 3  # once per agency, on the pre-arrival only

    node.accepted("ship_report", sample_ship_report("CSM006", client_ref="SIM-6"))
    simulate(node, behaviour)
    assert node.get(f"/calls/{call_id}").json()["departure_clearance"] == "cleared"
    gone = node.accepted("ship_report", sample_ship_report("CSM007", client_ref="SIM-7"))
    assert gone["stage"] == "departed"
    # The confirmed departure reaches the agencies too: their clearance stands (a replay).
    last = simulate(node, behaviour)
    assert last.stats.errors == 0
    assert last.stats.conflicts == 0
    assert last.stats.messages == 4
    assert node.get(f"/calls/{call_id}").json()["departure_clearance"] == "cleared"
