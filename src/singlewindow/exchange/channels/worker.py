"""A channel worker: consumes one recipient's subject and delivers through its channel."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from functools import partial
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from singlewindow.exchange.channels import delivery, webhook
from singlewindow.exchange.channels.config import host_allowed
from singlewindow.exchange.relay import broker_msg_id
from singlewindow.exchange.transports import (
    AcksInSession,
    Consumer,
    QueuesInSession,
    Received,
    Transport,
    agency_subject,
)
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings

log = logging.getLogger(__name__)
FETCH_BATCH = 200
WEBHOOK_BATCH = 8  # with the webhook timeout, bounds how long a batch is held (ack_wait)


class ChannelWorker:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        settings: Settings,
        recipient: str,
        http: httpx.AsyncClient,
    ) -> None:
        self.db = db
        self.transport = transport
        self.settings = settings
        self.recipient = recipient
        self.http = http
        self.consumer: Consumer | None = None

    async def run(self, stop: asyncio.Event, *, idle_exit_s: float = 60.0) -> None:
        """Delivers until ``stop`` is set or nothing arrived for ``idle_exit_s``."""
        self.consumer = await self.transport.consumer(self.recipient)
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not stop.is_set():
            channel = await asyncio.to_thread(delivery.channel, self.db, self.recipient)
            batch = WEBHOOK_BATCH if channel.kind == "webhook" else FETCH_BATCH
            got = await self.consumer.fetch(batch, timeout=1.0)
            if got:
                await self.deliver(got)
                last = loop.time()
            elif loop.time() - last > idle_exit_s:
                return

    async def drain(self, *, timeout: float = 0.0) -> int:
        """Delivers what is ready now (no waiting); returns how many messages were handled."""
        if self.consumer is None:
            self.consumer = await self.transport.consumer(self.recipient)
        handled = 0
        while got := await self.consumer.fetch(FETCH_BATCH, timeout=timeout):
            await self.deliver(got)
            handled += len(got)
        return handled

    async def deliver(self, received: Sequence[Received]) -> None:
        assert self.consumer is not None
        by_id: dict[str, Received] = {}
        stale: list[Received] = []
        for msg in received:
            try:
                by_id[json.loads(msg.data)["id"]] = msg
            except (ValueError, KeyError, TypeError):
                stale.append(msg)  # not an envelope: nothing we can deliver
        snap = await asyncio.to_thread(delivery.snapshot, self.db, self.recipient, list(by_id))
        live: dict[str, Received] = {}
        for envelope_id, msg in by_id.items():
            generation = snap.live.get(envelope_id)
            if generation is not None and msg.msg_id == broker_msg_id(envelope_id, generation):
                live[envelope_id] = msg
            else:
                stale.append(msg)  # already delivered, dead, or an older copy: drop it
        if stale:
            await self.consumer.ack(stale)
        if not live:
            return
        kind = snap.channel.kind
        if kind == "webhook":
            await self._webhook(live, snap.channel.url or "", snap.channel.secret or "")
        elif kind == "nats":
            await self._nats(live)
        else:
            await self._inbox(live)

    async def _inbox(self, live: dict[str, Received]) -> None:
        assert self.consumer is not None
        consumer, received, transport = self.consumer, list(live.values()), self.transport
        ack: Callable[[Session], None] | None = None
        if (
            isinstance(consumer, AcksInSession)
            and isinstance(transport, QueuesInSession)
            and transport.queues_in(self.db)
        ):  # the embedded queue: delivered and acked in one transaction
            ack = partial(consumer.ack_in, messages=received)
        await asyncio.to_thread(delivery.deliver_to_inbox, self.db, self.recipient, list(live), ack)
        if ack is None:
            await consumer.ack(received)

    async def _nats(self, live: dict[str, Received]) -> None:
        assert self.consumer is not None
        done: list[str] = []
        for envelope_id, msg in live.items():
            try:
                await self.transport.publish(
                    agency_subject(self.recipient), f"{msg.msg_id}.agency", msg.data
                )
                done.append(envelope_id)
            except Exception as exc:
                log.warning("forward %s to %s failed: %s", envelope_id, self.recipient, exc)
                await self.consumer.nak(msg, delay=self.settings.retry_base_seconds)
        await asyncio.to_thread(delivery.record_delivered, self.db, done, acked=False)
        await self.consumer.ack([live[i] for i in done])

    async def _webhook(self, live: dict[str, Received], url: str, secret: str) -> None:
        assert self.consumer is not None
        gate = asyncio.Semaphore(WEBHOOK_BATCH)

        # The allow-list is checked again at delivery: a host the operator has removed since
        # the channel was registered gets no request, and the attempt fails (then dead-letters).
        refused = None
        if not host_allowed(url, self.settings.webhook_allowed_hosts):
            refused = f"host_not_allowed: {urlsplit(url).hostname} is not on the allow-list"

        async def one(envelope_id: str, msg: Received) -> tuple[str, str | None]:
            if refused is not None:
                return envelope_id, refused
            async with gate:
                return envelope_id, await webhook.post(
                    self.http, url, secret, envelope_id, msg.data
                )

        results = await asyncio.gather(*(one(i, m) for i, m in live.items()))
        ok = [i for i, err in results if err is None]
        failures = {i: err for i, err in results if err is not None}
        await asyncio.to_thread(delivery.record_delivered, self.db, ok, acked=True)
        await self.consumer.ack([live[i] for i in ok])
        if failures:
            log.info("webhook %s: %d deliveries failed", self.recipient, len(failures))
            delays = await asyncio.to_thread(
                delivery.record_failures, self.db, failures, self.settings
            )
            for envelope_id in failures:
                delay = delays.get(envelope_id, 0.0)
                if delay is None:
                    await self.consumer.term(live[envelope_id])
                else:
                    await self.consumer.nak(live[envelope_id], delay=delay)
