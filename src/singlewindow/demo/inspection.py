"""The scripted joint inspection (一次查验、一次放行), over the public API.

Two agencies order an inspection of the same consignment (customs through its decision, the
licensing authority through ``/api/v1/inspections/orders``) → one case, booked automatically
in the terminal's earliest free slot → one container move → two results → two releases →
one release notice with its release number → gate-out closes the case. The trader's inbox
holds every step, once, in order, and so does its subscription: the same steps arrive as
CloudEvents on its server-sent-events stream.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from singlewindow.agencies.simulator import entry_no_for
from singlewindow.demo.harness import NodeProcess
from singlewindow.demo.seed import DemoTrader
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.parties import service as parties
from singlewindow.standards.documents.samples import sample_goods_declaration

EXPECTED_STEPS = [
    "opened",
    "booked",
    "joined",
    "positioned",
    "result",
    "result",
    "released",
    "released",
    "release_notice",
    "gate_out",
    "gate_out",
    "closed",
]
_HOUR = timedelta(hours=1)
AGENCIES = {"customs": "CUS5300", "licensing": "LIC-GD", "terminal": "PORT-YICT"}


@dataclass
class InspectionResult:
    ok: bool = False
    declaration_id: str = ""
    case_no: str = ""
    release_no: str = ""
    cases: int = 0
    bookings: int = 0
    positioned: int = 0
    results: int = 0
    release_notices: int = 0
    status: str = ""
    steps: list[str] = field(default_factory=list)
    subscribed_steps: list[str] = field(default_factory=list)
    seconds: float = 0.0
    checks: dict[str, bool] = field(default_factory=dict)
    error: str = ""


class _Api:
    def __init__(self, client: httpx.Client, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        r = self.client.request(
            method, path, json=body, params=params or None, headers=self.headers
        )
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:500]}")
        return r.json()


def _declaration(trader: DemoTrader) -> dict[str, Any]:
    doc = sample_goods_declaration("I")
    doc["client_ref"] = f"JI-DEMO-{time.time_ns()}"
    doc["head"].update(
        trade_co_scc=trader.uscc,
        trade_code=trader.customs_code,
        trade_name=trader.name_zh,
        agent_code_scc=trader.uscc,
        agent_code=trader.customs_code,
        agent_name=trader.name_zh,
    )
    doc["licences"] = [{"docu_code": "O", "cert_code": "O2026GD0000001"}]
    return doc


def _trader_steps(trader: _Api, declaration_id: str, timeout: float) -> list[str]:
    """The trader's inspection notices of this declaration, read from its pull inbox (and
    acknowledged) until the case is closed."""
    steps: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and "closed" not in steps:
        page = trader.call("GET", "/api/v1/exchange/inbox", wait=1, limit=500)
        items = page["items"]
        for item in sorted(items, key=lambda i: str(i.get("id"))):
            if item["kind"] == "inspection_notice" and item["correlation_id"] == declaration_id:
                steps.append(item["payload"]["step"])
        if items:
            trader.call("POST", "/api/v1/exchange/inbox/ack", {"ids": [i["id"] for i in items]})
    return steps


EVENT_TYPE = "cn.gd.singlewindow.inspection."


def _subscribe(trader: _Api) -> str:
    """The trader subscribes to every inspection step before anything happens."""
    created = trader.call(
        "POST", "/api/v1/subscriptions", {"types": [EVENT_TYPE + "*"], "delivery": "sse"}
    )
    return str(created["id"])


def _subscribed_steps(
    trader: _Api, subscription_id: str, declaration_id: str, timeout: float
) -> list[str]:
    """The steps of this declaration's case as CloudEvents from the SSE stream (resuming with
    Last-Event-ID after each connection closes) until the case is closed."""
    steps: list[str] = []
    last = "0"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and "closed" not in steps:
        params: dict[str, str | int] = {"subscription": subscription_id, "timeout": 2}
        headers = trader.headers | {"Last-Event-ID": last, "Accept": "text/event-stream"}
        with trader.client.stream(
            "GET", "/api/v1/subscriptions/stream", params=params, headers=headers
        ) as r:
            if r.status_code != 200:
                raise RuntimeError(f"subscription stream: {r.status_code} {r.read()[:300]!r}")
            for line in r.iter_lines():
                if line.startswith("id:"):
                    last = line[3:].strip()
                elif line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event.get("subject") == declaration_id:
                        steps.append(str(event["type"]).removeprefix(EVENT_TYPE))
    return steps


def run_joint_inspection(
    client: httpx.Client,
    tokens: dict[str, str],
    trader: DemoTrader,
    *,
    timeout: float = 60.0,
) -> InspectionResult:
    """Drives the whole flow; ``tokens`` holds API keys for ``trader``, ``customs``
    (CUS5300), ``licensing`` (LIC-GD) and ``terminal`` (PORT-YICT). Failures go to
    ``error``; ``checks`` say what held."""
    started = time.monotonic()
    result = InspectionResult()
    api = {who: _Api(client, token) for who, token in tokens.items()}
    try:
        _flow(api, trader, result, timeout)
    except (RuntimeError, httpx.HTTPError, KeyError, ValueError) as exc:
        result.error = str(exc)
    result.seconds = round(time.monotonic() - started, 2)
    result.checks = {
        "completed": not result.error,
        "one_case": result.cases == 1,
        "one_slot": result.bookings == 1,
        "one_move": result.positioned == 1,
        "two_results": result.results == 2,
        "one_release_notice": result.release_notices == 1 and bool(result.release_no),
        "closed_by_gate_out": result.status == "closed",
        "trader_told_every_step_in_order": result.steps == EXPECTED_STEPS,
        "subscription_got_every_step_in_order": result.subscribed_steps == EXPECTED_STEPS,
    }
    result.ok = all(result.checks.values())
    return result


def _flow(
    api: dict[str, _Api], trader: DemoTrader, result: InspectionResult, timeout: float
) -> None:
    subscription_id = _subscribe(api["trader"])
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    api["terminal"].call(
        "POST",
        "/api/v1/inspections/capacity",
        {
            "starts_at": (hour + 2 * _HOUR).isoformat(),
            "ends_at": (hour + 4 * _HOUR).isoformat(),
            "bays": 2,
        },
    )
    receipt = api["trader"].call("POST", "/api/v1/declarations", _declaration(trader))
    did = result.declaration_id = receipt["id"]
    entry_no = entry_no_for("5316", "I", receipt["unified_no"])
    customs = api["customs"]
    for body in (
        {"decision": "received"},
        {"decision": "accepted", "entry_no": entry_no},
        {"decision": "inspection_required", "reasons": [{"code": "I01"}]},
    ):
        customs.call("POST", "/api/v1/agency/decisions", {"declaration_id": did, **body})
    case = api["licensing"].call(
        "POST",
        "/api/v1/inspections/orders",
        {
            "declaration_id": did,
            "instructions": {"kind": "document", "notes": "licence O: check the goods"},
        },
    )
    case_no = result.case_no = case["case_no"]
    found = api["trader"].call("GET", "/api/v1/inspections", declaration_id=did)["items"]
    result.cases = len(found)
    terminal = api["terminal"]
    terminal.call("POST", f"/api/v1/inspections/{case_no}/positioned", {})
    for who in ("customs", "licensing"):
        api[who].call("POST", f"/api/v1/inspections/{case_no}/results", {"result": "pass"})
    for who in ("customs", "licensing"):
        case = api[who].call("POST", f"/api/v1/inspections/{case_no}/release", {})
    result.release_no = case["release_no"] or ""
    terminal.call(
        "POST",
        "/api/v1/port/events",
        {"events": [{"event": "gate_out", "container_no": c} for c in case["containers"]]},
    )
    case = api["trader"].call("GET", f"/api/v1/inspections/{case_no}")
    result.status = case["status"]
    result.bookings = len(case["bookings"])
    result.positioned = sum(1 for e in case["timeline"] if e["step"] == "positioned")
    result.results = sum(1 for o in case["orders"] if o["result"])
    timeline = api["trader"].call("GET", f"/api/v1/declarations/{did}")["timeline"]
    result.release_notices = sum(
        1
        for e in timeline
        if e["event"] == "release_notice" and e["detail"].get("release_no") == result.release_no
    )
    result.steps = _trader_steps(api["trader"], did, timeout)
    result.subscribed_steps = _subscribed_steps(api["trader"], subscription_id, did, timeout)


def run_inspection(*, timeout: float = 60.0) -> InspectionResult:
    """The flow on a fresh node (a child process, no simulated agencies: the agencies here
    are this script)."""
    node = NodeProcess(env={"SW_RUN_SIMULATOR": "false", "SW_RETRY_BASE_SECONDS": "0.2"})
    try:
        node.prepare()
        db = Database(node.settings().effective_database_url)
        tokens = {"trader": node.traders[0].token}
        try:
            with db.unit_of_work() as session:
                for who, code in AGENCIES.items():
                    tokens[who] = parties.create_api_key(
                        session, parties.get_party(session, code), name="demo-inspection"
                    )[1]
        finally:
            db.dispose()
        node.start()
        with httpx.Client(base_url=node.base_url, timeout=30) as client:
            return run_joint_inspection(client, tokens, node.traders[0], timeout=timeout)
    finally:
        node.cleanup()
