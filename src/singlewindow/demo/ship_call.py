"""The scripted ship call: one vessel's whole visit through a fresh node, over the public API.

Pre-arrival (CSM001, CSM002 with crew, passengers and dangerous goods) → import manifest
(MT1101) → confirmed and actual arrival (CSM003, CSM004) → the agencies clear the arrival →
goods declarations pre-filled from the manifest and the ship call → released → export
pre-load manifest (MT2101) → export declaration → released → the terminal's arrival report
(MT3101) → loading permit → loading manifest (MT4101) → movement in port (CSM005) →
pre-departure (CSM006) → departure cleared → confirmed departure (CSM007).

Every check must hold for ``ok`` to be true, including that each agency received only its
projection of the ship reports.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from singlewindow.demo.harness import NodeProcess
from singlewindow.demo.seed import DemoPartner, DemoTrader
from singlewindow.exchange.models import Message
from singlewindow.kit.db import Database
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.standards.documents.transport_samples import (
    container_number,
    sample_manifest,
    sample_ship_report,
)

IMO = "9074729"
VOYAGE_IN, VOYAGE_OUT = "088E", "088W"
IMPORT_BILLS = ("COSU6400000010", "COSU6400000020")
EXPORT_BILLS = ("COSU6400000110",)
IMPORT_BOXES = (container_number("CSNU640001"), container_number("CSNU640002"))
EXPORT_BOXES = (container_number("CSNU640101"),)
FINAL = {"released", "rejected", "cleared", "withdrawn"}
log = logging.getLogger(__name__)

# Which blocks of a ship report each agency may and may not see (docs/transport.md).
PROJECTIONS = {
    "CUS5300": ({"vessel", "voyage", "cargo"}, {"crew", "passengers", "dangerous_goods"}),
    "MSA-GD": ({"vessel", "voyage", "dangerous_goods"}, {"crew", "passengers", "cargo"}),
    "BIS-GD": ({"vessel", "voyage", "crew", "passengers"}, {"cargo", "dangerous_goods"}),
    "PORT-YICT": ({"vessel", "voyage", "cargo"}, {"crew", "passengers", "dangerous_goods"}),
}


@dataclass
class ShipCallResult:
    ok: bool = False
    call_id: str = ""
    reports: int = 0
    manifests: int = 0
    declarations: list[str] = field(default_factory=list)
    released: int = 0
    prefilled_fields: int = 0
    loading_permits: int = 0
    discrepancies: int = 0
    stage: str = ""
    arrival_clearance: str = ""
    departure_clearance: str = ""
    projections: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    checks: dict[str, bool] = field(default_factory=dict)
    error: str = ""


class _Api:
    def __init__(self, client: httpx.Client, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post(path, json=body, headers=self.headers)
        if r.status_code >= 400:
            raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:500]}")
        out: dict[str, Any] = r.json()
        return out

    def get(self, path: str, **params: Any) -> Any:
        r = self.client.get(path, params=params or None, headers=self.headers)
        if r.status_code >= 400:
            raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:500]}")
        return r.json()


def _wait(what: str, probe: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    raise RuntimeError(f"timed out waiting for {what}")


def _ship(message_type: str, **kw: Any) -> dict[str, Any]:
    return sample_ship_report(
        message_type,
        imo=IMO,
        voyage_in=VOYAGE_IN,
        voyage_out=VOYAGE_OUT,
        bill_nos=IMPORT_BILLS,
        client_ref=f"SHIPCALL-{message_type}-{time.time_ns()}",
        **kw,
    )


def _manifest(
    message_type: str, bills: tuple[str, ...], boxes: tuple[str, ...], trader: DemoTrader
) -> dict[str, Any]:
    export = message_type != "MT1101"
    doc = sample_manifest(
        message_type,
        bill_nos=bills,
        containers=boxes,
        imo=IMO,
        journey_id=VOYAGE_OUT if export else VOYAGE_IN,
        client_ref=f"SHIPCALL-{message_type}-{time.time_ns()}",
    )
    for row in doc.get("consignments", []):
        if export:
            row["consignor_id"] = f"USCI+{trader.uscc}"
            row["consignor_name"] = trader.name_zh
        else:
            row["consignee_id"] = f"USCI+{trader.uscc}"
            row["consignee_name"] = trader.name_zh
    return doc


def _declaration(trader: DemoTrader, prefill: dict[str, Any], ie_flag: str) -> dict[str, Any]:
    """A goods declaration: the trader's goods lines, the pre-filled transport facts."""
    doc = sample_goods_declaration(
        ie_flag, lines=2, client_ref=f"SC-{ie_flag}-{time.time_ns() % 10**15}"
    )
    head = doc["head"]
    head.update(
        trade_co_scc=trader.uscc,
        trade_code=trader.customs_code,
        trade_name=trader.name_zh,
        agent_code_scc=trader.uscc,
        agent_code=trader.customs_code,
        agent_name=trader.name_zh,
    )
    head.update(prefill.get("head") or {})
    if prefill.get("free_text"):
        doc["free_text"] = {**doc.get("free_text", {}), **prefill["free_text"]}
    if prefill.get("containers"):
        # The manifest knows the boxes; only the trader knows which goods lines are in each.
        lines = ",".join(str(line["g_no"]) for line in doc["lines"])
        doc["containers"] = [{"goods_no": lines, **box} for box in prefill["containers"]]
    doc["licences"] = []
    return doc


def _file_declaration(
    trader_api: _Api, trader: DemoTrader, bill: str, ie_flag: str, result: ShipCallResult
) -> str:
    prefill = trader_api.get("/api/v1/prefill/goods-declaration", bill_no=bill, ie_flag=ie_flag)
    result.prefilled_fields += len(prefill.get("sources", []))
    receipt = trader_api.post("/api/v1/declarations", _declaration(trader, prefill, ie_flag))
    declaration_id = str(receipt["id"])
    result.declarations.append(declaration_id)
    return declaration_id


def _final(trader_api: _Api, declaration_id: str, timeout: float) -> str:
    def probe() -> str | None:
        status = trader_api.get(f"/api/v1/declarations/{declaration_id}")["status"]
        return str(status) if status in FINAL else None

    return str(_wait(f"declaration {declaration_id}", probe, timeout))


def _clearance(carrier: _Api, call_id: str, phase: str, timeout: float) -> None:
    _wait(
        f"{phase} clearance",
        lambda: (
            carrier.get(f"/api/v1/transport/calls/{call_id}")[f"{phase}_clearance"] == "cleared"
        ),
        timeout,
    )


def _visit(
    client: httpx.Client,
    trader: DemoTrader,
    partners: dict[str, DemoPartner],
    result: ShipCallResult,
    timeout: float,
) -> None:
    carrier = _Api(client, partners["carrier"].token)
    terminal = _Api(client, partners["terminal"].token)
    trader_api = _Api(client, trader.token)

    def report(message_type: str, **kw: Any) -> dict[str, Any]:
        result.reports += 1
        return carrier.post("/api/v1/transport/reports/ship_report", _ship(message_type, **kw))

    def manifest(api: _Api, doc: dict[str, Any]) -> dict[str, Any]:
        result.manifests += 1
        return api.post("/api/v1/manifests", doc)

    report("CSM001")
    receipt = report("CSM002", crew=3, passengers=1, dangerous_goods=True)
    result.call_id = call_id = str(receipt["call_id"])
    manifest(carrier, _manifest("MT1101", IMPORT_BILLS, IMPORT_BOXES, trader))
    report("CSM003", crew=3, passengers=1, dangerous_goods=True)
    report("CSM004", crew=3, passengers=1)
    _clearance(carrier, call_id, "arrival", timeout)
    imports = [_file_declaration(trader_api, trader, b, "I", result) for b in IMPORT_BILLS]
    manifest(carrier, _manifest("MT2101", EXPORT_BILLS, EXPORT_BOXES, trader))
    export = _file_declaration(trader_api, trader, EXPORT_BILLS[0], "E", result)
    statuses = [_final(trader_api, d, timeout) for d in [*imports, export]]
    result.released = statuses.count("released")
    manifest(terminal, _manifest("MT3101", EXPORT_BILLS, EXPORT_BOXES, trader))
    permits = _wait(
        "loading permit",
        lambda: [
            p
            for p in trader_api.get("/api/v1/manifests/loading-permits", bill_no=EXPORT_BILLS[0])[
                "items"
            ]
            if p["status"] == "permitted"
        ],
        timeout,
    )
    result.loading_permits = len(permits)
    manifest(carrier, _manifest("MT4101", EXPORT_BILLS, EXPORT_BOXES, trader))
    report("CSM005")
    report("CSM006", crew=3)
    _clearance(carrier, call_id, "departure", timeout)
    report("CSM007", crew=3)
    call = carrier.get(f"/api/v1/transport/calls/{call_id}")
    result.stage = call["stage"]
    result.arrival_clearance = call["arrival_clearance"]
    result.departure_clearance = call["departure_clearance"]
    result.discrepancies = len(carrier.get("/api/v1/manifests/discrepancies")["items"])


def submit_demo_ship_call(
    base_url: str,
    trader: DemoTrader,
    partners: dict[str, DemoPartner],
    *,
    wait_s: float = 60.0,
    timeout: float = 120.0,
) -> ShipCallResult:
    """Runs the ship call against a node that is starting (``singlewindow run`` demo data):
    waits until it answers, then files the whole visit. Failures are kept in ``error``."""
    result = ShipCallResult()
    started = time.monotonic()
    with httpx.Client(base_url=base_url, timeout=30) as client:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                if client.get("/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        try:
            _visit(client, trader, partners, result, timeout)
        except (RuntimeError, httpx.HTTPError) as exc:
            result.error = str(exc)
            log.warning("demo ship call stopped: %s", exc)
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _projections(db: Database, call_id: str) -> dict[str, list[str]]:
    """The top-level keys of every ship report message each recipient was sent."""
    seen: dict[str, set[str]] = {}
    with db.read_only() as session:
        rows = session.execute(
            select(Message.recipient, Message.payload).where(
                Message.kind == "ship_report", Message.correlation_id == call_id
            )
        ).all()
    for recipient, payload in rows:
        keys = payload if isinstance(payload, dict) else {}
        seen.setdefault(str(recipient), set()).update(str(k) for k in keys)
    return {k: sorted(v) for k, v in sorted(seen.items())}


def _loading_permit_messages(db: Database) -> int:
    with db.read_only() as session:
        count = session.scalar(
            select(func.count()).select_from(Message).where(Message.kind == "loading_permit")
        )
    return int(count or 0)


def run_ship_call(*, timeout: float = 90.0) -> ShipCallResult:
    started = time.monotonic()
    result = ShipCallResult()
    node = NodeProcess(
        env={
            "SW_SIM_SEED": "11",
            "SW_SIM_REJECTION_RATE": "0",
            "SW_SIM_INSPECTION_RATE": "0",
            "SW_RETRY_BASE_SECONDS": "0.2",
            "SW_MANIFEST_CHECK": "strict",
        }
    )
    with node:
        trader = node.traders[0]
        with httpx.Client(base_url=node.base_url, timeout=30) as client:
            try:
                _visit(client, trader, node.partners, result, timeout)
            except RuntimeError as exc:
                result.error = str(exc)
        db = Database(node.settings().effective_database_url)
        try:
            if result.call_id:
                result.projections = _projections(db, result.call_id)
            permit_messages = _loading_permit_messages(db)
        finally:
            db.dispose()
    result.seconds = round(time.monotonic() - started, 2)
    sent = {k: set(v) for k, v in result.projections.items()}
    result.checks = {
        "completed": not result.error,
        "every_agency_reached": set(PROJECTIONS) <= set(sent),
        "only_projections": all(
            must <= sent.get(agency, set()) and not (never & sent.get(agency, set()))
            for agency, (must, never) in PROJECTIONS.items()
        ),
        "declarations_prefilled": result.prefilled_fields > 0,
        "declarations_released": result.released == len(result.declarations) == 3,
        "one_loading_permit": result.loading_permits == 1 and permit_messages == 1,
        "no_discrepancies": result.discrepancies == 0,
        "arrival_cleared": result.arrival_clearance == "cleared",
        "departure_cleared": result.departure_clearance == "cleared",
        "departed": result.stage == "departed",
    }
    result.ok = all(result.checks.values())
    return result
