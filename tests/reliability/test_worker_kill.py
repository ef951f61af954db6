"""kill -9 of the exchange worker, three times, while 2,000 declarations are filed over HTTP.

The node runs as ``singlewindow run --no-workers`` (API + simulated agencies that decide:
some rejections, some inspections, fixed seed) next to a separate ``singlewindow worker``.
Afterwards every accepted declaration is stored and final, every recipient got each of its
messages exactly once, no decision was applied twice, and the message log is intact.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.reliability.support import (
    Backend,
    Load,
    Processes,
    assert_exactly_once,
    count_open,
    goods_messages_open,
    inspect,
    stored_ids,
    tail,
    verify_log,
    wait_until,
)

# The requirement is 2,000; RELIABILITY_DECLARATIONS overrides it for a quicker local run.
TOTAL = int(os.environ.get("RELIABILITY_DECLARATIONS", "2000"))
CONCURRENCY = 16
KILLS = 3
FINAL_TIMEOUT_S = 900.0


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_kill_9_worker_three_times_under_load(
    backend: Backend, procs: Processes, tmp_path: Path
) -> None:
    rng = random.Random(20261129)
    node = procs.node(backend, tmp_path / "node", workers_in_process=False)
    worker = procs.worker(node)
    db = procs.database(node)

    load = Load(node.base_url, node.traders, list(range(TOTAL)), concurrency=CONCURRENCY)
    kill_points = sorted(rng.sample(range(TOTAL // 10, TOTAL * 8 // 10), KILLS))
    load.start()
    for point in kill_points:
        load.wait_answered(point, timeout=600)
        worker.wait_started()  # each incarnation must be working before it is killed
        time.sleep(rng.uniform(0.0, 1.0))
        worker.kill9()
        worker.start()
    worker.wait_started()
    load.join(timeout=900)
    assert worker.kills == KILLS, f"only {worker.kills} kills happened"

    refused = load.not_accepted()
    assert not refused, f"{len(refused)} submissions not accepted, e.g. {refused[:3]}"
    accepted = load.accepted()
    assert len(accepted) == TOTAL
    ids = [o.body["id"] for o in accepted if o.body]
    missing = set(ids) - stored_ids(db, ids)
    assert not missing, f"{len(missing)} declarations answered 202 but not stored: {missing}"

    settle_started = time.monotonic()
    wait_until(
        lambda: count_open(db, ids) == 0,
        timeout=FINAL_TIMEOUT_S,
        step=1.0,
        what=f"all {TOTAL} declarations released or rejected "
        f"(worker log: {worker.log_path}, node log: {node.log_path})",
    )
    settle_s = time.monotonic() - settle_started
    # An agency acks its batch after deciding it: let the last acks land.
    wait_until(
        lambda: goods_messages_open(db) == 0,
        timeout=60,
        step=0.5,
        what="every goods_declaration acked",
    )
    rep = inspect(db)

    code = worker.terminate()
    assert code == 0, f"worker did not stop cleanly ({code}):\n{tail(worker.log_path)}"
    assert rep.declarations == TOTAL, f"{rep.declarations} stored for {TOTAL} accepted"
    assert_exactly_once(rep)
    assert rep.statuses.get("released", 0) > 0, f"nothing released: {rep.statuses}"
    assert rep.statuses.get("rejected", 0) > 0, f"nothing rejected: {rep.statuses}"
    exit_code, report = verify_log(node)
    assert exit_code == 0, f"verify-log failed ({exit_code}): {report}"
    print(
        f"\n[{backend.name}] {TOTAL} declarations, {CONCURRENCY} clients: "
        f"accepted in {load.seconds:.1f}s ({TOTAL / load.seconds:.1f}/s), "
        f"all final {settle_s:.1f}s later; worker killed at answers {kill_points}; "
        f"{rep.statuses} ({rep.stopped_by_rejection} agency statuses stopped by another "
        f"agency's rejection); {rep.goods_messages} goods messages; log {report}"
    )
