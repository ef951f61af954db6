"""Manifests: MT messages, amendments with history, reconciliation, prefill."""
