"""A real HTTP receiver on loopback that verifies Standard Webhooks signatures and, like a
well-behaved agency system, applies each webhook-id once."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(
        self,
        secret: str | None = None,
        statuses: list[int] | None = None,
        hold_first: float = 0.0,
        reply: bytes = b"ok",
        location: str = "",
        on_first=None,
    ):
        self.secret = secret
        self.statuses = list(statuses or [])  # answered in turn; then 200
        self.hold_first = hold_first  # seconds to stall the first request (to kill a worker mid-delivery)
        self.reply = reply  # the body of every answer
        self.location = location  # sent with a 3xx answer
        self.on_first = on_first  # called (in the server's thread) before the first request is answered
        self.down = False  # while True, every request is answered 503 (and counted)
        self.requests_while_down = 0
        self.requests: list[dict] = []
        self.applied: dict[str, dict] = {}  # webhook-id -> event, applied once
        self.arrival_times: dict[str, float] = {}  # webhook-id -> when first applied (epoch seconds)
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.first_arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as agency systems behind a proxy would
            disable_nagle_algorithm = True  # else each kept-alive response waits ~40 ms for an ACK

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    number = len(receiver.requests)
                    receiver.requests.append({"headers": headers, "body": body})
                    down = receiver.down
                    receiver.requests_while_down += down
                if down:
                    self._answer(503)
                    return
                if number == 0 and receiver.on_first:
                    receiver.on_first()
                if number == 0 and receiver.hold_first:
                    receiver.first_arrived.set()
                    time.sleep(receiver.hold_first)
                try:
                    event = Webhook(receiver.secret).verify(body, headers) if receiver.secret else json.loads(body)
                except WebhookVerificationError:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    self._answer(401)
                    return
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    if 200 <= status < 300 and headers["webhook-id"] not in receiver.applied:
                        receiver.applied[headers["webhook-id"]] = event
                        receiver.arrival_times[headers["webhook-id"]] = time.time()
                self._answer(status)

            def _answer(self, status):
                self.send_response(status)
                if 300 <= status < 400 and receiver.location:
                    self.send_header("location", receiver.location)
                self.send_header("content-length", str(len(receiver.reply)))
                self.end_headers()
                self.wfile.write(receiver.reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.05)
        return False
