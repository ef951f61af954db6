"""One local webhook receiver for the tests (127.0.0.1, random port, own thread).

It verifies the exchange's HMAC-SHA256 signature (``verify_webhook_signature``) and records
what it accepted. ``script`` makes it misbehave, one entry per request in order: an HTTP status
(``500``) or ``"slow"`` (answer 500 after ``slow_s``); then it accepts (204).
"""

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
    secret: str = ""  # may be set after start (a generated secret is known only then)
    url: str = ""
    script: list[int | str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    rejected: int = 0  # bad signatures
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(
    secret: str = "", *, slow_s: float = 1.5, path: str = "/hook"
) -> Iterator[Receiver]:
    receiver = Receiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.attempts += 1
                step = receiver.script.pop(0) if receiver.script else 204
            if step == "slow":
                time.sleep(slow_s)
                step = 500
            if int(step) >= 300:
                self.send_response(int(step))
                self.end_headers()
                return
            if not verify_webhook_signature(receiver.secret, dict(self.headers), body, 60):
                with receiver.lock:
                    receiver.rejected += 1
                self.send_response(401)
                self.end_headers()
                return
            with receiver.lock:
                receiver.received.append(json.loads(body))
                receiver.headers.append(dict(self.headers))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
