"""The SQLite engine: writers queue on the node's writer lock until the previous writer's
COMMIT has run; every connection gets the node's pragmas."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pydantic
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from singlewindow.kit.db import SQLITE_CACHE_KIB, Database, in_list
from singlewindow.kit.settings import Settings


def test_a_savepoint_reader_never_meets_a_commit_still_in_flight(tmp_path: Path) -> None:
    """A transaction begun by a SAVEPOINT (a portal action) reads, then writes. If it could
    take its snapshot while the previous writer's COMMIT was still on its way, SQLite would
    refuse the write at once ("database is locked"). Here that COMMIT is held back for 0.3 s
    after SQLAlchemy has announced it."""
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO t (id, n) VALUES (1, 0)"))
    committing = threading.Event()
    committed = threading.Event()
    slow = threading.local()

    def hold_back(_conn: Any) -> None:
        if getattr(slow, "on", False):
            committing.set()
            time.sleep(0.3)

    event.listen(db.engine, "commit", hold_back)
    errors: list[BaseException] = []

    def first_writer() -> None:
        slow.on = True
        with db.unit_of_work() as session:
            session.execute(sa.text("UPDATE t SET n = n + 1 WHERE id = 1"))
        committed.set()

    def savepoint_writer() -> None:
        assert committing.wait(5)
        try:
            with db.unit_of_work() as session, session.begin_nested():
                seen = session.execute(sa.text("SELECT n FROM t WHERE id = 1")).scalar_one()
                committed.wait(5)
                session.execute(sa.text("UPDATE t SET n = :n WHERE id = 1"), {"n": seen + 10})
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=first_writer), threading.Thread(target=savepoint_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors, errors
    with db.engine.connect() as conn:
        # The second writer saw the first one's increment: nothing was lost.
        assert conn.execute(sa.text("SELECT n FROM t WHERE id = 1")).scalar_one() == 11
    db.dispose()


def test_the_writer_lock_is_free_after_commit_rollback_and_close(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    lock = tmp_path / "w.db.writer.lock"

    def other_process_could_write() -> bool:
        import fcntl

        with lock.open("ab") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return True

    for end in ("commit", "rollback", "close"):
        session = db.sessions()
        session.execute(sa.text("INSERT INTO t DEFAULT VALUES"))
        assert not other_process_could_write()
        getattr(session, end)()
        assert other_process_could_write(), end
    # Reads take nothing.
    with db.read_only() as session:
        session.execute(sa.text("SELECT count(*) FROM t")).scalar_one()
        assert other_process_could_write()
    db.dispose()


def test_every_connection_gets_the_configured_page_cache(tmp_path: Path) -> None:
    default = Database(f"sqlite:///{tmp_path / 'a.db'}")
    small = Database(f"sqlite:///{tmp_path / 'b.db'}", sqlite_cache_kib=128)
    for db, kib in ((default, SQLITE_CACHE_KIB), (small, 128)):
        # Two connections at once: each has its own cache, each gets the pragma.
        with db.engine.connect() as one, db.engine.connect() as two:
            for conn in (one, two):
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -kib
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        db.dispose()


def test_the_cache_setting_is_validated() -> None:
    assert Settings(sqlite_cache_kib=4096).sqlite_cache_kib == 4096
    with pytest.raises(pydantic.ValidationError, match="sqlite_cache_kib"):
        Settings(sqlite_cache_kib=0)


def test_in_lists_come_in_a_few_lengths_and_select_the_same_rows(tmp_path: Path) -> None:
    assert in_list([]) == []
    assert in_list(["a"]) == ["a"]
    assert in_list(["a", "b", "c"]) == ["a", "b", "c", "c"]
    assert len(in_list(range(513))) == 1024
    assert {len(in_list(range(n))) for n in range(1, 1001)} == {2**k for k in range(11)}
    db = Database(f"sqlite:///{tmp_path / 'i.db'}")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    table.create(db.engine)
    with db.engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i} for i in range(10)])
        for wanted in ([1], [1, 2, 3], [9, 4, 7, 5, 0]):
            picked = conn.execute(sa.select(table.c.id).where(table.c.id.in_(in_list(wanted))))
            assert sorted(picked.scalars()) == sorted(wanted)
    db.dispose()
