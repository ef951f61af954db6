"""A node (agencies, two traders, a terminal) with helpers to subscribe and move messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from singlewindow.kit.db import Base
from singlewindow.kit.settings import Settings
from singlewindow.subscriptions.signals import reopen_streams
from singlewindow.subscriptions.tasks import projector_once, webhooks_once
from tests.declarations.conftest import Node, entry_no, node
from tests.support.webhooks import Receiver, webhook_receiver

__all__ = ["SQLITE_ONLY", "SNode", "entry_no", "node"]

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        run_workers=False,
        run_simulator=False,
        max_attempts=3,
        retry_base_seconds=0.01,
        retry_max_seconds=0.02,
        webhook_timeout_seconds=5,
        webhook_allowed_hosts=["127.0.0.1"],
        subscription_heartbeat_seconds=0.2,
    )


@dataclass
class SNode:
    node: Node

    @property
    def client(self) -> Any:
        return self.node.client

    def auth(self, who: str) -> dict[str, str]:
        return self.node.auth(who)

    def subscribe(self, who: str = "trader", **body: Any) -> Any:
        body.setdefault("delivery", "pull")
        return self.client.post("/api/v1/subscriptions", json=body, headers=self.auth(who))

    def move(self) -> int:
        """Relays and delivers the exchange, seals its log, projects the events."""
        self.node.pump()
        total = 0
        while True:
            step = projector_once(self.node.db, self.node.settings)
            total += step.events
            if not step.more:
                return total

    def webhooks(self) -> int:
        return webhooks_once(self.node.db, self.node.settings)

    def events(self, who: str = "trader", **params: Any) -> Any:
        return self.client.get(
            "/api/v1/subscriptions/events", params=params, headers=self.auth(who)
        )

    def declaration(self, trader: int = 0) -> dict[str, Any]:
        r = self.node.submit(
            self.node.document(trader), who="trader" if trader == 0 else "other_trader"
        )
        assert r.status_code == 202, r.text
        body: dict[str, Any] = r.json()
        return body

    def decide(self, declaration_id: str, decision: str, **kw: Any) -> None:
        r = self.node.decide("CUS5300", declaration_id, decision, **kw)
        assert r.status_code == 200, r.text

    def count(self, model: type[Base]) -> int:
        with self.node.db.read_only() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def sn(node: Node) -> SNode:
    # Streams end once a node's workers have stopped (``close_streams``); an earlier test in
    # this process may have stopped some: this node's streams are open.
    reopen_streams()
    return SNode(node)


@contextmanager
def receiver() -> Iterator[Receiver]:
    """The shared test receiver at ``/events``; the subscription's secret is set on it later."""
    with webhook_receiver(path="/events") as rec:
        yield rec
