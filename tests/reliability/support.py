"""Helpers for the end-to-end reliability tests: node and worker processes, HTTP load, checks.

Everything here talks to real child processes over loopback HTTP and to the node's database;
every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.demo.harness import NodeProcess
from singlewindow.demo.scenario import demo_document
from singlewindow.demo.seed import DemoTrader
from singlewindow.devservers import NatsServer
from singlewindow.exchange.models import InboxEntry, Message
from singlewindow.kit.db import Database

FINAL = ("released", "rejected")
GOODS = "goods_declaration"
CLIENT_TIMEOUT_S = 60.0

# Short leases and resend delays so that what a killed process held comes back within
# seconds (defaults: 30 s leases, 60 s resend), a deterministic simulator that rejects and
# inspects some declarations.
BASE_ENV = {
    "SW_SIM_MODE": "decide",
    "SW_SIM_SEED": "20261129",
    "SW_SIM_REJECTION_RATE": "0.1",
    "SW_SIM_INSPECTION_RATE": "0.2",
    "SW_RESEND_AFTER_SECONDS": "10",
    "SW_WEBHOOK_TIMEOUT_SECONDS": "2",
    "SW_RETRY_BASE_SECONDS": "0.2",
    "SW_RETRY_MAX_SECONDS": "2",
}


@dataclass
class Backend:
    """One configuration under test: ``embedded`` (SQLite) or ``pg-nats``."""

    name: str
    env: dict[str, str]
    nats: NatsServer | None = None
    # ``embedded``: a migrated SQLite database copied into the node's data directory (the
    # node's own upgrade is then a no-op), as the other tests start from one.
    sqlite_template: Path | None = None

    @property
    def uses_nats(self) -> bool:
        return self.nats is not None


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, step: float = 0.5, what: str = "condition"
) -> float:
    """Polls ``predicate`` until true; returns the seconds waited. Fails after ``timeout``."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not reached within {timeout:.0f}s")
        time.sleep(step)


def tail(path: Path | None, chars: int = 3000) -> str:
    if path is None or not path.exists():
        return "(no log)"
    return path.read_text(errors="replace")[-chars:]


# --- processes ------------------------------------------------------------------------------


def make_node(
    backend: Backend,
    data_dir: Path,
    *,
    workers_in_process: bool,
    extra_env: dict[str, str] | None = None,
) -> NodeProcess:
    """A node (``singlewindow run``); ``workers_in_process=False`` is ``run --no-workers``
    (``SW_RUN_WORKERS=false``, the same setting the flag sets)."""
    env = BASE_ENV | backend.env | (extra_env or {})
    if not workers_in_process:
        env = env | {"SW_RUN_WORKERS": "false"}
    return NodeProcess(env=env, data_dir=data_dir)


def node_env(node: NodeProcess) -> dict[str, str]:
    assert node.data_dir is not None
    return {**os.environ, **node.env, "SW_DATA_DIR": str(node.data_dir)}


@dataclass
class WorkerProcess:
    """``singlewindow worker`` in its own process; output appended to ``log_path``."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "singlewindow",
                    "worker",
                    "--refresh",
                    "0.2",
                    "--log-level",
                    "INFO",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def wait_started(self, timeout: float = 60) -> None:
        """Until this incarnation logged that its loops run (killing before proves nothing)."""
        marker = "exchange workers started"

        def started() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{tail(self.log_path)}")
            return self.log_path.read_text(errors="replace").count(marker) >= self.starts

        wait_until(started, timeout=timeout, step=0.1, what="worker start-up")

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1

    def terminate(self, timeout: float = 30) -> int | None:
        """SIGTERM (a clean stop); returns the exit code (None if it had to be killed)."""
        if self.process is None:
            return None
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            return None


def kill9_node(node: NodeProcess) -> None:
    assert node.process is not None
    node.process.send_signal(signal.SIGKILL)
    node.process.wait(10)
    node.process = None


def verify_log(node: NodeProcess) -> tuple[int, dict[str, Any] | str]:
    """``singlewindow exchange verify-log --json`` with the node's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "singlewindow", "exchange", "verify-log", "--json"],
        env=node_env(node),
        capture_output=True,
        timeout=120,
        check=False,
    )
    try:
        report: dict[str, Any] | str = json.loads(done.stdout)
    except ValueError:
        report = (done.stdout + done.stderr).decode(errors="replace")[-3000:]
    return done.returncode, report


# --- load -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    index: int
    trader: str
    client_ref: str
    status: int | None = None  # None: no answer (connection refused/reset, timeout)
    body: dict[str, Any] | None = None
    error: str | None = None
    at: float = 0.0  # monotonic time of the answer (or failure)


@dataclass
class Load:
    """Submits lines=1 declarations (one per index) with ``concurrency`` clients, in a thread.

    ``pace``: seconds each client waits between its requests (spreads a small load over time).
    """

    base_url: str
    traders: list[DemoTrader]
    indices: list[int]
    concurrency: int = 16
    pace: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    started_at: float = 0.0
    finished_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _errors: list[BaseException] = field(default_factory=list)

    def document(self, index: int) -> tuple[DemoTrader, dict[str, Any]]:
        trader = self.traders[index % len(self.traders)]
        return trader, demo_document(trader, index, lines=1)

    @property
    def answered(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def accepted(self) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.status == 202]

    def not_accepted(self) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.status != 202]

    async def _run(self) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in self.indices:
            queue.put_nowait(i)
        limits = httpx.Limits(max_connections=self.concurrency)
        async with httpx.AsyncClient(
            base_url=self.base_url, timeout=CLIENT_TIMEOUT_S, limits=limits
        ) as client:

            async def one_client() -> None:
                while True:
                    try:
                        index = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    trader, doc = self.document(index)
                    outcome = Outcome(index, trader.code, doc["client_ref"])
                    try:
                        r = await client.post(
                            "/api/v1/declarations",
                            json=doc,
                            headers={"Authorization": f"Bearer {trader.token}"},
                        )
                        outcome.status = r.status_code
                        try:
                            outcome.body = r.json()
                        except ValueError:
                            outcome.error = r.text[:300]
                    except httpx.HTTPError as exc:
                        outcome.error = f"{type(exc).__name__}: {exc}"
                    outcome.at = time.monotonic()
                    with self._lock:
                        self.outcomes.append(outcome)
                    if self.pace:
                        await asyncio.sleep(self.pace)

            await asyncio.gather(*(one_client() for _ in range(self.concurrency)))

    def start(self) -> None:
        def target() -> None:
            try:
                asyncio.run(self._run())
            except BaseException as exc:  # surfaced by join()
                self._errors.append(exc)
            finally:
                self.finished_at = time.monotonic()

        self.started_at = time.monotonic()
        self._thread = threading.Thread(target=target, name="load", daemon=True)
        self._thread.start()

    def run(self, timeout: float) -> Load:
        self.start()
        self.join(timeout)
        return self

    def join(self, timeout: float) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"load did not finish within {timeout:.0f}s"
        if self._errors:
            raise self._errors[0]

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def seconds(self) -> float:
        return self.finished_at - self.started_at

    def wait_answered(self, n: int, timeout: float) -> None:
        """Until ``n`` requests were answered (or the load ended)."""
        wait_until(
            lambda: self.answered >= n or not self.running,
            timeout=timeout,
            step=0.02,
            what=f"{n} answers",
        )


@dataclass
class Processes:
    """Every child process and database handle a test starts; ``close`` stops them all."""

    nodes: list[NodeProcess] = field(default_factory=list)
    workers: list[WorkerProcess] = field(default_factory=list)
    databases: list[Database] = field(default_factory=list)

    def node(
        self,
        backend: Backend,
        data_dir: Path,
        *,
        workers_in_process: bool,
        extra_env: dict[str, str] | None = None,
    ) -> NodeProcess:
        node = make_node(
            backend, data_dir, workers_in_process=workers_in_process, extra_env=extra_env
        )
        self.nodes.append(node)
        if backend.sqlite_template is not None and "SW_DATABASE_URL" not in node.env:
            target = node.settings().effective_database_url.removeprefix("sqlite:///")
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(backend.sqlite_template, target)
        node.prepare()
        node.start()
        return node

    def worker(self, node: NodeProcess) -> WorkerProcess:
        assert node.data_dir is not None
        worker = WorkerProcess(node_env(node), node.data_dir / "worker.log")
        self.workers.append(worker)
        worker.start()
        worker.wait_started()
        return worker

    def database(self, node: NodeProcess) -> Database:
        db = Database(node.settings().effective_database_url)
        self.databases.append(db)
        return db

    def close(self) -> None:
        """Idempotent; a failure to stop one process does not keep the others running."""
        errors: list[BaseException] = []
        for stop in [
            *(lambda w=w: w.terminate(timeout=15) for w in self.workers),
            *(n.cleanup for n in self.nodes),
            *(d.dispose for d in self.databases),
        ]:
            try:
                stop()
            except BaseException as exc:  # keep stopping the rest
                errors.append(exc)
        self.workers, self.nodes, self.databases = [], [], []
        if errors:
            raise errors[0]


# --- database checks ------------------------------------------------------------------------


def count_open(db: Database, ids: list[str]) -> int:
    """Declarations among ``ids`` not yet released or rejected (missing ones count as open)."""
    with db.read_only() as session:
        closed = session.scalar(
            select(func.count())
            .select_from(Declaration)
            .where(Declaration.id.in_(ids), Declaration.status.in_(FINAL))
        )
    return len(ids) - int(closed or 0)


def goods_messages_open(db: Database) -> int:
    """goods_declaration messages not yet acknowledged by their recipient."""
    with db.read_only() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.kind == GOODS, Message.state != "acked")
            )
            or 0
        )


def goods_messages_undelivered(db: Database, ids: list[str]) -> int:
    """goods_declaration messages of ``ids`` still pending/published (not in any inbox)."""
    with db.read_only() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(
                    Message.kind == GOODS,
                    Message.correlation_id.in_(ids),
                    Message.state.not_in(("delivered", "acked")),
                )
            )
            or 0
        )


@dataclass
class Report:
    """What the database says about a run, for assertions and the test's summary line."""

    declarations: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    goods_messages: int = 0
    goods_states: dict[str, int] = field(default_factory=dict)
    inbox_rows: int = 0
    inbox_distinct: int = 0
    duplicate_inbox: list[str] = field(default_factory=list)
    goods_without_inbox: list[str] = field(default_factory=list)
    duplicate_events: list[tuple[str, str, str]] = field(default_factory=list)
    not_final_agency: list[tuple[str, str, str, str]] = field(default_factory=list)
    half_stored: list[str] = field(default_factory=list)
    dead: int = 0
    # Agency statuses short of final on a rejected declaration: the product takes no more
    # decisions on a rejected declaration (409), so the other agencies stop where they were.
    stopped_by_rejection: int = 0


def chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def inspect(db: Database) -> Report:
    """Exactly-once and completeness facts over the whole node database."""
    rep = Report()
    with db.read_only() as session:
        rows = session.execute(select(Declaration.id, Declaration.status)).all()
        rep.declarations = len(rows)
        for _id, status in rows:
            rep.statuses[status] = rep.statuses.get(status, 0) + 1
        for state, n in session.execute(
            select(Message.state, func.count()).where(Message.kind == GOODS).group_by(Message.state)
        ):
            rep.goods_states[state] = int(n)
        rep.goods_messages = sum(rep.goods_states.values())
        rep.dead = int(
            session.scalar(select(func.count()).select_from(Message).where(Message.state == "dead"))
            or 0
        )
        # One statement, one snapshot: the node is still delivering (status notices, leases
        # running out), and two statements under READ COMMITTED would see different tables.
        inbox_rows, inbox_distinct = session.execute(
            select(func.count(), func.count(func.distinct(InboxEntry.envelope_id)))
        ).one()
        rep.inbox_rows, rep.inbox_distinct = int(inbox_rows or 0), int(inbox_distinct or 0)
        rep.duplicate_inbox = list(
            session.scalars(
                select(InboxEntry.envelope_id)
                .group_by(InboxEntry.envelope_id)
                .having(func.count() > 1)
                .limit(20)
            )
        )
        rep.goods_without_inbox = list(
            session.scalars(
                select(Message.id)
                .outerjoin(InboxEntry, InboxEntry.envelope_id == Message.id)
                .where(Message.kind == GOODS, InboxEntry.seq.is_(None))
                .limit(20)
            )
        )
        rep.duplicate_events = [
            (d, a, e)
            for d, a, e in session.execute(
                select(TimelineEvent.declaration_id, TimelineEvent.actor, TimelineEvent.event)
                .group_by(TimelineEvent.declaration_id, TimelineEvent.actor, TimelineEvent.event)
                .having(func.count() > 1)
                .limit(20)
            )
        ]
        # A released declaration: every agency released. A rejected one: somebody rejected;
        # the others stop where they were (a rejected declaration takes no more decisions).
        for decl_id, decl_status, agency, agency_status in session.execute(
            select(
                Declaration.id, Declaration.status, AgencyStatus.agency_code, AgencyStatus.status
            ).join(AgencyStatus, AgencyStatus.declaration_id == Declaration.id)
        ):
            released_but_open = decl_status == "released" and agency_status != "released"
            if released_but_open or decl_status not in FINAL:
                rep.not_final_agency.append((decl_id, decl_status, agency, agency_status))
            elif decl_status == "rejected" and agency_status not in FINAL:
                rep.stopped_by_rejection += 1
        rejected_without_rejection = session.scalars(
            select(Declaration.id).where(
                Declaration.status == "rejected",
                ~select(AgencyStatus.id)
                .where(
                    AgencyStatus.declaration_id == Declaration.id,
                    AgencyStatus.status == "rejected",
                )
                .exists(),
            )
        ).all()
        for decl_id in rejected_without_rejection:
            rep.not_final_agency.append((decl_id, "rejected", "-", "no agency rejected"))
    rep.half_stored = half_stored(db)
    return rep


def half_stored(db: Database) -> list[str]:
    """Declarations missing a part of their submission transaction: a unified number, the
    ``submitted`` event, agency-status rows, or one outbox row per status row. (These tests
    never save drafts, so every stored declaration must be complete.)"""
    bad: list[str] = []
    with db.read_only() as session:
        decls = session.execute(select(Declaration.id, Declaration.unified_no)).all()
        statuses: dict[str, set[str | None]] = {}
        for decl_id, message_id in session.execute(
            select(AgencyStatus.declaration_id, AgencyStatus.message_id)
        ):
            statuses.setdefault(decl_id, set()).add(message_id)
        outbox: dict[str, set[str]] = {}
        for corr, msg_id in session.execute(
            select(Message.correlation_id, Message.id).where(Message.kind == GOODS)
        ):
            outbox.setdefault(corr, set()).add(msg_id)
        submitted = set(
            session.scalars(
                select(TimelineEvent.declaration_id).where(TimelineEvent.event == "submitted")
            )
        )
    for decl_id, unified_no in decls:
        expected = statuses.get(decl_id, set())
        if (
            not unified_no
            or decl_id not in submitted
            or not expected
            or expected != outbox.get(decl_id, set())
        ):
            bad.append(decl_id)
    return bad


def stored_ids(db: Database, ids: list[str]) -> set[str]:
    found: set[str] = set()
    with db.read_only() as session:
        for part in chunks(ids):
            found.update(session.scalars(select(Declaration.id).where(Declaration.id.in_(part))))
    return found


def stored_by_ref(db: Database) -> dict[tuple[str, str], str]:
    """(declarant, client_ref) → declaration id, for everything stored."""
    with db.read_only() as session:
        return {
            (d, r): i
            for i, d, r in session.execute(
                select(Declaration.id, Declaration.declarant_code, Declaration.client_ref)
            )
        }


def assert_exactly_once(rep: Report, *, expect_final: bool = True) -> None:
    """The delivery and decision facts every scenario ends with."""
    assert rep.goods_messages > 0, "no goods_declaration messages at all"
    assert not rep.half_stored, f"half-stored declarations: {rep.half_stored[:10]}"
    assert not rep.duplicate_inbox, f"envelopes delivered twice: {rep.duplicate_inbox}"
    assert rep.inbox_rows == rep.inbox_distinct, (
        f"{rep.inbox_rows} inbox rows for {rep.inbox_distinct} envelopes"
    )
    assert not rep.goods_without_inbox, (
        f"goods_declaration messages never delivered: {rep.goods_without_inbox}"
    )
    assert not rep.duplicate_events, (
        f"an agency decision was applied twice (declaration, actor, event): {rep.duplicate_events}"
    )
    assert rep.dead == 0, f"{rep.dead} dead letters"
    if expect_final:
        assert rep.goods_states == {"acked": rep.goods_messages}, (
            f"goods_declaration messages not all acked: {rep.goods_states}"
        )
        assert not rep.not_final_agency, (
            f"agency statuses not final (declaration, status, agency, agency status): "
            f"{rep.not_final_agency[:10]}"
        )
        assert set(rep.statuses) <= set(FINAL), f"declarations not final: {rep.statuses}"
