"""Concurrent writers and sealers: no entry lost, no fork, one verifiable chain."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from singlewindow import audit
from singlewindow.audit.models import AuditEntry
from singlewindow.audit.tasks import seal_all, seal_once
from singlewindow.audit.verify import verify
from singlewindow.kit.db import Database

WRITERS = 6
TRANSACTIONS = 15
PER_TRANSACTION = 3


def run_threads(targets: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive()
    assert not errors, errors


def test_concurrent_writers_and_sealers_build_one_chain(db: Database) -> None:
    writing = threading.Event()
    writing.set()

    def writer(n: int) -> Callable[[], None]:
        def body() -> None:
            for t in range(TRANSACTIONS):
                with db.unit_of_work() as session:
                    for i in range(PER_TRANSACTION):
                        audit.record(
                            session,
                            actor=f"writer-{n}",
                            action="declaration.submitted",
                            target_type="declaration",
                            target_id=f"{n}-{t}-{i}",
                            detail={"writer": n, "t": t, "i": i},
                        )

        return body

    sealer_errors: list[BaseException] = []
    sealed: list[int] = []

    def sealer() -> None:
        try:
            while writing.is_set():
                sealed.append(seal_once(db, limit=7))  # small batches interleave with writers
        except BaseException as exc:  # surfaced below
            sealer_errors.append(exc)

    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for s in sealers:
        s.start()
    try:
        run_threads([writer(n) for n in range(WRITERS)])
    finally:
        writing.clear()
        for s in sealers:
            s.join(60)
    assert not sealer_errors, sealer_errors
    assert sum(sealed) > 0  # the sealers really ran beside the writers
    seal_all(db)
    total = WRITERS * TRANSACTIONS * PER_TRANSACTION
    with db.read_only() as session:
        report = verify(session)
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        targets = session.scalar(select(func.count(func.distinct(AuditEntry.target_id))))
    assert report.ok, report.problems
    assert (report.entries, report.head_seq, report.unsealed) == (total, total, 0)
    assert seqs == list(range(1, total + 1))
    assert targets == total
