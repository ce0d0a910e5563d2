"""CPU time of one public verification inside the app (no HTTP server, no wrk), and of its parts.

    .venv/bin/python bench/verify_cpu.py [--certificates 2000] [--requests 3000]

Where the figures of ADR 0047 come from. Builds certificates as ``verify_load.py`` does (scratch database,
``random.Random(n)``), creates the app, runs its start-up, and sends ``--requests`` requests straight to the
ASGI app (a minimal scope; certificates in a fixed shuffled order, ``random.Random(8765)``), timing the
process's CPU: ``GET /api/verify/{n}?t=``, ``GET /verify/{n}?t=``, ``GET /health``. Then the parts: an
Ed25519 check with OpenSSL (``cryptography``) and with libsodium (PyNaCl), and ``get_settings()``.
CPU time holds better than wall time on a shared machine; the HTTP server's own cost comes on top.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import time
import timeit

import _scratch  # noqa: F401  (the scratch database, before anything of ours is imported)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.signing import VerifyKey
from verify_load import build

os.environ["TRAINING_PUBLIC_RATE_LIMIT"] = "0"
os.environ["TRAINING_NOTIFY_SENDER"] = "0"


async def call(app, path: str, query: str) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")], "client": ("127.0.0.1", 5555),
             "server": ("127.0.0.1", 8765), "state": {}}
    status = {}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]

    await app(scope, receive, send)
    return status["code"]


async def measure(certificates: int, requests: int) -> None:
    from training.web.app import create_app

    certs = await build(certificates)
    random.Random(8765).shuffle(certs)
    app = create_app()
    for hook in app.on_startup:
        await hook(app)
    routes = {"GET /api/verify/{n}?t=": lambda c: (f"/api/verify/{c['number']}", f"t={c['token']}"),
              "GET /verify/{n}?t= (page)": lambda c: (f"/verify/{c['number']}", f"t={c['token']}"),
              "GET /health": lambda c: ("/health", "")}
    for name, request in routes.items():
        for cert in certs[:200]:  # warm-up, and every answer must be a 200
            assert await call(app, *request(cert)) == 200, name
        start = time.process_time()
        for i in range(requests):
            await call(app, *request(certs[i % len(certs)]))
        cpu = (time.process_time() - start) / requests
        print(f"  {name:<28} {cpu * 1000:6.3f} ms of CPU a request ({1 / cpu:7.0f} requests/s of one core)")


def parts() -> None:
    from training.core.config import get_settings

    key = Ed25519PrivateKey.generate()
    message = b"x" * 230  # about a token's payload
    signature, public = key.sign(message), key.public_key()
    sodium = VerifyKey(public.public_bytes_raw())
    for name, check in (("Ed25519 check, OpenSSL (cryptography)", lambda: public.verify(signature, message)),
                        ("Ed25519 check, libsodium (PyNaCl)", lambda: sodium.verify(message, signature)),
                        ("get_settings()", get_settings)):
        best = min(timeit.repeat(check, number=2000, repeat=5)) / 2000
        print(f"  {name:<38} {best * 1e6:7.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    try:
        asyncio.run(measure(args.certificates, args.requests))
        parts()
    finally:
        shutil.rmtree(os.environ["TRAINING_DATA_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
