"""The NATS JetStream transport: delivery, the NATS channel, and a broker outage mid-load."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator

import nats as nats_client
import pytest
from fastapi.testclient import TestClient

from singlewindow.app import create_app
from singlewindow.devservers import NatsServer
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from tests.exchange.conftest import Register, count_state, inbox_count, wait_for, workers
from tests.exchange.test_inbox import send_many

pytestmark = pytest.mark.nats


async def _delete_stream(url: str, name: str) -> None:
    nc = await nats_client.connect(url)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


@pytest.fixture
def nats_settings(settings: Settings, nats: NatsServer) -> Iterator[Settings]:
    """One stream per test (streams may not share subjects), deleted afterwards."""
    nats.start()
    name = f"T{uuid.uuid4().hex[:10]}"
    yield settings.model_copy(
        update={"exchange": "nats", "nats_url": nats.url, "nats_stream": name}
    )
    nats.start()
    asyncio.run(_delete_stream(nats.url, name))


def test_relay_through_jetstream_to_inbox(
    db: Database, nats_settings: Settings, register: Register
) -> None:
    send_many(db, 50)
    with workers(db, nats_settings):
        wait_for(lambda: inbox_count(db, "LIC-GD") == 50)
        send_many(db, 10, recipient="CUS-5300")
        wait_for(lambda: inbox_count(db, "CUS-5300") == 10)
    assert count_state(db, "delivered") == 60


def test_nats_channel_recipient_consumes_and_acks(
    db: Database, nats_settings: Settings, register: Register
) -> None:
    with TestClient(create_app(nats_settings, db)) as client:
        r = client.put(
            "/api/v1/exchange/channels/LIC-GD", json={"kind": "nats"}, headers=register.auth("GD")
        )
        assert r.status_code == 200
        subject = r.json()["subject"]
        assert subject == "sw.agency.LIC-GD"
        ids = send_many(db, 3)
        with workers(db, nats_settings):
            wait_for(lambda: count_state(db, "delivered") == 3)

        async def agency_reads() -> list[str]:
            nc = await nats_client.connect(nats_settings.nats_url)
            js = nc.jetstream()
            sub = await js.pull_subscribe(
                subject, durable="lic-gd", stream=nats_settings.nats_stream
            )
            msgs = await sub.fetch(10, timeout=5)
            got = [json.loads(m.data)["id"] for m in msgs]
            for m in msgs:
                await m.ack()
            await nc.close()
            return got

        got = asyncio.run(agency_reads())
        assert sorted(got) == sorted(ids)
        r = client.post(
            "/api/v1/exchange/inbox/ack", json={"ids": got}, headers=register.auth("LIC-GD")
        )
        assert r.status_code == 200
    assert count_state(db, "acked") == 3


@pytest.mark.slow
def test_nats_outage_mid_load(
    db: Database, nats_settings: Settings, nats: NatsServer, register: Register
) -> None:
    total = 300
    sent: list[str] = []

    def producer() -> None:
        for _ in range(30):
            sent.extend(send_many(db, total // 30))
            time.sleep(0.4)

    with workers(db, nats_settings):
        thread = threading.Thread(target=producer)
        thread.start()
        time.sleep(2)
        nats.stop()
        try:
            time.sleep(10)  # sends keep working: they only write the database
            assert thread.is_alive() or len(sent) == total
            during = len(sent)
        finally:
            nats.start()
        thread.join(60)
        assert during > 100
        wait_for(lambda: inbox_count(db, "LIC-GD") == total, timeout=90, step=0.2)
    assert len(sent) == total
    assert count_state(db, "delivered") == total
