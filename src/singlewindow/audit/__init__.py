"""Tamper-evident audit log: hash-chained entries, verification, retention, export."""
