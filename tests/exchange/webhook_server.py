"""A tiny local webhook receiver (127.0.0.1, own thread) that verifies signatures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from singlewindow.exchange.channels.webhook import verify_webhook_signature


@dataclass
class Receiver:
    secret: str
    url: str = ""
    script: list[str] = field(default_factory=list)  # "500" | "slow" | "ok", consumed in order
    received: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(secret: str, slow_s: float = 1.5) -> Iterator[Receiver]:
    receiver = Receiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.attempts += 1
                step = receiver.script.pop(0) if receiver.script else "ok"
            if step == "slow":
                time.sleep(slow_s)
            if step != "ok":
                self.send_response(500)
                self.end_headers()
                return
            if not verify_webhook_signature(receiver.secret, dict(self.headers), body, 60):
                with receiver.lock:
                    receiver.rejected += 1
                self.send_response(401)
                self.end_headers()
                return
            envelope = json.loads(body)
            assert envelope["id"] == self.headers["X-SW-Message-Id"]
            with receiver.lock:
                receiver.received.append(envelope)
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
