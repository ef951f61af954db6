"""``singlewindow bench ingest``: submit → every routed recipient has it, over real HTTP.

The server runs in its own process (``singlewindow run``) with simulated agencies consuming
through the public pull inbox. In the same run, the same rows are inserted straight into the
same database and the same bytes published straight to the same transport; the ratio of the
two rates is the figure we track, because machines are noisy.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
import psutil
from sqlalchemy import func, select

from singlewindow.bench.baseline import raw_database_rate, raw_nats_rate
from singlewindow.declarations.models import Declaration
from singlewindow.demo.harness import NodeProcess
from singlewindow.demo.scenario import demo_document
from singlewindow.exchange.models import Message
from singlewindow.kit.db import Database


@dataclass
class IngestResult:
    backend: str
    mode: str
    count: int
    concurrency: int
    declarations_per_s: float = 0.0
    submit_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    submit_p50_ms: float = 0.0
    submit_p99_ms: float = 0.0
    engine_baseline_per_s: float = 0.0
    engine_db_per_s: float = 0.0
    engine_transport_per_s: float | None = None
    ratio: float = 0.0
    peak_rss_mb: float = 0.0
    lost: int = 0
    seconds: float = 0.0
    # Where the end-to-end time goes, per routed message (p50 / p99 ms): waiting in the outbox
    # until the relay published it, then until its channel delivered it into the recipient's
    # inbox, then until the recipient acknowledged it.
    stages_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class RssSampler:
    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                # The node and its children (API processes, exchange worker), not the
                # simulated agencies (a separate process the harness starts).
                tree = [self.process, *self.process.children(recursive=True)]
                total = 0
                for proc in tree:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
                self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def backend_env(backend: str) -> Iterator[dict[str, str]]:
    """Environment for the node: embedded (SQLite + table transport) or PostgreSQL + NATS."""
    if backend == "embedded":
        yield {"SW_EXCHANGE": "embedded"}
        return
    from singlewindow.devservers import nats_server, postgres_server

    with ExitStack() as stack:
        pg = stack.enter_context(postgres_server())
        nats = stack.enter_context(nats_server())
        url = pg.create_database("bench")
        yield {"SW_DATABASE_URL": url, "SW_EXCHANGE": "nats", "SW_NATS_URL": nats.url}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def _submit(
    node: NodeProcess,
    docs: list[dict[str, Any]],
    concurrency: int,
    batch: int,
    rate: float = 0.0,
) -> tuple[dict[str, float], list[float]]:
    """Returns {declaration id: submit start time} and the submit latencies in ms.

    With ``rate`` > 0 the arrivals are open-loop at that many declarations per second
    (latency then includes queueing, as users would see it); otherwise closed-loop with
    ``concurrency`` clients as fast as the node answers.
    """
    trader = node.traders[0]
    headers = {"Authorization": f"Bearer {trader.token}"}
    started: dict[str, float] = {}
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=node.base_url, timeout=120, limits=limits) as client:

        async def one(doc: dict[str, Any]) -> None:
            async with sem:
                t0 = time.time()
                await _post(doc, t0)

        async def send(path: str, body: dict[str, Any]) -> httpx.Response:
            # A keep-alive connection the server closes as a request goes out fails with a
            # transport error; submissions are idempotent by client_ref, so a client retries
            # (the latency still counts from the first attempt).
            for attempt in range(3):
                try:
                    return await client.post(path, json=body, headers=headers)
                except httpx.TransportError:
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        async def _post(doc: dict[str, Any], t0: float) -> None:
            r = await send("/api/v1/declarations", doc)
            latencies.append((time.time() - t0) * 1000)
            if r.status_code == 202:
                started[r.json()["id"]] = t0

        async def chunk(docs_: list[dict[str, Any]]) -> None:
            async with sem:
                t0 = time.time()
                r = await send("/api/v1/declarations/batch", {"declarations": docs_})
                latencies.append((time.time() - t0) * 1000)
                r.raise_for_status()
                for item in r.json()["items"]:
                    if item["status_code"] == 202:
                        started[item["receipt"]["id"]] = t0

        if batch > 1:
            chunks = [docs[i : i + batch] for i in range(0, len(docs), batch)]
            await asyncio.gather(*(chunk(c) for c in chunks))
        elif rate > 0:
            loop = asyncio.get_running_loop()
            begin = loop.time()
            tasks = []
            for i, doc in enumerate(docs):
                delay = begin + i / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(_post(doc, time.time())))
            await asyncio.gather(*tasks)
        else:
            await asyncio.gather(*(one(d) for d in docs))
    return started, latencies


def _received_times(db: Database, ids: list[str]) -> dict[str, float]:
    """Declaration id → when the last routed recipient acknowledged it (epoch seconds)."""
    out: dict[str, float] = {}
    with db.read_only() as session:
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = session.execute(
                select(
                    Message.correlation_id,
                    func.count(),
                    func.count(Message.acked_at),
                    func.max(Message.acked_at),
                )
                .where(
                    Message.correlation_id.in_(part),
                    Message.kind == "goods_declaration",
                )
                .group_by(Message.correlation_id)
            ).all()
            for declaration_id, routed, acked, last in rows:
                if acked == routed and last is not None:
                    out[declaration_id] = last.timestamp()
    return out


def _stage_times(db: Database, ids: list[str]) -> dict[str, dict[str, float]]:
    """p50/p99 ms of each step of the routed messages of these declarations."""
    steps: dict[str, list[float]] = {"published": [], "delivered": [], "acked": []}
    with db.read_only() as session:
        for i in range(0, len(ids), 500):
            rows = session.execute(
                select(
                    Message.created_at,
                    Message.published_at,
                    Message.delivered_at,
                    Message.acked_at,
                ).where(
                    Message.correlation_id.in_(ids[i : i + 500]),
                    Message.kind == "goods_declaration",
                )
            ).all()
            for created, published, delivered, acked in rows:
                if published is None or delivered is None or acked is None:
                    continue
                steps["published"].append((published - created).total_seconds() * 1000)
                steps["delivered"].append((delivered - published).total_seconds() * 1000)
                steps["acked"].append((acked - delivered).total_seconds() * 1000)
    return {
        name: {"p50": round(_percentile(v, 50), 1), "p99": round(_percentile(v, 99), 1)}
        for name, v in steps.items()
    }


WARM_UP = 20


def _warm_up(node: NodeProcess, db: Database, docs: list[dict[str, Any]], timeout: float) -> None:
    started, _ = asyncio.run(_submit(node, docs, concurrency=4, batch=0))
    ids = list(started)
    deadline = time.monotonic() + timeout
    while len(_received_times(db, ids)) < len(ids):
        if time.monotonic() > deadline:
            raise RuntimeError("warm-up: the simulated agencies did not acknowledge in time")
        time.sleep(0.2)


def _print_node_log(node: NodeProcess, lines: int = 80) -> None:
    """On failure, show the end of the server's log (it runs in another process)."""
    if node.log_path and node.log_path.exists():
        tail = node.log_path.read_text(errors="replace").splitlines()[-lines:]
        sys.stderr.write("\n".join(["--- node log (tail) ---", *tail, ""]))


def run_ingest(
    backend: str,
    count: int,
    *,
    concurrency: int = 16,
    batch: int = 0,
    rate: float = 0.0,
    timeout: float = 600,
    processes: int = 1,
    worker_process: bool = False,
) -> IngestResult:
    mode = f"batch{batch}" if batch > 1 else (f"rate{rate:g}" if rate > 0 else "single")
    if processes > 1:
        mode += f"-p{processes}"
    elif worker_process:
        mode += "-w"
    result = IngestResult(backend=backend, mode=mode, count=count, concurrency=concurrency)
    wall = time.monotonic()
    with backend_env(backend) as env:
        env = {
            **env,
            "SW_SIM_REJECTION_RATE": "0",
            "SW_SIM_INSPECTION_RATE": "0",
            "SW_SIM_SEED": "1",
            "SW_SIM_MODE": "ack",
        }
        node = NodeProcess(
            env=env,
            separate_simulator=True,
            processes=processes,
            worker_process=worker_process,
        )
        node.prepare()
        docs = [demo_document(node.traders[0], i, lines=5) for i in range(count)]
        warm = [demo_document(node.traders[0], count + i, lines=5) for i in range(WARM_UP)]
        db = Database(node.settings().effective_database_url)
        try:
            node.start()
            assert node.process is not None
            # Not measured: a few declarations through the whole pipeline first, so that the
            # simulated agencies (their own process) are polling and the channel workers are
            # running, as for a node in service, before the clock starts.
            _warm_up(node, db, warm, timeout)
            with RssSampler(node.process.pid) as rss:
                t0 = time.time()
                try:
                    started, submit_ms = asyncio.run(_submit(node, docs, concurrency, batch, rate))
                except Exception:
                    _print_node_log(node)
                    raise
                t_submitted = time.time()
                ids = list(started)
                received: dict[str, float] = {}
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    received = _received_times(db, ids)
                    if len(received) >= len(ids):
                        break
                    time.sleep(0.5)
            node.stop()
            t_end = max(received.values(), default=time.time())
            result.lost = count - len(received)
            result.declarations_per_s = round(len(received) / max(t_end - t0, 1e-9), 1)
            result.submit_per_s = round(len(ids) / max(t_submitted - t0, 1e-9), 1)
            e2e = [(received[i] - started[i]) * 1000 for i in received]
            result.p50_ms = round(_percentile(e2e, 50), 1)
            result.p99_ms = round(_percentile(e2e, 99), 1)
            result.submit_p50_ms = round(_percentile(submit_ms, 50), 1)
            result.submit_p99_ms = round(_percentile(submit_ms, 99), 1)
            result.peak_rss_mb = round(rss.peak / 2**20, 1)
            result.stages_ms = _stage_times(db, ids)
            with db.read_only() as session:
                sample = session.scalar(select(Declaration).where(Declaration.id == ids[0]))
                assert sample is not None
                template = sample.document
            result.engine_db_per_s = round(
                raw_database_rate(db, template, count, concurrency=concurrency), 1
            )
            per_s = [result.engine_db_per_s]
            if backend != "embedded":
                result.engine_transport_per_s = round(
                    raw_nats_rate(env["SW_NATS_URL"], template, count, concurrency=concurrency), 1
                )
                per_s.append(result.engine_transport_per_s)
            # Both engines work in series for one declaration: combine their times.
            result.engine_baseline_per_s = round(1 / sum(1 / r for r in per_s), 1)
            result.ratio = round(result.declarations_per_s / result.engine_baseline_per_s, 3)
        finally:
            db.dispose()
            node.cleanup()
    result.seconds = round(time.monotonic() - wall, 1)
    return result


def as_dict(result: IngestResult) -> dict[str, Any]:
    return asdict(result)
