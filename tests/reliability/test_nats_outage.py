"""NATS JetStream down for 10 s in the middle of a load (PostgreSQL + NATS only).

Submissions only need the database: every one is answered 202 during the outage too. When
the broker is back, everything is delivered and decided, exactly once.
"""

from __future__ import annotations

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
    verify_log,
    wait_until,
)

TOTAL = 300
CONCURRENCY = 6
PACE_S = 0.25  # per client: the load lasts well beyond the outage
OUTAGE_S = 10.0
FINAL_TIMEOUT_S = 300.0


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_nats_down_10s_mid_load(nats_backend: Backend, procs: Processes, tmp_path: Path) -> None:
    nats = nats_backend.nats
    assert nats is not None
    node = procs.node(nats_backend, tmp_path / "node", workers_in_process=True)
    db = procs.database(node)

    load = Load(
        node.base_url, node.traders, list(range(TOTAL)), concurrency=CONCURRENCY, pace=PACE_S
    )
    load.start()
    load.wait_answered(TOTAL // 5, timeout=120)
    down_at = time.monotonic()
    nats.stop()
    try:
        time.sleep(OUTAGE_S)
        assert load.running, "the load ended before the outage did: make it longer"
    finally:
        nats.start()
    up_at = time.monotonic()
    load.join(timeout=300)

    refused = load.not_accepted()
    assert not refused, f"{len(refused)} submissions not accepted, e.g. {refused[:3]}"
    during = [o for o in load.outcomes if down_at <= o.at <= up_at]
    assert len(during) >= 10, f"only {len(during)} submissions answered during the outage"
    ids = [o.body["id"] for o in load.accepted() if o.body]
    assert len(ids) == TOTAL
    missing = set(ids) - stored_ids(db, ids)
    assert not missing, f"{len(missing)} declarations answered 202 but not stored: {missing}"

    settle_started = time.monotonic()
    wait_until(
        lambda: count_open(db, ids) == 0,
        timeout=FINAL_TIMEOUT_S,
        step=1.0,
        what=f"all declarations final after the outage (node log: {node.log_path})",
    )
    wait_until(
        lambda: goods_messages_open(db) == 0,
        timeout=60,
        step=0.5,
        what="every goods_declaration acked",
    )
    settle_s = time.monotonic() - settle_started
    rep = inspect(db)
    assert rep.declarations == TOTAL
    assert_exactly_once(rep)
    node.stop()
    exit_code, report = verify_log(node)
    assert exit_code == 0, f"verify-log failed ({exit_code}): {report}"
    print(
        f"\n[{nats_backend.name}] {len(during)} of {TOTAL} submissions accepted while NATS was "
        f"down; all final {settle_s:.1f}s after the load; {rep.statuses}"
    )
