"""Drains the exchange synchronously: relay everything pending, deliver to every channel."""

from __future__ import annotations

import asyncio

import httpx

from singlewindow.exchange.channels.worker import ChannelWorker
from singlewindow.exchange.relay import relay_once
from singlewindow.exchange.transports import make_transport
from singlewindow.exchange.workers import recipients_waiting, seal_once
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings


async def _pump(db: Database, settings: Settings) -> None:
    transport = make_transport(db, settings)
    await transport.start()
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(10):
                while (await relay_once(db, transport, settings)).claimed:
                    pass
                handled = 0
                for code in await asyncio.to_thread(recipients_waiting, db):
                    handled += await ChannelWorker(db, transport, settings, code, http).drain()
                if not handled:
                    break
        seal_once(db)
    finally:
        await transport.close()


def pump(db: Database, settings: Settings) -> None:
    asyncio.run(_pump(db, settings))
