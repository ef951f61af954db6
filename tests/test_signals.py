"""In-process wake-ups, and their bridge across processes over PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import threading

import pytest

from singlewindow.devservers import PostgresServer
from singlewindow.kit.db import Database
from singlewindow.kit.signals import INBOX as INBOX_SIGNAL
from singlewindow.kit.signals import Signal, notify_other_processes, start_listener


def test_a_notification_between_look_and_wait_is_not_missed() -> None:
    signal = Signal()

    async def main() -> tuple[bool, bool, bool]:
        seen = signal.version("A")
        signal.notify(["A"])  # lands after the look, before the wait
        early = await signal.wait("A", seen, timeout=5)
        seen = signal.version("A")
        idle = await signal.wait("A", seen, timeout=0.05)  # nothing happens: times out
        threading.Timer(0.05, lambda: signal.notify(["A"])).start()  # from another thread
        later = await signal.wait("A", seen, timeout=5)
        return early, idle, later

    assert asyncio.run(main()) == (True, False, True)


def test_notify_all_and_stop() -> None:
    signal = Signal()

    async def main() -> tuple[bool, bool]:
        seen = signal.version("B")
        threading.Timer(0.05, signal.notify_all).start()
        woken = await signal.wait("B", seen, timeout=5)
        stop = asyncio.Event()
        stop.set()
        stopped = await signal.wait("C", signal.version("C"), timeout=5, stop=stop)
        return woken, stopped

    assert asyncio.run(main()) == (True, False)


@pytest.mark.postgres
def test_a_commit_in_one_process_wakes_waiters_in_another(pg: PostgresServer) -> None:
    url = pg.create_database("signals")
    db = Database(url)
    listener = start_listener(url)
    assert listener is not None
    try:

        async def main() -> tuple[bool, bool]:
            await asyncio.sleep(0.5)  # the listener connects
            seen = INBOX_SIGNAL.version("PARTY-X")
            with db.unit_of_work() as session:  # rolled back: no wake-up
                notify_other_processes(session, "sw_inbox", ["PARTY-X"])
                session.rollback()
            quiet = await INBOX_SIGNAL.wait("PARTY-X", seen, timeout=0.5)
            with db.unit_of_work() as session:  # committed: wakes
                notify_other_processes(session, "sw_inbox", ["PARTY-X"])
            woken = await INBOX_SIGNAL.wait("PARTY-X", seen, timeout=5)
            return quiet, woken

        assert asyncio.run(main()) == (False, True)
    finally:
        listener.stop()
        db.dispose()
        pg.drop_database("signals")
    assert start_listener("sqlite:///x.db") is None
