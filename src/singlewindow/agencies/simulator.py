"""Simulated agencies: customs districts, the licensing authority, maritime safety, border
inspection and terminal operators.

They use only the public HTTP interface (pull inbox with long-poll, explicit ack, decisions
API), exactly as a real department-end system would, so the demo, the tests and the
benchmarks exercise the same path as production. Behaviour is configurable (rejection rate,
inspection rate, latency) and deterministic per declaration, so a replay after a crash takes
the same decisions.

Transport calls: every agency that receives a report of a call's arrival or departure phase
clears that phase (``POST /api/v1/transport/calls/{id}/clearances``), sometimes after a hold
on the first report of the phase (the inspection rate); terminals receive but do not clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
from dataclasses import dataclass
from typing import Any

import httpx

from singlewindow.kit import clock

log = logging.getLogger(__name__)

# Message kinds of transport reports (docs/transport.md); their context names the call phase.
TRANSPORT_REPORTS = frozenset(
    {
        "ship_report",
        "aircraft_report",
        "vehicle_report",
        "train_report",
        "person_list",
        "dangerous_goods",
    }
)
# The first report of each phase: where a simulated agency may hold a call before clearing it.
FIRST_OF_PHASE = frozenset({"CSM002", "CSM006", "pre_arrival", "pre_departure"})
NOT_CLEARING = frozenset({"port_operator", "licensing"})


@dataclass(frozen=True)
class Behaviour:
    rejection_rate: float = 0.1
    inspection_rate: float = 0.2
    licence_refusal_rate: float = 0.05
    latency_seconds: float = 0.0
    seed: int = 0
    mode: str = "decide"  # "ack": only acknowledge what arrives (benchmarks)


@dataclass(frozen=True)
class SimulatedAgency:
    code: str
    role: str  # customs | licensing | port_operator | other
    token: str


@dataclass
class Stats:
    messages: int = 0
    decisions: int = 0
    conflicts: int = 0
    errors: int = 0


def _rng(seed: int, declaration_id: str, code: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{declaration_id}:{code}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - simulation only


def entry_no_for(customs_master: str, ie_flag: str, unified_no: str) -> str:
    """A customs entry number derived from the unified number's serial (unique per node)."""
    year = clock.today_china().year
    flag = "1" if ie_flag == "I" else "0"
    return f"{customs_master}{year:04d}{flag}{unified_no[-9:]}"


class Simulator:
    def __init__(
        self,
        base_url: str,
        agencies: list[SimulatedAgency],
        behaviour: Behaviour,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_wait: float = 5.0,
        parallel: int = 8,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.agencies = agencies
        self.behaviour = behaviour
        self.transport = transport
        self.poll_wait = poll_wait
        self.parallel = parallel
        self.stats = Stats()

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(
            base_url=self.base_url, transport=self.transport, timeout=self.poll_wait + 30
        ) as client:
            await self._wait_until_serving(client, stop)
            tasks = [
                asyncio.create_task(self._agency_loop(client, agency, stop))
                for agency in self.agencies
            ]
            await stop.wait()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _wait_until_serving(
        self, client: httpx.AsyncClient, stop: asyncio.Event, limit_s: float = 60.0
    ) -> None:
        """The simulator starts with the server: wait quietly until the API answers."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        while not stop.is_set() and loop.time() < deadline:
            try:
                if (await client.get("/api/v1/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)

    async def _agency_loop(
        self, client: httpx.AsyncClient, agency: SimulatedAgency, stop: asyncio.Event
    ) -> None:
        headers = {"Authorization": f"Bearer {agency.token}"}
        backoff = 0.5
        acks: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                try:
                    r = await client.get(
                        "/api/v1/exchange/inbox",
                        params={"wait": self.poll_wait, "limit": 100, "lease": 30},
                        headers=headers,
                    )
                    r.raise_for_status()
                    messages: list[dict[str, Any]] = r.json()["items"]

                    done = await self._handle_all(client, agency, headers, messages)
                    if done:
                        # Acknowledged while the next poll already waits, as an agency's
                        # system would: the leased messages are not handed out again meanwhile.
                        task = asyncio.create_task(self._ack(client, agency, headers, done))
                        acks.add(task)
                        task.add_done_callback(acks.discard)
                    backoff = 0.5
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a simulated agency keeps going
                    self.stats.errors += 1
                    log.warning("simulated agency %s: %s", agency.code, exc)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10)
        finally:
            if acks:
                await asyncio.gather(*acks, return_exceptions=True)

    async def _ack(
        self, client: httpx.AsyncClient, agency: SimulatedAgency, headers: dict[str, str],
        ids: list[str],
    ) -> None:  # fmt: skip
        """Acknowledges ``ids``; one not acknowledged is handed out again after its lease."""
        try:
            ack = await client.post(
                "/api/v1/exchange/inbox/ack", json={"ids": ids}, headers=headers
            )
        except httpx.HTTPError as exc:
            self.stats.errors += 1
            log.warning("simulated agency %s: ack failed: %s", agency.code, exc)
            return
        if ack.is_error:
            self.stats.errors += 1
            log.warning("simulated agency %s: ack answered %d: %s",
                        agency.code, ack.status_code, ack.text[:500])  # fmt: skip

    async def _handle_all(
        self,
        client: httpx.AsyncClient,
        agency: SimulatedAgency,
        headers: dict[str, str],
        messages: list[dict[str, Any]],
    ) -> list[str]:
        """Works on several declarations at once, as a real agency's officers would (each
        declaration's own steps stay in order). Returns the ids handled without error."""
        sem = asyncio.Semaphore(self.parallel)

        async def handle(message: dict[str, Any]) -> None:
            async with sem:
                await self._handle(client, agency, headers, message)

        results = await asyncio.gather(*(handle(m) for m in messages), return_exceptions=True)
        done = []
        for message, result in zip(messages, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                self.stats.errors += 1
                log.warning("simulated agency %s: %s", agency.code, result)
            else:
                done.append(message["id"])
        return done

    async def _handle(
        self,
        client: httpx.AsyncClient,
        agency: SimulatedAgency,
        headers: dict[str, str],
        message: dict[str, Any],
    ) -> None:
        self.stats.messages += 1
        if self.behaviour.mode == "ack":
            return
        if message.get("kind") in TRANSPORT_REPORTS:
            await self._clear_call(client, agency, headers, message)
            return
        if message.get("kind") != "goods_declaration":
            return  # release notices, withdrawals: acknowledged, nothing to decide here
        if self.behaviour.latency_seconds:
            await asyncio.sleep(self.behaviour.latency_seconds)
        declaration_id = message["correlation_id"]
        payload = message.get("payload") or {}
        context = message.get("context") or {}
        head = payload.get("head") or {}
        # Keyed by the trader's client reference when the projection carries it, so the same
        # scenario takes the same decisions on every run (ids are random, references are not).
        rng = _rng(
            self.behaviour.seed, str(payload.get("client_ref") or declaration_id), agency.code
        )
        steps: list[dict[str, Any]]
        if agency.role == "licensing":
            refused = rng.random() < self.behaviour.licence_refusal_rate
            steps = [
                {"decision": "received"},
                {"decision": "licence_refused", "reasons": [{"code": "L02"}]}
                if refused
                else {"decision": "licence_verified", "reasons": [{"code": "L01"}]},
            ]
        elif agency.role == "customs":
            steps = [{"decision": "received"}]
            if rng.random() < self.behaviour.rejection_rate:
                steps.append({"decision": "rejected", "reasons": [{"code": "R01"}]})
            else:
                entry_no = entry_no_for(
                    str(head.get("custom_master", "5300")),
                    str(head.get("ie_flag", "I")),
                    str(context.get("unified_no", "0" * 18)),
                )
                steps.append({"decision": "accepted", "entry_no": entry_no})
                if rng.random() < self.behaviour.inspection_rate:
                    steps += [
                        {"decision": "inspection_required", "reasons": [{"code": "I01"}]},
                        {"decision": "inspected", "note": "查验无异常 / nothing found"},
                    ]
                steps.append({"decision": "released"})
        else:
            return
        for step in steps:
            r = await client.post(
                "/api/v1/agency/decisions",
                json={"declaration_id": declaration_id, **step},
                headers=headers,
            )
            if r.status_code == 409:
                # Already applied before a crash/redelivery, or the declaration was
                # withdrawn or rejected by another agency meanwhile: nothing more to do.
                self.stats.conflicts += 1
                if r.json()["error"]["code"] == "illegal_transition":
                    continue
            elif r.status_code >= 400:
                self.stats.errors += 1
                log.warning("decision %s by %s: %s %s", step, agency.code, r.status_code, r.text)
                return
            else:
                self.stats.decisions += 1

    async def _clear_call(
        self,
        client: httpx.AsyncClient,
        agency: SimulatedAgency,
        headers: dict[str, str],
        message: dict[str, Any],
    ) -> None:
        """Clears the phase of the call the report belongs to (an idempotent replay of the same
        clearance changes nothing, so a redelivered report is harmless)."""
        context = message.get("context") or {}
        phase = context.get("phase")
        call_id = context.get("call_id")
        if agency.role in NOT_CLEARING or phase not in ("arrival", "departure") or not call_id:
            return  # terminals, vessel records (CSM001), movements in port: nothing to clear
        if self.behaviour.latency_seconds:
            await asyncio.sleep(self.behaviour.latency_seconds)
        rng = _rng(self.behaviour.seed, f"{call_id}:{phase}", agency.code)
        steps: list[dict[str, Any]] = []
        if (
            context.get("message_type") in FIRST_OF_PHASE
            and rng.random() < self.behaviour.inspection_rate
        ):
            steps.append({"decision": "hold", "reasons": [{"code": "I01"}]})
        steps.append({"decision": "cleared", "note": "模拟放行 / simulated clearance"})
        for step in steps:
            r = await client.post(
                f"/api/v1/transport/calls/{call_id}/clearances",
                json={"phase": phase, **step},
                headers=headers,
            )
            if r.status_code in (403, 409):
                # Not this agency's phase to clear, or the call departed meanwhile.
                self.stats.conflicts += 1
                return
            if r.status_code >= 400:
                self.stats.errors += 1
                log.warning("clearance %s by %s: %s %s", step, agency.code, r.status_code, r.text)
                return
            self.stats.decisions += 1
