"""The NATS JetStream transport.

One stream (``settings.nats_stream``, file storage, subjects ``sw.deliver.>`` and ``sw.agency.>``,
work-queue retention, a 2-minute de-duplication window keyed by ``Nats-Msg-Id``) created or
updated idempotently on start. One durable pull consumer per recipient with explicit ack.
The client reconnects forever; while NATS is down publishes fail, so the relay keeps the rows
pending and retries, and submissions (which only write the database) carry on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from singlewindow.exchange.transports import (
    AGENCY_PREFIX,
    DELIVER_PREFIX,
    Outgoing,
    Received,
    address_token,
    deliver_subject,
)
from singlewindow.kit.settings import Settings

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_S = 120.0
MSG_ID = "Nats-Msg-Id"


class JetStreamConsumer:
    def __init__(self, sub: Any) -> None:
        self.sub = sub

    async def fetch(self, batch: int, timeout: float) -> list[Received]:
        try:
            msgs = await self.sub.fetch(batch, timeout=max(timeout, 0.05))
        except (TimeoutError, NatsTimeout):
            return []
        out = []
        for m in msgs:
            msg_id = (m.headers or {}).get(MSG_ID, "")
            out.append(Received(msg_id, m.data, int(m.metadata.num_delivered), m))
        return out

    @staticmethod
    async def _quietly(coro: Any) -> None:
        try:
            await coro
        except Exception as exc:  # an ack that does not arrive means one more redelivery
            log.debug("jetstream ack/nak failed: %s", exc)

    async def ack(self, messages: Sequence[Received]) -> None:
        await asyncio.gather(*(self._quietly(m.handle.ack()) for m in messages))  # type: ignore[attr-defined]

    async def nak(self, message: Received, delay: float) -> None:
        await self._quietly(message.handle.nak(delay=delay))  # type: ignore[attr-defined]

    async def term(self, message: Received) -> None:
        await self._quietly(message.handle.term())  # type: ignore[attr-defined]


class JetStreamTransport:
    name = "nats"

    def __init__(
        self, settings: Settings, *, ack_wait: float = 30.0, publish_timeout: float = 5.0
    ) -> None:
        self.settings = settings
        self.ack_wait = ack_wait
        self.publish_timeout = publish_timeout
        self.nc: Any = None
        self.js: Any = None

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats: %s", exc)

    async def start(self) -> None:
        if self.nc is not None:
            return
        self.nc = await nats.connect(
            servers=[self.settings.nats_url],
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=2,
            error_cb=self._on_error,
            name=f"singlewindow-{self.settings.node_code}",
        )
        self.js = self.nc.jetstream(timeout=self.publish_timeout)
        await self.ensure_stream()

    async def ensure_stream(self) -> None:
        config = StreamConfig(
            name=self.settings.nats_stream,
            subjects=[DELIVER_PREFIX + ">", AGENCY_PREFIX + ">"],
            storage=StorageType.FILE,
            retention=RetentionPolicy.WORK_QUEUE,
            duplicate_window=DUPLICATE_WINDOW_S,
        )
        try:
            await self.js.add_stream(config)
        except BadRequestError:
            await self.js.update_stream(config)

    async def close(self) -> None:
        if self.nc is not None:
            try:
                await self.nc.close()
            finally:
                self.nc = None

    async def publish(
        self, subject: str, msg_id: str, data: bytes, headers: dict[str, str] | None = None
    ) -> None:
        await self.js.publish(
            subject,
            data,
            timeout=self.publish_timeout,
            stream=self.settings.nats_stream,
            headers=(headers or {}) | {MSG_ID: msg_id},
        )

    async def publish_batch(self, messages: Sequence[Outgoing]) -> list[str]:
        results = await asyncio.gather(
            *(self.publish(m.subject, m.msg_id, m.data, m.headers) for m in messages),
            return_exceptions=True,
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            log.warning(
                "nats: %d of %d publishes failed: %s", len(failed), len(messages), failed[0]
            )
        return [
            m.msg_id
            for m, r in zip(messages, results, strict=True)
            if not isinstance(r, BaseException)
        ]

    async def consumer(self, recipient: str) -> JetStreamConsumer:
        subject = deliver_subject(recipient)
        durable = "sw-deliver-" + address_token(recipient)
        sub = await self.js.pull_subscribe(
            subject,
            durable=durable,
            stream=self.settings.nats_stream,
            config=ConsumerConfig(
                durable_name=durable,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self.ack_wait,
                max_deliver=-1,
                filter_subject=subject,
                max_ack_pending=10_000,
            ),
        )
        return JetStreamConsumer(sub)
