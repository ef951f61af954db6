"""kill -9 of a ``singlewindow worker`` process, three times, while 2,000 messages are sent:
every message still reaches its pull inbox exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from singlewindow.exchange.models import InboxEntry
from singlewindow.kit.db import Database
from tests.exchange.conftest import Register, count_state, wait_for
from tests.exchange.test_inbox import send_many

TOTAL = 2000
RECIPIENTS = ["LIC-GD", "CUS-5300", "TRADER"]


def start_worker(database_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "SW_DATABASE_URL": database_url,
        "SW_DATA_DIR": str(tmp_path),
        "SW_EXCHANGE": "embedded",
        "SW_RESEND_AFTER_SECONDS": "3",
        "SW_WEBHOOK_TIMEOUT_SECONDS": "1",
        "SW_RELAY_BATCH": "100",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from singlewindow.cli.main import app; app()",
            "worker",
            "--refresh",
            "0.2",
            "--log-level",
            "WARNING",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("ab"),
    )


@pytest.mark.slow
def test_kill_9_three_times_loses_and_duplicates_nothing(
    db: Database, database_url: str, tmp_path: Path, register: Register
) -> None:
    rng = random.Random(7)
    sent: list[str] = []

    def producer() -> None:
        for batch in range(TOTAL // 50):
            sent.extend(send_many(db, 50, recipient=RECIPIENTS[batch % 3]))
            time.sleep(0.1)

    log = tmp_path / "worker.log"
    log.touch()

    def started(count: int) -> None:  # killing before start-up would prove nothing
        wait_for(lambda: log.read_text().count("workers running") >= count, timeout=60)

    thread = threading.Thread(target=producer)
    thread.start()
    worker = start_worker(database_url, tmp_path)
    try:
        for kill in range(3):
            started(kill + 1)
            time.sleep(rng.uniform(0.3, 1.5))
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            worker = start_worker(database_url, tmp_path)
        started(4)
        thread.join(120)
        assert len(sent) == TOTAL
        wait_for(lambda: count_state(db, "delivered") == TOTAL, timeout=120, step=0.25)
    finally:
        worker.terminate()  # SIGTERM: a clean stop
        code = worker.wait(20)
    assert code == 0, (tmp_path / "worker.log").read_text()[-2000:]
    with db.read_only() as session:
        rows = session.scalar(select(func.count()).select_from(InboxEntry))
        distinct = session.scalar(select(func.count(func.distinct(InboxEntry.envelope_id))))
        delivered = set(session.scalars(select(InboxEntry.envelope_id)))
    assert rows == distinct == TOTAL
    assert delivered == set(sent)
