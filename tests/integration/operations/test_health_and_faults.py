"""Health and errors under faults (issue 14, item 4): ``/health`` is liveness and needs no database,
``/health/ready`` needs a database that takes a write, and a database outage gives 503 in the one error
shape (a Vietnamese page to a browser, the public verify page above all), one log line per failure,
and recovery without a restart.

The outage is real: ``training serve`` runs as a process; on PostgreSQL it reaches the (shared) server
through a TCP forwarder on 127.0.0.1 that the test cuts and restores; on SQLite its database folder is
moved away and back. No traffic leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from factories import ARTIFACTS, IS_POSTGRES, free_port, run, serve, serve_log
from factories.browser import ARGS, CHROMIUM, axe_violations

VERIFY_PAGE = "/verify/KHA-2026-999999"  # what a phone opens from a QR code (this number does not exist)
OUTAGE_REQUESTS = 60


class Forwarder:
    """A TCP forwarder on 127.0.0.1 to ``target``, in a thread of its own: ``cut()`` stops listening and
    drops every open connection (what a stopped or unreachable database looks like), ``restore()``
    listens again on the same port."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.restore()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.writers -= {writer, up_writer}

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    def cut(self) -> None:
        self._call(self._stop())

    def restore(self) -> None:
        self._call(self._start())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)


@contextlib.contextmanager
def server_with_an_outage_switch():
    """``training serve`` on a database this test can take away: yields (base URL, cut, restore)."""
    if IS_POSTGRES:
        url = urlparse(os.environ["DATABASE_URL"])
        forwarder = Forwarder(url.hostname, url.port or 5432)
        proxied = url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{forwarder.port}").geturl()
        try:
            with serve(env={"DATABASE_URL": proxied}) as base:
                yield base, forwarder.cut, forwarder.restore
        finally:
            forwarder.close()
        return
    folder = Path(tempfile.mkdtemp(prefix="training-outage-"))
    database, away = folder / "db", folder / "db-away"
    env = {"DATABASE_URL": f"sqlite:///{database / 'outage.sqlite'}", "TRAINING_DATA_DIR": str(folder / "data")}
    with serve(env=env) as base:
        yield base, lambda: database.rename(away), lambda: away.rename(database)


def assert_unavailable_json(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["retry-after"] == "30"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable" and error["errors"] == []
    assert "cơ sở dữ liệu" in error["message"]  # Vietnamese by default


def test_an_outage_gives_503_pages_one_line_each_and_recovers_without_a_restart():
    with server_with_an_outage_switch() as (base, cut, restore):
        assert httpx.get(f"{base}/health/ready").status_code == 200
        assert httpx.get(f"{base}/api/provinces").status_code == 200
        log = serve_log(base)
        logged_before = log.stat().st_size
        cut()
        try:
            # liveness needs no database; readiness, the API and the pages say 503
            assert httpx.get(f"{base}/health", timeout=5).json() == {"status": "ok"}
            assert_unavailable_json(httpx.get(f"{base}/health/ready", timeout=10))
            assert_unavailable_json(httpx.get(f"{base}/api/provinces", timeout=10))
            page = httpx.get(f"{base}{VERIFY_PAGE}", headers={"Accept": "text/html,application/xhtml+xml"},
                             timeout=10)
            assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
            assert '{"error"' not in page.text and "<html" in page.text
            assert "Hệ thống tạm thời gián đoạn" in page.text and "quét lại mã QR" in page.text
            # a program asking the same page for JSON gets the one error shape
            assert_unavailable_json(httpx.get(f"{base}/api/verify/KHA-2026-999999", timeout=10))
            for _ in range(OUTAGE_REQUESTS):
                assert httpx.get(f"{base}/api/provinces", timeout=10).status_code == 503
        finally:
            restore()
        # recovery without a restart: the same process answers 200 again
        deadline = time.monotonic() + 20
        while httpx.get(f"{base}/api/provinces", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "no 200 within 20 s of the database's return"
            time.sleep(0.05)
        assert httpx.get(f"{base}/health/ready", timeout=10).status_code == 200
        assert httpx.get(f"{base}{VERIFY_PAGE}", headers={"Accept": "text/html"}, timeout=10).status_code == 404
        time.sleep(0.5)  # the last lines reach the file
        outage_log = log.read_bytes()[logged_before:].decode("utf-8", "replace")
    assert "Traceback" not in outage_log
    failures = [line for line in outage_log.splitlines() if "Database unavailable" in line]
    # one line per refused request (and nothing else of size): no traceback storm
    assert OUTAGE_REQUESTS + 4 <= len(failures) <= OUTAGE_REQUESTS + 8, outage_log[-3000:]
    assert len(outage_log) < (OUTAGE_REQUESTS + 20) * 400, len(outage_log)


def test_the_outage_page_reads_on_a_phone_and_passes_axe():
    """What a citizen's phone shows after scanning a QR code while the database is down."""
    from playwright.sync_api import sync_playwright

    with server_with_an_outage_switch() as (base, cut, restore), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        cut()
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN", bypass_csp=True)
            answer = page.goto(f"{base}{VERIFY_PAGE}")
            assert answer.status == 503
            assert page.locator("h1").inner_text() == "Hệ thống tạm thời gián đoạn"
            assert page.get_by_role("link", name="Thử lại").is_visible()
            # readable at 390 px: nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "outage-verify-390.png"), full_page=True)
            assert axe_violations(page) == []
        finally:
            restore()
            browser.close()


@contextlib.contextmanager
def database_taking_no_write():
    """Another connection holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an exclusive lock
    on the table the readiness probe writes to), as a stuck writer or a backup tool would."""
    if IS_POSTGRES:
        import asyncpg

        locked, release = threading.Event(), threading.Event()

        async def hold() -> None:
            conn = await asyncpg.connect(os.environ["DATABASE_URL"])
            try:
                async with conn.transaction():
                    await conn.execute("LOCK TABLE migration IN EXCLUSIVE MODE")
                    locked.set()
                    await asyncio.to_thread(release.wait)
            finally:
                await conn.close()

        holder = threading.Thread(target=asyncio.run, args=(hold(),))
        holder.start()
        assert locked.wait(10)
        try:
            yield
        finally:
            release.set()
            holder.join(10)
        return
    path = os.environ["DATABASE_URL"][len("sqlite:///"):]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_ready_fails_while_the_database_takes_no_write_and_health_stays_ok(client, monkeypatch):
    monkeypatch.setenv("TRAINING_READY_TIMEOUT", "0.5")
    assert client.get("/health/ready").status_code == 200
    with database_taking_no_write():
        assert client.get("/api/provinces").status_code == 200  # reads still work: only a write tells
        answer = client.get("/health/ready")
        assert_unavailable_json(answer)
        assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/health/ready").status_code == 200


@pytest.mark.skipif(not IS_POSTGRES, reason="a read-only PostgreSQL (a replica, a full disk's emergency mode)")
def test_ready_fails_on_a_read_only_postgresql(client):
    import asyncpg

    async def read_only(on: bool) -> None:
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            await conn.execute("SET default_transaction_read_only = off")
            name = await conn.fetchval("SELECT current_database()")
            await conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}')
        finally:
            await conn.close()

    run(read_only(True))
    try:
        assert client.get("/api/provinces").status_code == 200  # reads still work: only a write tells
        assert_unavailable_json(client.get("/health/ready"))
    finally:
        run(read_only(False))
    assert client.get("/health/ready").status_code == 200
