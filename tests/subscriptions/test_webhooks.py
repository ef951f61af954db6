"""Webhook delivery: signed, one CloudEvent per POST, in order, retried, suspended, resumed;
and the operator's allow-list, at registration and again at delivery."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from singlewindow.audit.models import AuditEntry
from singlewindow.exchange.models import Message
from singlewindow.subscriptions.models import Subscription
from tests.subscriptions.conftest import SQLITE_ONLY, SNode, receiver

pytestmark = SQLITE_ONLY
DECLARATIONS = "cn.gd.singlewindow.declaration.*"


def _get(sn: SNode, subscription_id: str, who: str = "trader") -> dict[str, Any]:
    r = sn.client.get(f"/api/v1/subscriptions/{subscription_id}", headers=sn.auth(who))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _actions(sn: SNode, target: str) -> list[str]:
    with sn.node.db.read_only() as session:
        rows = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == target).order_by(AuditEntry.id)
        )
        return list(rows)


def test_signed_in_order_then_retries_suspension_and_resume(
    sn: SNode, entry_no: Callable[[str, str, str], str]
) -> None:
    with receiver() as rec:
        r = sn.subscribe("trader", delivery="webhook", url=rec.url, types=[DECLARATIONS])
        assert r.status_code == 201, r.text
        created = r.json()
        rec.secret = created["secret"]  # generated, shown once
        assert len(rec.secret) >= 32
        sid = created["id"]
        assert "secret" not in _get(sn, sid)

        receipt = sn.declaration()
        sn.decide(receipt["id"], "received")
        sn.decide(receipt["id"], "accepted", entry_no=entry_no("5316", "I", receipt["unified_no"]))
        sn.move()
        delivered = sn.webhooks()
        expected = [e["id"] for e in sn.events("trader").json()["items"]]
        assert delivered == len(expected) >= 2
        assert [e["id"] for e in rec.received] == expected
        assert rec.rejected == 0
        assert all(h["Content-Type"] == "application/cloudevents+json" for h in rec.headers)
        assert rec.received[0]["data"]["status"] == "submitted"
        assert _get(sn, sid)["cursor"] == int(rec.received[-1]["sequence"])
        assert sn.webhooks() == 0  # nothing new: nothing sent again

        # The receiver fails: retried with backoff, then suspended with the event kept.
        rec.script = [500, 500, 500]
        sn.decide(receipt["id"], "released")
        sn.move()
        failing = sn.events("trader").json()["items"][-1]
        for attempt in (1, 2):
            assert sn.webhooks() == 0
            state = _get(sn, sid)
            assert (state["status"], state["attempts"]) == ("active", attempt)
            assert state["last_error"].startswith("HTTP 500")
            time.sleep(0.05)  # past the (test-sized) backoff
        assert sn.webhooks() == 0
        state = _get(sn, sid)
        assert state["status"] == "suspended"
        assert state["dead_seq"] == int(failing["sequence"])
        assert rec.attempts == len(expected) + 3
        later = sn.declaration()  # queues behind the dead letter
        sn.move()
        assert sn.webhooks() == 0
        assert rec.attempts == len(expected) + 3

        r = sn.client.post(f"/api/v1/subscriptions/{sid}/resume", headers=sn.auth("trader"))
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "active"
        again = sn.client.post(f"/api/v1/subscriptions/{sid}/resume", headers=sn.auth("trader"))
        assert again.status_code == 409
        assert sn.webhooks() >= 2
        tail = rec.received[len(expected) :]
        assert tail[0]["id"] == failing["id"]
        assert tail[-1]["subject"] == later["id"]
        seqs = [int(e["sequence"]) for e in rec.received]
        assert seqs == sorted(seqs)
        assert _get(sn, sid)["attempts"] == 0

        r = sn.client.delete(f"/api/v1/subscriptions/{sid}", headers=sn.auth("trader"))
        assert r.status_code == 204
        gone = sn.client.get(f"/api/v1/subscriptions/{sid}", headers=sn.auth("trader"))
        assert gone.status_code == 404
    assert _actions(sn, sid) == [
        "subscription.created",
        "subscription.resumed",
        "subscription.deleted",
    ]


def test_allow_list_at_creation_and_at_delivery(sn: SNode) -> None:
    with receiver() as rec:
        before = sn.count(Subscription)
        r = sn.subscribe("trader", delivery="webhook", url="http://hooks.evil.example/x")
        assert r.status_code == 422
        finding = r.json()["error"]["findings"][0]
        assert (finding["path"], finding["code"]) == ("/url", "host_not_allowed")
        assert finding["message_zh"]
        assert sn.count(Subscription) == before

        r = sn.subscribe("trader", delivery="webhook", url=rec.url, secret="s" * 20)
        assert r.status_code == 201, r.text
        assert r.json()["secret"] is None  # the caller chose it: not echoed
        sid = r.json()["id"]
        # The operator takes the host off the list: no request is sent any more.
        sn.node.settings.webhook_allowed_hosts = ["hooks.example.cn"]
        sn.declaration()
        sn.move()
        assert sn.webhooks() == 0
        assert rec.attempts == 0
        state = _get(sn, sid)
        assert state["last_error"].startswith("host_not_allowed")
        for _ in range(2):
            time.sleep(0.05)
            sn.webhooks()
        assert _get(sn, sid)["status"] == "suspended"
        r = sn.client.post(f"/api/v1/subscriptions/{sid}/resume", headers=sn.auth("trader"))
        assert r.status_code == 422
        assert r.json()["error"]["findings"][0]["path"] == "/url"
        assert rec.attempts == 0


def test_exchange_webhook_channel_checks_the_allow_list_at_delivery(sn: SNode) -> None:
    with receiver() as rec:
        r = sn.client.put(
            "/api/v1/exchange/channels/me",
            json={"kind": "webhook", "url": rec.url, "secret": "s" * 20},
            headers=sn.auth("trader"),
        )
        assert r.status_code == 200, r.text
        sn.node.settings.webhook_allowed_hosts = ["hooks.example.cn"]
        receipt = sn.declaration()
        sn.node.pump()
        assert rec.attempts == 0
        with sn.node.db.read_only() as session:
            errors = session.scalars(
                select(Message.last_error).where(
                    Message.correlation_id == receipt["id"], Message.recipient != "CUS5300"
                )
            ).all()
        assert errors
        assert all((e or "").startswith("host_not_allowed") for e in errors)
