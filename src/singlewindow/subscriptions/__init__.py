"""Subscriptions: CloudEvents 1.0 for traders and port operators, by webhook and SSE."""
