"""Load test: public certificate verification on a real ``training serve`` process (one worker).

    .venv/bin/python bench/verify_load.py [--certificates 10000] [--duration 10] [--connections 16]
    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/verify_load.py

Prepares a scratch database (SQLite in a temporary folder, or the PostgreSQL database named by
BENCH_DATABASE_URL, which is wiped) with ``--certificates`` certificates of one issuer: the first
class (30 learners) issued for real by ``certificates.issuing.issue_for_class``, the rest
inserted in bulk exactly as issuing makes them (same snapshot, numbering and Ed25519 token signed
by the data folder's key ring, every 50th revoked), names from ``random.Random(10000)``.

Then, for each server of ``--servers`` (default ``granian,uvicorn``: the same app under each, in the
same run), it starts ``.venv/bin/training serve --server S --host 127.0.0.1 --port 8765`` on that data
with the public rate limit on but out of reach (TRAINING_PUBLIC_RATE_LIMIT=1000000000: every request is
counted in the database, as in production; ``--no-rate-limit`` turns it off), waits for ``/health`` and
runs ``wrk`` (1 thread, ``--connections`` connections, ``--duration`` seconds, ``--latency``) against

- ``GET /api/verify/{number}?t={token}`` (JSON),
- ``GET /verify/{number}?t={token}`` (the HTML page the QR code opens),
- ``GET /health`` for reference,

with a Lua script that walks all certificates in a shuffled order (``random.Random(8765)``), so
every request asks for a different number. It prints requests/s, p50/p99 latency, errors and the
server's CPU use, and stops the server. Traffic goes to 127.0.0.1 only.
Target (issue 14): at least 8,000 requests/s with p99 under 10 ms on one worker on SQLite, 4,000 on
PostgreSQL (wrk shares the 2 cores).
Needs wrk: ``apt-get install -y wrk``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import _certdata
import _scratch

HOST = "127.0.0.1"
TARGET_P99_MS = 10.0
REAL = 30  # issued through the service (below its worker-process threshold: rendered in a thread)


async def build(total: int) -> list[dict[str, str]]:
    from certificates import issuing
    from certificates.tables import Certificate
    from training.auth.access import SYSTEM

    where = await _scratch.prepare()
    print(f"database: {where}")
    rng = random.Random(total)
    start = time.perf_counter()
    org = await _certdata.make_issuer()
    course = await _certdata.make_course()
    first = await _certdata.make_closed_class(rng, "BENCH-VERIFY-00", course, org, min(REAL, total))
    issued = await issuing.issue_for_class(first, SYSTEM, issued_on=dt.date(2026, 7, 10))
    certs = [{"number": r["number"], "token": r["token"]} for r in issued.issued]
    left, n = total - len(certs), 1
    while left > 0:
        size = min(1500, left)
        cls = await _certdata.make_closed_class(rng, f"BENCH-VERIFY-{n:02d}", course, org, size)
        certs += await _certdata.bulk_certificates(cls, dt.date(2026, 7, 10), revoked_every=50)
        left -= size
        n += 1
    count = await Certificate.count().run()
    print(f"{count} certificates ({len(issued.issued)} issued through the service, the rest in bulk) "
          f"in {time.perf_counter() - start:.1f} s")
    return certs


def lua_script(paths: list[str], folder: Path) -> Path:
    """A wrk script that requests ``paths`` in turn, so consecutive requests ask for different numbers."""
    path = folder / f"paths-{abs(hash(paths[0])) % 10**6}.lua"
    body = ",\n".join(json.dumps(p) for p in paths)  # JSON strings are valid Lua strings here (ASCII only)
    path.write_text(f"""local paths = {{
{body}
}}
local n = #paths
local i = 0
request = function()
  i = i % n + 1
  return wrk.format("GET", paths[i])
end
""")
    return path


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _family(pid: int) -> list[int]:
    """``pid`` and its descendants (granian's worker runs in a child of the process we start)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            todo += [int(c) for c in task.read_text().split()]
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by ``pid`` and its descendants."""
    total = 0
    for p in _family(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, script: Path | None, duration: int, connections: int, pid: int) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    cpu = (cpu_seconds(pid) - cpu0) / duration
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "requests": total, "non2xx": non2xx,
            "socket_errors": errors.group(1) if errors else "", "cpu": cpu, "raw": out}


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) != 0


def start_server(port: int, log_path: Path, server: str = "granian", rate_limit: str = "0", *,
                 root: Path = _scratch.ROOT, workers: int = 1, settle: float = 0.0) -> subprocess.Popen:
    """``training serve --server server --workers workers`` from ``root``'s code on 127.0.0.1:``port``
    (TRAINING_PUBLIC_RATE_LIMIT=``rate_limit``), once ``/health`` answers and ``settle`` seconds more: the one
    way every benchmark starts the service. Its output goes to ``log_path``."""
    env = {**os.environ, "PYTHONPATH": str(root), "TRAINING_PUBLIC_RATE_LIMIT": rate_limit}
    log = open(log_path, "w")  # noqa: SIM115  (closed with the process)
    cmd = [sys.executable, "-m", "training.cli.main", "serve", "--server", server, "--host", HOST,
           "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("training serve exited:\n" + log_path.read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=1) as r:
                if r.status == 200:
                    time.sleep(settle)
                    return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("training serve did not answer /health within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def check_once(base: str, cert: dict[str, str]) -> None:
    """One request of each kind, to be sure the load test measures successful verifications."""
    with urllib.request.urlopen(f"{base}/api/verify/{cert['number']}?t={cert['token']}", timeout=10) as r:
        data = json.loads(r.read())
    assert data["number"] == cert["number"] and data["signature_checked"], data
    with urllib.request.urlopen(f"{base}/verify/{cert['number']}?t={cert['token']}", timeout=10) as r:
        page = r.read().decode()
    assert r.status == 200 and cert["number"] in page
    print(f"checked: {cert['number']} verifies ({data['status']}, signature checked) as JSON and as a page "
          f"({len(page) / 1024:.1f} KB)")


def measure(server: str, args, order: list[dict[str, str]], api: Path, page: Path, folder: Path) -> dict:
    """Start ``training serve --server server``, check one verification, run wrk on the three routes."""
    rate_limit = "0" if args.no_rate_limit else "1000000000"
    proc = start_server(args.port, folder / f"serve-{server}.log", server, rate_limit)
    try:
        base = f"http://{HOST}:{args.port}"
        limit = "off" if args.no_rate_limit else "on (counted in the database, out of reach)"
        print(f"\n{server}: training serve pid {proc.pid} on {base} (1 worker, public rate limit {limit})")
        check_once(base, order[0])
        run_wrk(base, api, 2, args.connections, proc.pid)  # warm-up, not reported
        results = {}
        for name, script, url in (("GET /api/verify/{n}?t= (JSON)", api, base),
                                  ("GET /verify/{n}?t= (HTML page)", page, base),
                                  ("GET /health", None, f"{base}/health")):
            r = results[name] = run_wrk(url, script, args.duration, args.connections, proc.pid)
            bad = f"{r['non2xx']} non-2xx" + (f", socket errors {r['socket_errors']}" if r["socket_errors"] else "")
            print(f"  {name:<34} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                  f"({r['requests']} requests, {bad}; server CPU {r['cpu']:.0%}; load {os.getloadavg()[0]:.2f})",
                  flush=True)
        return results
    finally:
        stop_server(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--servers", default="granian,uvicorn")
    parser.add_argument("--no-rate-limit", action="store_true", help="TRAINING_PUBLIC_RATE_LIMIT=0")
    parser.add_argument("--keep", action="store_true", help="keep the scratch data folder")
    args = parser.parse_args()
    folder = Path(os.environ["TRAINING_DATA_DIR"])
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk")
        shutil.rmtree(folder, ignore_errors=True)
        return 2
    if not port_free(args.port):
        with socket.socket() as s:
            s.bind((HOST, 0))
            free = s.getsockname()[1]
        print(f"port {args.port} on {HOST} is in use (not by us): using {free} instead")
        args.port = free
    try:
        certs = asyncio.run(build(args.certificates))
        order = certs[:]
        random.Random(8765).shuffle(order)
        api = lua_script([f"/api/verify/{c['number']}?t={c['token']}" for c in order], folder)
        page = lua_script([f"/verify/{c['number']}?t={c['token']}" for c in order], folder)
        print(f"token length {len(certs[0]['token'])} characters; request paths ~{len(certs[0]['token']) + 45}")
        print(f"wrk: 1 thread, {args.connections} connections, {args.duration} s each, "
              f"{len(order)} different certificates in turn; {os.cpu_count()} CPUs shared by wrk and the server")
        target = 4000 if os.environ["DATABASE_URL"].startswith("postgres") else 8000
        summary = []
        for server in args.servers.split(","):
            results = measure(server.strip(), args, order, api, page, folder)
            for name in list(results)[:2]:
                r = results[name]
                good = r["rps"] >= target and r["p99"] <= TARGET_P99_MS and r["non2xx"] == 0
                summary.append(f"{server:<8} {name:<34} {r['rps']:6.0f} req/s, p99 {r['p99']:5.1f} ms "
                               f"(target >= {target} req/s, p99 <= {TARGET_P99_MS:.0f} ms) -> "
                               f"{'OK' if good else 'MISSED'}")
        print("\n" + "\n".join(summary))
        return 0 if all(line.endswith("OK") for line in summary) else 1
    finally:
        if args.keep:
            print(f"data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
