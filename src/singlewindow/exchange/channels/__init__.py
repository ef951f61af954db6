"""Channels: how a recipient receives its messages (pull inbox, signed webhook, NATS consumer)."""
