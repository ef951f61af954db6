"""The declarant hears about every aggregate status change: SSE stream and signed webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from singlewindow.exchange.channels.webhook import verify_webhook_signature
from tests.declarations.conftest import Node

SECRET = "trader-webhook-secret-0123"
ME = "/api/v1/exchange/channels/me"
EVENTS = "/api/v1/exchange/events"


def _release(node: Node, entry_no: Callable[[str, str, str], str]) -> dict[str, str]:
    """Submits, then customs receives, accepts and releases; drains the exchange throughout."""
    r = node.submit(node.document())
    assert r.status_code == 202, r.text
    receipt: dict[str, str] = r.json()
    node.pump()
    number = entry_no("5316", "I", receipt["unified_no"])
    for decision, extra in (("received", {}), ("accepted", {"entry_no": number}), ("released", {})):
        d = node.decide("CUS5300", receipt["id"], decision, **extra)
        assert d.status_code == 200, d.text
        node.pump()
    return receipt


def _read_sse(node: Node, **headers: str) -> list[dict[str, Any]]:
    """Reads the trader's stream; ``timeout=1`` makes the server close it after a second."""
    events: list[dict[str, Any]] = []
    with node.client.stream(
        "GET", EVENTS, params={"timeout": 1}, headers={**node.auth("trader"), **headers}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        current: dict[str, Any] = {}
        for line in r.iter_lines():
            if not line:
                if "data" in current:
                    events.append(current)
                current = {}
            elif line.startswith("id: "):
                current["id"] = line[4:]
            elif line.startswith("event: "):
                current["event"] = line[7:]
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
    return events


def _statuses(items: list[dict[str, Any]], declaration_id: str) -> list[str]:
    return [
        i["payload"]["status"]
        for i in items
        if i["kind"] == "declaration_status" and i["correlation_id"] == declaration_id
    ]


def test_status_changes_stream_over_sse_and_resume_from_last_event_id(
    node: Node, entry_no: Callable[[str, str, str], str]
) -> None:
    receipt = _release(node, entry_no)
    events = _read_sse(node)
    assert {e["event"] for e in events} == {"message"}
    items = [e["data"] for e in events]
    assert _statuses(items, receipt["id"]) == ["submitted", "accepted", "released"]
    assert all(i["recipient"] == node.traders[0].uscc for i in items)
    assert items[-1]["payload"]["entry_no"] == entry_no("5316", "I", receipt["unified_no"])
    assert [e["id"] for e in events] == [str(i["cursor"]) for i in items]
    # A client reconnecting with Last-Event-ID gets only what came after it.
    resumed = _read_sse(node, **{"Last-Event-ID": events[0]["id"]})
    assert [e["data"]["id"] for e in resumed] == [i["id"] for i in items[1:]]
    assert _read_sse(node, **{"Last-Event-ID": events[-1]["id"]}) == []
    # The other trader sees none of it.
    other = node.client.get(EVENTS, params={"timeout": 1}, headers=node.auth("other_trader")).text
    assert "data:" not in other


def test_bad_last_event_id_is_400_bilingual(node: Node) -> None:
    for bad in ("abc", str(2**64)):
        r = node.client.get(EVENTS, headers={**node.auth("trader"), "Last-Event-ID": bad})
        assert r.status_code == 400
        error = r.json()["error"]
        assert error["code"] == "bad_cursor"
        assert error["message"]
        assert error["message_zh"]
    assert node.client.get(EVENTS, params={"timeout": 1}).status_code == 401


@dataclass
class Hook:
    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def hook_receiver() -> Iterator[Hook]:
    """Records every POST (headers and raw body) on 127.0.0.1; always answers 204."""
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with hook.lock:
                hook.requests.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/sw"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


def test_trader_sets_own_webhook_and_gets_signed_status_notifications(
    node: Node, entry_no: Callable[[str, str, str], str]
) -> None:
    trader = node.traders[0].uscc
    assert node.client.get(ME, headers=node.auth("trader")).json() == {
        "recipient": trader,
        "kind": "pull",
        "url": None,
        "has_secret": False,
        "subject": None,
    }
    with hook_receiver() as hook:
        body = {"kind": "webhook", "url": hook.url, "secret": SECRET}
        r = node.client.put(ME, json=body, headers=node.auth("trader"))
        assert r.status_code == 200, r.text
        expected = {
            "recipient": trader,
            "kind": "webhook",
            "url": hook.url,
            "has_secret": True,
            "subject": None,
        }
        assert r.json() == expected
        assert node.client.get(ME, headers=node.auth("trader")).json() == expected
        # The operator sees the same configuration under the trader's code.
        op_view = node.client.get(
            f"/api/v1/exchange/channels/{trader}", headers=node.auth("operator")
        )
        assert op_view.json() == expected
        receipt = _release(node, entry_no)
        with hook.lock:
            requests = list(hook.requests)
    envelopes = []
    for headers, raw in requests:
        assert verify_webhook_signature(SECRET, headers, raw)
        assert not verify_webhook_signature("not-the-secret-0000", headers, raw)
        envelope = json.loads(raw)
        assert envelope["id"] == headers["X-SW-Message-Id"]
        assert envelope["recipient"] == trader
        envelopes.append(envelope)
    assert _statuses(envelopes, receipt["id"]) == ["submitted", "accepted", "released"]
    # Delivered by webhook, so nothing waits in the pull inbox.
    assert node.inbox("trader") == []


def test_own_channel_input_is_validated_and_needs_a_key(node: Node) -> None:
    r = node.client.put(
        ME,
        json={"kind": "webhook", "url": "ftp://x/y", "secret": SECRET},
        headers=node.auth("trader"),
    )
    assert r.status_code == 422
    error = r.json()["error"]
    (finding,) = error["findings"]
    assert finding["path"] == "/url"
    assert finding["message"]
    assert finding["message_zh"]
    assert error["message"]
    assert error["message_zh"]
    r = node.client.put(
        ME,
        json={"kind": "webhook", "url": "http://[::1", "secret": SECRET},
        headers=node.auth("trader"),
    )
    assert r.status_code == 422
    assert [f["path"] for f in r.json()["error"]["findings"]] == ["/url"]
    r = node.client.put(
        ME,
        json={"kind": "webhook", "url": "https://h.example/x", "secret": "s"},
        headers=node.auth("trader"),
    )
    assert r.status_code == 422
    assert [f["path"] for f in r.json()["error"]["findings"]] == ["/secret"]
    r = node.client.put(ME, json={"kind": "smoke"}, headers=node.auth("trader"))
    assert r.status_code == 422
    assert r.json()["error"]["findings"][0]["path"] == "/kind"
    for method in ("GET", "PUT"):
        r = node.client.request(method, ME, json={"kind": "pull"})
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthenticated"
        assert r.json()["error"]["message_zh"]
    # Nothing was changed by the refused requests.
    assert node.client.get(ME, headers=node.auth("trader")).json()["kind"] == "pull"
    # An agency can switch itself back to the pull inbox the same way.
    r = node.client.put(ME, json={"kind": "pull"}, headers=node.auth("CUS5300"))
    assert r.status_code == 200
    assert r.json()["recipient"] == "CUS5300"
