"""The exchange: envelopes, routing rules, outbox, relay, transports, channels, message log."""

from singlewindow.exchange.envelope import Envelope
from singlewindow.exchange.routing import ensure_default_rules
from singlewindow.exchange.service import record_inbound, route, send

__all__ = ["Envelope", "ensure_default_rules", "record_inbound", "route", "send"]
