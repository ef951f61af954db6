"""In-process wake-ups, and their bridge across processes: PostgreSQL LISTEN/NOTIFY, and Unix
datagram sockets beside a SQLite database."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from singlewindow.devservers import PostgresServer
from singlewindow.kit.db import Database
from singlewindow.kit.signals import INBOX as INBOX_SIGNAL
from singlewindow.kit.signals import (
    Signal,
    _datagrams,
    notify_other_processes,
    start_listener,
    wake_directory,
)


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
    assert start_listener("sqlite://") is None  # in memory: one process only


COMMIT_ELSEWHERE = """
import sys
from sqlalchemy import text
from singlewindow.kit.db import Database
from singlewindow.kit.signals import notify_other_processes
db = Database(sys.argv[1])
with db.unit_of_work() as session:
    session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
    notify_other_processes(session, "sw_inbox", sys.argv[3:])
    if sys.argv[2] == "rollback":
        session.rollback()
"""


def test_a_sqlite_commit_in_another_process_wakes_waiters_here(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    listener = start_listener(url)
    assert listener is not None
    directory = wake_directory(url)
    assert directory is not None
    # A socket left by a process that died: sending to it fails, and it is removed.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(directory / "1-dead.sock"))
    stale.close()

    def other_process(outcome: str, *keys: str) -> None:
        command = [sys.executable, "-c", COMMIT_ELSEWHERE, url, outcome, *keys]
        subprocess.run(command, check=True, timeout=60)

    try:

        async def main() -> tuple[bool, bool, bool]:
            seen = INBOX_SIGNAL.version("PARTY-S")
            await asyncio.to_thread(other_process, "rollback", "PARTY-S")
            quiet = await INBOX_SIGNAL.wait("PARTY-S", seen, timeout=0.5)
            await asyncio.to_thread(other_process, "commit", "PARTY-S")
            woken = await INBOX_SIGNAL.wait("PARTY-S", seen, timeout=5)
            # many keys: split over several datagrams, every one arrives
            many = [f"P{i:05d}" for i in range(3000)]
            last = INBOX_SIGNAL.version(many[-1])
            await asyncio.to_thread(other_process, "commit", *many)
            all_woken = await INBOX_SIGNAL.wait(many[-1], last, timeout=5)
            return quiet, woken, all_woken and all(INBOX_SIGNAL.version(k) for k in many)

        assert asyncio.run(main()) == (False, True, True)
        assert not (directory / "1-dead.sock").exists()
    finally:
        listener.stop()
    assert not directory.exists()  # the last listener removes the directory


def test_wake_up_datagrams_stay_small_and_keep_every_key() -> None:
    keys = [f"subject.{i:06d}" for i in range(2000)]
    grams = list(_datagrams("sw_transport", keys))
    assert len(grams) > 1
    assert all(len(g) <= 4096 for g in grams)
    got = [k for g in grams for k in g.decode().split("\n")[1:]]
    assert got == keys
    assert all(g.decode().split("\n")[0] == "sw_transport" for g in grams)


def test_the_wake_up_listener_ignores_garbage_and_keeps_listening(tmp_path: Path) -> None:
    """Anything of this user may send to the socket: bytes that are not UTF-8, unknown
    channels and empty datagrams wake nothing and do not stop the listener."""
    url = f"sqlite:///{tmp_path / 'node.db'}"
    listener = start_listener(url)
    assert listener is not None
    directory = wake_directory(url)
    assert directory is not None
    (target,) = [str(p) for p in directory.iterdir()]
    try:

        async def main() -> tuple[bool, bool]:
            seen = INBOX_SIGNAL.version("PARTY-G")
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                for junk in (b"\xff\xfe\x00garbage", b"", b"no_such_channel\nPARTY-G", b"\n\n"):
                    s.sendto(junk, target)
                quiet = await INBOX_SIGNAL.wait("PARTY-G", seen, timeout=0.5)
                s.sendto(b"sw_inbox\nPARTY-G", target)
            woken = await INBOX_SIGNAL.wait("PARTY-G", seen, timeout=5)
            return quiet, woken

        assert asyncio.run(main()) == (False, True)
    finally:
        listener.stop()
