"""Wake-ups for this context: new events were projected (key: party code, and ``*``).

Streams also end when the node shuts down (``close_streams``, called when the workers stop).
"""

from __future__ import annotations

import threading

from singlewindow.kit.signals import Signal, register_channel

EVENTS = Signal()
CHANNEL = "sw_subscription_events"  # PostgreSQL: streams in other processes wake up too
register_channel(CHANNEL, EVENTS)
ANY = "*"
CLOSING = threading.Event()


def close_streams() -> None:
    CLOSING.set()
    EVENTS.notify_all()


def reopen_streams() -> None:
    CLOSING.clear()
