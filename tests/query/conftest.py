"""The transport manifests' node (agencies, terminals, traders, carriers) for the query tests."""

from __future__ import annotations

from tests.transport.manifests.conftest import entry_no, mf, node

__all__ = ["entry_no", "mf", "node"]
