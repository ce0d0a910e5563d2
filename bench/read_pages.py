"""Load test: the read pages ``/dashboard/{province}`` and ``/me`` on a real ``training serve`` with the demo data.

    .venv/bin/python bench/read_pages.py [--duration 10] [--connections 16] [--workers 1]
    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/read_pages.py
    .venv/bin/python bench/read_pages.py --root /path/to/another/checkout   # the same load on other code

Issue 14: "``/dashboard/{province}`` and ``/me`` under 16 connections: >= 150 requests/s on the demo data
(today 33 and 29 req/s on SQLite)". Prepares a scratch database (as every bench: ``_scratch``; the
PostgreSQL database named by BENCH_DATABASE_URL is wiped), loads the demo data with ``training seed-demo``
(its data is fixed: ``training.demo`` draws from seeded generators), starts ``training serve`` (from this
checkout, or ``--root``'s code with the same virtualenv) with ``--workers``, and signs in through the real
sign-in form ``/login`` (CSRF token from the page and its ``csrftoken`` cookie, then the session cookie
``id`` of the answer) as the department account ``soyte.khanhhoa`` (Khánh Hòa, province code 56) and as the
learner ``hocvien.anh``. It checks one request of each page answers 200 with the expected content, then
runs ``wrk`` (1 thread, ``--connections`` connections, ``--duration`` seconds, ``--latency``) against
``/dashboard/56`` and ``/me`` with the session cookie, and prints requests/s, p50/p99, non-2xx, the
server's CPU time per request and the load average. Traffic goes to 127.0.0.1 only.
Needs wrk: ``apt-get install -y wrk``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import _scratch
from verify_load import HOST, port_free, run_wrk, start_server, stop_server

PASSWORD = "Demo@2026"
PROVINCE = "56"  # Khánh Hòa in the 2025 province list (training/data), the demo's department account
TARGET_RPS = 150
PAGES = (("department", "soyte.khanhhoa", f"/dashboard/{PROVINCE}", "Khánh Hòa"),
         ("learner", "hocvien.anh", "/me", "Nguyễn Thị Ngọc Ánh"))


def seed(root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(root)}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "training.cli.main", "seed-demo", "--password", PASSWORD],
                         cwd=root, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("training seed-demo failed:\n" + out.stdout[-2000:] + out.stderr[-3000:])
    print(f"demo data loaded in {time.perf_counter() - start:.1f} s: {out.stdout.splitlines()[0]}")


def _request(port: int, method: str, path: str, cookies: dict[str, str], body: str | None = None
             ) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value
    conn.close()
    return response.status, dict(response.headers), text


def sign_in(port: int, username: str) -> dict[str, str]:
    """The cookies of a browser that signed in through ``/login``: ``csrftoken`` and the session ``id``."""
    cookies: dict[str, str] = {}
    status, _headers, page = _request(port, "GET", "/login", cookies)
    token = re.search(r'name="csrftoken"\s+value="([^"]+)"', page) or re.search(r'value="([^"]+)"\s+name="csrftoken"',
                                                                                page)
    assert status == 200 and token and "csrftoken" in cookies, (status, cookies)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrftoken": token.group(1)})
    status, headers, _page = _request(port, "POST", "/login", cookies, body)
    assert status == 303 and "id" in cookies, (status, headers, _page[:500])
    return cookies


def check_page(port: int, path: str, cookies: dict[str, str], expected: str) -> int:
    status, _headers, page = _request(port, "GET", path, dict(cookies))
    assert status == 200 and expected in page, (path, status, page[:800])
    return len(page)


def lua_script(path: str, cookies: dict[str, str], folder: Path, name: str) -> Path:
    script = folder / f"{name}.lua"
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    script.write_text(f'wrk.method = "GET"\nwrk.path = "{path}"\nwrk.headers["Cookie"] = "{cookie}"\n')
    return script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=0, help="training serve --workers (0: its default)")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--root", type=Path, default=_scratch.ROOT, help="the checkout whose code serves")
    args = parser.parse_args()
    folder = Path(os.environ["TRAINING_DATA_DIR"])
    root = args.root.resolve()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk")
        return 2
    if not port_free(args.port):
        print(f"port {args.port} on {HOST} is in use")
        return 2
    proc = None
    try:
        print(f"database: {asyncio.run(_scratch.prepare())}; code: {root}")
        seed(root)
        proc = start_server(args.port, folder / "serve.log", root=root, workers=args.workers or 1)
        workers = args.workers or "default"
        print(f"training serve pid {proc.pid} on http://{HOST}:{args.port} (workers: {workers})")
        scripts = []
        for role, username, path, expected in PAGES:
            cookies = sign_in(args.port, username)
            size = check_page(args.port, path, cookies, expected)
            print(f"checked: {username} ({role}) signed in through /login; GET {path} -> 200 with "
                  f"\"{expected}\" ({size / 1024:.1f} KB)")
            scripts.append((path, lua_script(path, cookies, folder, role)))
        base = f"http://{HOST}:{args.port}"
        for _path, script in scripts:
            run_wrk(base, script, 2, args.connections, proc.pid)  # warm-up, not reported
        print(f"wrk: 1 thread, {args.connections} connections, {args.duration} s each")
        ok = True
        for path, script in scripts:
            load = os.getloadavg()[0]
            r = run_wrk(base, script, args.duration, args.connections, proc.pid)
            cpu = f"; server CPU {r['cpu'] * 1000 / max(r['rps'], 1):.1f} ms a request" if args.workers <= 1 else ""
            print(f"  GET {path:<14} {r['rps']:7.1f} req/s  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                  f"({r['requests']} requests, {r['non2xx']} non-2xx{cpu}; load average {load:.2f} before, "
                  f"{os.getloadavg()[0]:.2f} after, {os.cpu_count()} CPUs)", flush=True)
            ok &= r["rps"] >= TARGET_RPS and r["non2xx"] == 0
        print(f"target >= {TARGET_RPS} req/s and no non-2xx on both pages -> {'OK' if ok else 'MISSED'}")
        return 0 if ok else 1
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
