"""Load test: ``GET /health`` (liveness) and ``GET /health/ready`` on a real ``training serve``, one worker.

    .venv/bin/python bench/health.py [--duration 10] [--connections 16]
    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/health.py
    .venv/bin/python bench/health.py --root /path/to/another/checkout   # the same load on other code

Issue 14: ``/health`` answered ~900–1,000 requests/s because it opened a database connection per
request; liveness must not cost a connection. Prepares a scratch database (as every bench:
``_scratch``), starts ``training serve`` (from this checkout, or ``--root``'s code with the same
virtualenv), and runs ``wrk`` (1 thread, ``--connections`` connections, ``--duration`` seconds) against
``/health`` and then ``/health/ready`` (which does take a rolled-back write: it is for a load balancer's
probe every few seconds, not for load). Prints requests/s, p50/p99 and the server's CPU use, and its
CPU time per request (the figure that holds on a loaded machine, where the server waits for a CPU).
Needs wrk: ``apt-get install -y wrk``. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path

import _scratch
from verify_load import HOST, port_free, run_wrk, start_server, stop_server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--root", type=Path, default=_scratch.ROOT, help="the checkout whose code serves")
    args = parser.parse_args()
    folder = Path(os.environ["TRAINING_DATA_DIR"])
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk")
        return 2
    if not port_free(args.port):
        print(f"port {args.port} on {HOST} is in use")
        return 2
    proc = None
    try:
        print(f"database: {asyncio.run(_scratch.prepare())}; code: {args.root}")
        proc = start_server(args.port, folder / "serve.log", root=args.root.resolve())
        base = f"http://{HOST}:{args.port}"
        run_wrk(f"{base}/health", None, 2, args.connections, proc.pid)  # warm-up, not reported
        print(f"wrk: 1 thread, {args.connections} connections, {args.duration} s each; load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        for path in ("/health", "/health/ready"):
            r = run_wrk(f"{base}{path}", None, args.duration, args.connections, proc.pid)
            print(f"  GET {path:<14} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                  f"({r['requests']} requests, {r['non2xx']} non-2xx; server CPU {r['cpu']:.0%}, "
                  f"{r['cpu'] * 1000 / max(r['rps'], 1):.2f} ms of CPU a request)", flush=True)
        return 0
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
