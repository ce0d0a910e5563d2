"""A database outage under load: what the service answers, what it logs, how fast it recovers.

    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/outage.py [--seconds 12]
    .venv/bin/python bench/outage.py                    # SQLite: the database folder is moved away and back
    ... bench/outage.py --root /path/to/another/checkout  # the same outage on other code

Issue 14: "a PostgreSQL outage gives 500s (not 503), a raw JSON page to a citizen who scans a QR, and
8 MB of tracebacks in 12 s"; recovery was measured within 0.13 s. Starts ``training serve`` (one
worker) on a scratch database; on PostgreSQL through a TCP forwarder on 127.0.0.1 that this script
cuts (every connection dropped, nothing listening) and restores. ``--clients`` threads ask
``/api/provinces`` and the public ``/verify/{number}`` page (as a browser) in a loop for ``--seconds``
while the database is away. Prints the answers by status, the bytes and lines logged and the
tracebacks among them, then restores the database and prints the time to the first 200.
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import _scratch
from verify_load import HOST, port_free, start_server, stop_server


class Forwarder:
    """TCP forwarder 127.0.0.1:port → target, in its own thread; ``cut()`` drops every connection and
    stops listening, ``restore()`` listens again."""

    def __init__(self, target: tuple[str, int], port: int):
        self.target, self.port, self.writers = target, port, set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.restore()

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except Exception:  # noqa: BLE001 (a cut connection)
            pass
        writer.close()

    async def _client(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.writers -= {writer, up_writer}

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._client, HOST, self.port, reuse_address=True)

    async def _stop(self) -> None:
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)


def status_of(url: str, html: bool = False) -> int:
    request = urllib.request.Request(url, headers={"Accept": "text/html"} if html else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code
    except OSError:
        return 0


def hammer(base: str, seconds: float, clients: int) -> collections.Counter:
    seen: collections.Counter = collections.Counter()
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def loop(n: int) -> None:
        while time.monotonic() < stop:
            html = n % 2 == 1
            code = status_of(f"{base}/verify/KHA-2026-000001" if html else f"{base}/api/provinces", html)
            with lock:
                seen[("page" if html else "api", code)] += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--root", type=Path, default=_scratch.ROOT, help="the checkout whose code serves")
    args = parser.parse_args()
    folder = Path(os.environ["TRAINING_DATA_DIR"])
    if not port_free(args.port):
        print(f"port {args.port} on {HOST} is in use")
        return 2
    proc = None
    try:
        print(f"database: {asyncio.run(_scratch.prepare())}; code: {args.root}")
        url = os.environ["DATABASE_URL"]
        if url.startswith("postgres"):
            parsed = urlparse(url)
            forwarder = Forwarder((parsed.hostname, parsed.port or 5432), args.port + 1)
            os.environ["DATABASE_URL"] = parsed._replace(
                netloc=f"{parsed.username}:{parsed.password}@{HOST}:{forwarder.port}").geturl()
            cut, restore = forwarder.cut, forwarder.restore
        else:
            path = Path(url[len("sqlite:///"):])
            home = folder / "db"
            home.mkdir()
            for name in os.listdir(path.parent):
                if name.startswith(path.name):
                    shutil.move(path.parent / name, home / name)
            os.environ["DATABASE_URL"] = f"sqlite:///{home / path.name}"
            cut, restore = (lambda: home.rename(folder / "away")), (lambda: (folder / "away").rename(home))
        log_path = folder / "serve.log"
        proc = start_server(args.port, log_path, root=args.root.resolve())
        base = f"http://{HOST}:{args.port}"
        assert status_of(f"{base}/api/provinces") == 200
        size = log_path.stat().st_size
        cut()
        seen = hammer(base, args.seconds, args.clients)
        time.sleep(0.5)
        logged = log_path.read_bytes()[size:]
        restored = time.monotonic()
        restore()
        while status_of(f"{base}/api/provinces") != 200:
            time.sleep(0.005)
        recovery = time.monotonic() - restored
        print(f"outage of {args.seconds:.0f} s, {args.clients} clients: answers {dict(sorted(seen.items()))}")
        lines, tracebacks = logged.count(b"\n"), logged.count(b"Traceback")
        print(f"logged {len(logged):,} bytes, {lines:,} lines, {tracebacks:,} tracebacks "
              f"({len(logged) / max(1, sum(seen.values())):.0f} bytes per request)")
        print(f"first 200 after the database's return: {recovery:.3f} s (same process, pid {proc.pid})")
        return 0
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
