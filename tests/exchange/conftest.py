"""Exchange fixtures: a small party register with keys, and workers running in a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from singlewindow.exchange.models import InboxEntry, Message
from singlewindow.exchange.routing import ensure_default_rules
from singlewindow.exchange.workers import run_workers
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.parties.schemas import PartyIn
from singlewindow.parties.service import create_api_key, create_party

TRADER_USCC = "91440300MA5G00000R"


@dataclass
class Register:
    tokens: dict[str, str]

    def auth(self, code: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[code]}"}


PARTIES: list[dict[str, Any]] = [
    {"kind": "platform", "code": "GD", "name_zh": "省平台"},
    {
        "kind": "agency",
        "code": "CUS-5300",
        "name_zh": "广州海关",
        "agency_type": "customs",
        "attrs": {"customs_district": "5300"},
    },
    {
        "kind": "agency",
        "code": "CUS-5200",
        "name_zh": "黄埔海关",
        "agency_type": "customs",
        "attrs": {"customs_district": "5200"},
    },
    {"kind": "agency", "code": "LIC-GD", "name_zh": "许可证局", "agency_type": "licensing"},
    {
        "kind": "port_operator",
        "code": "PORT-NS",
        "name_zh": "南沙港",
        "attrs": {"customs_offices": ["5316", "5301"]},
    },
    {
        "kind": "port_operator",
        "code": "PORT-HP",
        "name_zh": "黄埔港",
        "attrs": {"customs_offices": ["5316"]},
    },
    {"kind": "enterprise", "code": "TRADER", "name_zh": "贸易公司", "uscc": TRADER_USCC},
]


@pytest.fixture
def register(db: Database) -> Register:
    tokens = {}
    with db.unit_of_work() as session:
        for spec in PARTIES:
            party = create_party(session, PartyIn(**spec))
            tokens[party.code] = create_api_key(session, party)[1]
        ensure_default_rules(session)
    return Register(tokens)


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "retry_base_seconds": 0.05,
            "retry_max_seconds": 0.2,
            "max_attempts": 3,
            "webhook_timeout_seconds": 0.5,
            "resend_after_seconds": 30.0,
        }
    )


@contextmanager
def workers(db: Database, settings: Settings, **options: Any) -> Iterator[None]:
    """The exchange workers in a background thread with their own event loop."""
    stop: asyncio.Event | None = None
    loop_ready = threading.Event()
    errors: list[BaseException] = []
    loop_box: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        loop_box.append(asyncio.get_running_loop())
        loop_ready.set()
        await run_workers(db, settings, stop, recipients_refresh_s=0.2, **options)

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced by the test
            errors.append(exc)
            loop_ready.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    loop_ready.wait(10)
    try:
        yield
    finally:
        if loop_box and stop is not None:
            loop_box[0].call_soon_threadsafe(stop.set)
        thread.join(20)
        assert not thread.is_alive(), "workers did not stop"
    if errors:
        raise errors[0]


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise AssertionError("condition not reached in time")


def count_state(db: Database, *states: str, recipient: str | None = None) -> int:
    with db.read_only() as session:
        query = select(func.count()).select_from(Message).where(Message.state.in_(states))
        if recipient:
            query = query.where(Message.recipient == recipient)
        return int(session.scalar(query) or 0)


def inbox_count(db: Database, recipient: str) -> int:
    with db.read_only() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(InboxEntry)
                .where(InboxEntry.recipient == recipient)
            )
            or 0
        )
