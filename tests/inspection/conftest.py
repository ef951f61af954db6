"""A node with agencies, terminals and traders, and helpers to drive an inspection case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from singlewindow.agencies.simulator import entry_no_for
from singlewindow.exchange.models import Message
from singlewindow.kit import clock
from singlewindow.kit.db import Base
from tests.declarations.conftest import Node, node

__all__ = ["SQLITE_ONLY", "INode", "inode", "node"]

# Input checks and the smaller flows run on SQLite only (the suite's time budget); the whole
# flow runs on SQLite and PostgreSQL.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

BOXES = ["MSKU1234565", "TGHU9876542"]  # the sample declaration's containers


def next_hour(hours: int = 1) -> datetime:
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=hours)


@dataclass
class INode:
    node: Node

    @property
    def client(self) -> Any:
        return self.node.client

    @property
    def trader(self) -> str:
        code: str = self.node.traders[0].code
        return code

    def auth(self, who: str) -> dict[str, str]:
        return self.node.auth(who)

    def post(self, path: str, who: str, body: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.auth(who))

    def get(self, path: str, who: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params=params, headers=self.auth(who))

    def submit(self, licences: bool = False, trader: int = 0) -> dict[str, Any]:
        doc = self.node.document(trader=trader)
        if licences:
            doc["licences"] = [{"docu_code": "O", "cert_code": "O2026GD0000001"}]
        who = "trader" if trader == 0 else "other_trader"
        r = self.node.submit(doc, who=who)
        assert r.status_code == 202, r.text
        body: dict[str, Any] = r.json()
        return body

    def accept(self, receipt: dict[str, Any]) -> None:
        number = entry_no_for("5316", "I", receipt["unified_no"])
        for decision, extra in (("received", {}), ("accepted", {"entry_no": number})):
            r = self.node.decide("CUS5300", receipt["id"], decision, **extra)
            assert r.status_code == 200, r.text

    def customs_orders(self, receipt: dict[str, Any]) -> dict[str, Any]:
        """Customs accepts and requires inspection (the decision route): the case opens."""
        self.accept(receipt)
        r = self.node.decide(
            "CUS5300", receipt["id"], "inspection_required", reasons=[{"code": "I01"}]
        )
        assert r.status_code == 200, r.text
        return self.case_of(receipt["id"])

    def case_of(self, declaration_id: str, who: str = "trader") -> dict[str, Any]:
        r = self.get("/inspections", who, declaration_id=declaration_id)
        assert r.status_code == 200, r.text
        (item,) = r.json()["items"]
        return self.case(item["case_no"], who)

    def case(self, case_no: str, who: str = "trader") -> dict[str, Any]:
        r = self.get(f"/inspections/{case_no}", who)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def offer(self, first: int = 2, hours: int = 3, bays: int = 1) -> list[dict[str, Any]]:
        r = self.post(
            "/inspections/capacity",
            "PORT-YICT",
            {
                "starts_at": next_hour(first).isoformat(),
                "ends_at": next_hour(first + hours).isoformat(),
                "bays": bays,
            },
        )
        assert r.status_code == 201, r.text
        slots: list[dict[str, Any]] = r.json()
        return slots

    def count(self, model: type[Base], *where: Any) -> int:
        with self.node.db.read_only() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def messages(self, kind: str, recipient: str | None = None, **match: Any) -> list[Message]:
        with self.node.db.read_only() as session:
            query = select(Message).where(Message.kind == kind, Message.direction == "out")
            if recipient:
                query = query.where(Message.recipient == recipient)
            rows = list(session.scalars(query.order_by(Message.created_at, Message.id)))
            session.expunge_all()
        return [m for m in rows if all(m.payload.get(k) == v for k, v in match.items())]

    def steps(self, recipient: str, case_no: str) -> list[str]:
        return [
            m.payload["step"]
            for m in self.messages("inspection_notice", recipient, case_no=case_no)
        ]

    def counts(self) -> dict[str, int]:
        from singlewindow.declarations.models import TimelineEvent
        from singlewindow.inspection import models as m

        return {
            t.__tablename__: self.count(t)
            for t in (
                m.InspectionCase,
                m.InspectionOrder,
                m.InspectionBooking,
                m.InspectionEvent,
                m.InspectionCapacity,
                m.PortEvent,
                Message,
                TimelineEvent,
            )
        }


@pytest.fixture
def inode(node: Node) -> INode:
    return INode(node)
