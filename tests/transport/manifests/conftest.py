"""A node with carriers, a tally company and a broker, and helpers to file manifests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from singlewindow.demo.seed import with_check_digit
from singlewindow.kit.db import Base
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.standards.documents.transport_samples import container_number, sample_manifest
from tests.declarations.conftest import Node, entry_no, node

__all__ = ["SQLITE_ONLY", "MNode", "entry_no", "node"]

# The storage-heavy tests (amendments, reconciliation, loading permits) run on SQLite and
# PostgreSQL; input checks, reads and prefill, whose SQL is the same, on SQLite only (the
# suite's time budget).
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

IMO = "9074729"
BROKER_USCC = with_check_digit("91440300MA5B0K0R9")

_PARTIES = (
    ("carrier", "CARRIER-A", PartyKind.carrier, "91440300MA5C4RR1E", "440398000C"),
    ("carrier2", "CARRIER-B", PartyKind.carrier, "91440300MA5C4RR2E", "440398000D"),
    ("tally", "TALLY-CO", PartyKind.enterprise, "91440300MA5C4RR3E", "440398000E"),
    ("broker", "BROKER-M", PartyKind.broker, "91440300MA5B0K0R9", "440398000A"),
)


def box(serial: str) -> str:
    """A container number with its ISO 6346 check digit (``MSKU123456`` → 11 chars)."""
    return container_number(serial)


@dataclass
class MNode:
    node: Node

    @property
    def client(self) -> Any:
        return self.node.client

    def auth(self, who: str) -> dict[str, str]:
        return self.node.auth(who)

    def manifest(self, message_type: str = "MT1101", **kw: Any) -> dict[str, Any]:
        """A valid message of IMO 9074729 at customs 5316 whose consignee is trader 0."""
        kw.setdefault("imo", IMO)
        doc = sample_manifest(message_type, **kw)
        for consignment in doc.get("consignments", []):
            if "packages" in consignment:
                consignment["consignee_id"] = f"USCI+{self.node.traders[0].uscc}"
        return doc

    def post(self, doc: dict[str, Any], who: str = "carrier") -> httpx.Response:
        response: httpx.Response = self.client.post(
            "/api/v1/manifests", json=doc, headers=self.auth(who)
        )
        return response

    def ok(self, doc: dict[str, Any], who: str = "carrier") -> dict[str, Any]:
        r = self.post(doc, who)
        assert r.status_code == 202, r.text
        body: dict[str, Any] = r.json()
        return body

    def get(self, path: str, who: str = "carrier", **params: Any) -> Any:
        r = self.client.get(f"/api/v1/manifests{path}", params=params, headers=self.auth(who))
        assert r.status_code == 200, r.text
        return r.json()

    def count(self, model: type[Base]) -> int:
        with self.node.db.read_only() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def inbox(self, who: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.node.inbox(who) if kind is None or m["kind"] == kind]


@pytest.fixture
def mf(node: Node) -> MNode:
    with node.db.unit_of_work() as session:
        for token, code, kind, first17, customs_code in _PARTIES:
            party = parties.create_party(
                session,
                PartyIn(
                    code=code,
                    kind=kind,
                    name_zh=f"{code} 测试",
                    uscc=with_check_digit(first17),
                    customs_code=customs_code,
                ),
            )
            node.tokens[token] = parties.create_api_key(session, party)[1]
    return MNode(node)
