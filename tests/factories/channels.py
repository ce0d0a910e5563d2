"""A real SMTP server (aiosmtpd on 127.0.0.1) and a real SMS/Zalo HTTP gateway (http.server on 127.0.0.1) for
the notification tests; the fixtures ``smtp`` (TRAINING_SMTP_URL → an ``Inbox``) and ``gateway``
(TRAINING_SMS_WEBHOOK_URL → a ``Gateway`` that answers 200, 500, 401 or hangs, by ``mode``) are in conftest.py."""

from __future__ import annotations

import email
import json
import threading
import time
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# --- a real SMTP server ---------------------------------------------------------------------------

class Inbox:
    """aiosmtpd handler: keeps every message; refuses recipients whose address starts with ``refuse``."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 Hộp thư không tồn tại (mailbox unavailable)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


# --- a real HTTP gateway ----------------------------------------------------------------------------

class Gateway:
    """Answers each POST by ``mode``: ``ok`` (200), ``fail`` (500), ``refuse`` (401) or ``hang`` (no answer within the
    sender's timeout); records (time, user agent, authorization, body) of every request."""

    def __init__(self):
        self.mode = "ok"
        self.delay = 0.0
        self.slow: dict[int, float] = {}  # id -> seconds to wait before answering
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway.lock:
                    gateway.requests.append({"at": time.monotonic(), "agent": self.headers["User-Agent"],
                                             "auth": self.headers.get("Authorization"), "body": body,
                                             "key": self.headers.get("Idempotency-Key")})
                if gateway.mode == "hang":
                    time.sleep(2)
                time.sleep(gateway.slow.get(body["id"], gateway.delay))
                status, answer = {"fail": (500, b"gateway down"), "refuse": (401, b"bad token")}.get(
                    gateway.mode, (200, b'{"status":"queued"}'))
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def bodies(self, ids) -> list[dict]:
        return [r["body"] for r in self.requests if r["body"]["id"] in set(ids)]
