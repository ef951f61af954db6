"""Gap-tolerant number sequences on both backends.

PostgreSQL uses a real SEQUENCE (``nextval`` takes no row lock, so concurrent submissions don't
queue behind each other); SQLite serialises writers anyway and uses a counter row.
"""

from __future__ import annotations

import re

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from singlewindow.kit.db import Base

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,50}$")
_ensured: set[tuple[str, str]] = set()
_LOCK_KEY = 0x5357_5345_51  # "SWSEQ": the advisory lock that serialises sequence creation


class Counter(Base):
    __tablename__ = "kit_counter"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(session: Session, name: str) -> int:
    if not _NAME.match(name):
        raise ValueError(f"bad sequence name {name!r}")
    if session.get_bind().dialect.name == "postgresql":
        seq = f"sw_seq_{name}"
        key = (str(session.get_bind().engine.url), seq)
        if key not in _ensured:
            # Sequences are created on first use, outside the caller's transaction. Concurrent
            # ``CREATE SEQUENCE IF NOT EXISTS`` races in PostgreSQL's catalog (a unique
            # violation on pg_type), so the creators queue on an advisory lock first.
            with session.get_bind().engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {seq}"))
                conn.commit()
            _ensured.add(key)
        return int(session.execute(text(f"SELECT nextval('{seq}')")).scalar_one())
    updated = session.execute(
        text("UPDATE kit_counter SET value = value + 1 WHERE name = :n RETURNING value"),
        {"n": name},
    ).scalar()
    if updated is not None:
        return int(updated)
    session.add(Counter(name=name, value=1))
    session.flush()
    return 1
