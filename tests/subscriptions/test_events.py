"""Events of a trader's documents as CloudEvents: projected in order, replayed, streamed."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from singlewindow.kit import clock
from singlewindow.subscriptions.models import SubscriptionEvent, SubscriptionProjector
from singlewindow.subscriptions.projector import prune_all
from singlewindow.subscriptions.signals import close_streams, reopen_streams
from singlewindow.subscriptions.tasks import prune_once
from tests.subscriptions.conftest import SQLITE_ONLY, SNode

ATTRIBUTE = re.compile(r"^[a-z0-9]{1,20}$")  # CloudEvents attribute naming rule
REQUIRED = {"specversion", "id", "source", "type"}


def assert_cloudevent(event: dict[str, Any]) -> None:
    assert set(event) >= REQUIRED, event
    assert all(ATTRIBUTE.match(name) for name in event), sorted(event)
    assert event["specversion"] == "1.0"
    assert isinstance(event["id"], str)
    assert event["id"]
    assert event["source"] == "urn:singlewindow:GD"
    assert event["type"].startswith("cn.gd.singlewindow.")
    assert event["datacontenttype"] == "application/json"
    assert datetime.fromisoformat(event["time"]).tzinfo is not None
    assert isinstance(event["data"], dict)
    assert event["sequence"].isdigit()


def _released(sn: SNode, entry_no: Callable[[str, str, str], str]) -> dict[str, Any]:
    receipt = sn.declaration()
    sn.decide(receipt["id"], "received")
    sn.decide(receipt["id"], "accepted", entry_no=entry_no("5316", "I", receipt["unified_no"]))
    sn.decide(receipt["id"], "released")
    return receipt


def test_trader_and_terminal_get_their_events_in_order(
    sn: SNode, entry_no: Callable[[str, str, str], str]
) -> None:
    # Nobody subscribes yet: the projector stores nothing and moves on.
    early = sn.declaration()
    sn.move()
    assert sn.count(SubscriptionEvent) == 0
    assert sn.subscribe("trader").status_code == 201
    assert sn.subscribe("PORT-YICT").status_code == 201
    assert sn.subscribe("other_trader").status_code == 201
    receipt = _released(sn, entry_no)
    assert sn.move() > 0

    r = sn.events("trader")
    assert r.status_code == 200, r.text
    page = r.json()
    items = page["items"]
    for event in items:
        assert_cloudevent(event)
    assert {e["subject"] for e in items} == {receipt["id"]}  # the earlier one was not kept
    assert early["id"] not in r.text
    assert {e["type"] for e in items} == {"cn.gd.singlewindow.declaration.status_changed"}
    statuses = [e["data"]["status"] for e in items]
    assert statuses[0] == "submitted"
    assert statuses[-1] == "released"
    sequences = [int(e["sequence"]) for e in items]
    assert sequences == sorted(sequences)
    assert len({e["id"] for e in items}) == len(items)
    assert page["next_after"] == sequences[-1]
    assert page["has_more"] is False

    # Replay from a cursor, a page at a time.
    rest = sn.events("trader", after=sequences[0]).json()["items"]
    assert [e["id"] for e in rest] == [e["id"] for e in items[1:]]
    one = sn.events("trader", after=sequences[0], limit=1).json()
    assert [e["id"] for e in one["items"]] == [items[1]["id"]]
    assert one["has_more"] is True
    assert one["next_after"] == sequences[1]
    filtered = sn.events("trader", type="cn.gd.singlewindow.inspection.*").json()
    assert filtered["items"] == []

    # The terminal gets the release notice; another trader none of these events.
    port = sn.events("PORT-YICT").json()["items"]
    assert [e["type"] for e in port] == ["cn.gd.singlewindow.declaration.released"]
    assert port[0]["subject"] == receipt["id"]
    other = sn.events("other_trader")
    assert other.status_code == 200
    assert other.json()["items"] == []
    assert receipt["id"] not in other.text

    # Projecting again adds nothing (the cursor is the message log's sequence).
    before = sn.count(SubscriptionEvent)
    assert sn.move() == 0
    assert sn.count(SubscriptionEvent) == before
    assert sn.count(SubscriptionProjector) == 1

    # Retention: events older than the window go, in batches; newer ones stay.
    assert prune_once(sn.node.db, sn.node.settings) == 0
    assert prune_all(sn.node.db, clock.now() + timedelta(minutes=1), batch=2) == before
    assert sn.count(SubscriptionEvent) == 0
    assert sn.events("trader").json()["items"] == []


def _parse_sse(text: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    import json

    events, comments = [], []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                comments.append(line[1:].strip())
            elif ":" in line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        if "data" in fields:
            events.append((fields.get("id", ""), json.loads(fields["data"])))
    return events, comments


@SQLITE_ONLY
def test_sse_stream_resumes_from_last_event_id(
    sn: SNode, entry_no: Callable[[str, str, str], str]
) -> None:
    r = sn.subscribe("trader", delivery="sse", types=["cn.gd.singlewindow.declaration.*"])
    assert r.status_code == 201, r.text
    subscription = r.json()["id"]
    receipt = _released(sn, entry_no)
    sn.move()
    url = "/api/v1/subscriptions/stream"
    r = sn.client.get(url, params={"timeout": 0.3}, headers=sn.auth("trader"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events, _ = _parse_sse(r.text)
    assert len(events) >= 3
    for event_id, event in events:
        assert_cloudevent(event)
        assert event_id == event["sequence"]
        assert event["subject"] == receipt["id"]
    ids = [event_id for event_id, _ in events]

    # A reconnecting client sends Last-Event-ID and gets only what followed.
    resumed = sn.client.get(
        url,
        params={"timeout": 0.3, "subscription": subscription},
        headers=sn.auth("trader") | {"Last-Event-ID": ids[1]},
    )
    assert [i for i, _ in _parse_sse(resumed.text)[0]] == ids[2:]
    after = sn.client.get(url, params={"timeout": 0.3, "after": ids[-1]}, headers=sn.auth("trader"))
    assert _parse_sse(after.text)[0] == []

    # A live stream is woken by new events; idle, it sends heartbeats; at its time limit it
    # ends after sending what is stored (shutdown: test_stream_ends_when_the_node_shuts_down).
    result: dict[str, Any] = {}

    def listen() -> None:
        result["r"] = sn.client.get(
            url,
            params={"timeout": 4},
            headers=sn.auth("trader") | {"Last-Event-ID": ids[-1]},
        )

    listener = threading.Thread(target=listen)
    started = time.monotonic()
    listener.start()
    time.sleep(0.5)
    later = sn.declaration()
    sn.move()
    listener.join(20)
    assert time.monotonic() - started < 15
    live, comments = _parse_sse(result["r"].text)
    assert [e["subject"] for _, e in live] == [later["id"]]
    assert "heartbeat" in comments

    bad = sn.client.get(url, headers=sn.auth("trader") | {"Last-Event-ID": "x1"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_cursor"


@SQLITE_ONLY
def test_stream_ends_when_the_node_shuts_down(sn: SNode) -> None:
    assert sn.subscribe("trader", delivery="sse").status_code == 201
    close_streams()
    try:
        started = time.monotonic()
        r = sn.client.get(
            "/api/v1/subscriptions/stream", params={"timeout": 30}, headers=sn.auth("trader")
        )
        assert r.status_code == 200
        assert time.monotonic() - started < 5
    finally:
        reopen_streams()
