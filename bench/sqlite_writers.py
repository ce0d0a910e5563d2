"""Write latency under 30 concurrent clients on one ``training serve --workers 2``.

    .venv/bin/python bench/sqlite_writers.py [--clients 30] [--ops 40] [--workers 2]
    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/sqlite_writers.py

Builds its own synthetic data (``random.Random(3030)``) in a scratch database (SQLite in a temporary folder, or
the PostgreSQL database named by BENCH_DATABASE_URL, which is wiped): one coordinator, and per client one open
class of 8 past sessions and 20 people to enrol. Then it starts ``training serve --workers N`` on it and runs
the clients at once, each over its own keep-alive connection, one request after another, ``--ops`` writes
each in a seeded mix: enrol the next person (``POST /api/classes/{id}/enrolments``), mark a session's
attendance (``PUT /api/sessions/{id}/attendance``: everyone present, a few exceptions), save the class's
scores (``PUT /api/classes/{id}/scores``), withdraw an enrolment (``POST /api/enrolments/{id}/withdraw``).
Prints write p50/p99/max overall and per kind, requests/s and every non-2xx answer.
Target (issue 14, item 2): on SQLite, p99 under 500 ms and no request over 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import _scratch
from verify_load import start_server

HOST = "127.0.0.1"
PEOPLE_PER_CLASS, SESSIONS = 20, 8
TARGET_P99_MS, TARGET_MAX_MS = 500.0, 2000.0


async def build(clients: int, rng: random.Random) -> tuple[list[dict], str]:
    from training.auth.access import SYSTEM
    from training.auth.accounts import create_account
    from training.auth.tokens import create_token
    from training.classes import scheduling
    from training.classes.tables import Course, TrainingClass
    from training.people.tables import Person
    from training.records.rows import create_row
    from training.reference.tables import Province

    where = await _scratch.prepare()
    print(f"database: {where}; data folder {os.environ['TRAINING_DATA_DIR']}")
    province = (await Province.select(Province.id).where(Province.code == "22").first().run())["id"]
    course = await create_row(Course, {"code": "BENCH-W", "name_vi": "Bồi dưỡng", "level": "refresher",
                                       "certificate_kind": "attestation"}, SYSTEM)
    start = dt.date.today() - dt.timedelta(days=30)
    plans = []
    for c in range(clients):
        cls = await create_row(TrainingClass, {
            "course": course["id"], "code": f"W-{c:02d}", "host_province": province, "start_date": start,
            "end_date": dt.date.today(), "capacity": PEOPLE_PER_CLASS, "status": "open"}, SYSTEM)
        people = [Person(full_name=f"Học viên {c:02d}-{i:02d}", sex=rng.choice(["male", "female"]),
                         staff_category="collaborator", province=province) for i in range(PEOPLE_PER_CLASS)]
        ids = [r["id"] for r in await Person.insert(*people).returning(Person.id).run()]
        sessions = await scheduling.add_sessions(cls["id"], scheduling.sessions_from_pattern(
            start + dt.timedelta(days=c % 7), SESSIONS, dt.time(8), dt.time(11, 30), topic="Buổi"), SYSTEM)
        plans.append({"class": cls["id"], "people": ids, "sessions": [s["id"] for s in sessions]})
    await create_account("bench", "coordinator", "Bench@12345")
    return plans, await create_token("bench")


class Client:
    """One coordinator working on one class: a seeded sequence of writes, each timed."""

    def __init__(self, plan: dict, seed: int):
        self.plan, self.rng = plan, random.Random(seed)
        self.to_enrol = list(plan["people"])
        self.enrolled: list[int] = []

    def next_request(self) -> tuple[str, str, str, dict | None]:
        r = self.rng.random()
        if self.to_enrol and (r < 0.5 or not self.enrolled):
            return "enrol", "POST", f"/api/classes/{self.plan['class']}/enrolments", {"person": self.to_enrol.pop(0)}
        if r < 0.8:
            marks = [{"enrolment": e, "status": self.rng.choice(["absent", "excused"])}
                     for e in self.rng.sample(self.enrolled, min(2, len(self.enrolled)))]
            session = self.rng.choice(self.plan["sessions"])
            return "attendance", "PUT", f"/api/sessions/{session}/attendance", {"default": "present", "marks": marks}
        if r < 0.95 or len(self.enrolled) < 3:
            scores = [{"enrolment": e, "score": round(self.rng.uniform(5, 10), 1)} for e in self.enrolled]
            return "scores", "PUT", f"/api/classes/{self.plan['class']}/scores", {"scores": scores}
        victim = self.enrolled.pop(self.rng.randrange(len(self.enrolled)))
        return "withdraw", "POST", f"/api/enrolments/{victim}/withdraw", None

    async def run(self, base: str, token: str, ops: int, timings: dict, failures: list, start: asyncio.Event):
        import httpx

        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                     timeout=60, limits=httpx.Limits(max_connections=1)) as http:
            await start.wait()
            for _ in range(ops):
                kind, method, path, body = self.next_request()
                began = time.perf_counter()
                response = await http.request(method, path, json=body)
                timings[kind].append((time.perf_counter() - began) * 1000)
                if not 200 <= response.status_code < 300:
                    failures.append((kind, response.status_code, response.text[:200]))
                elif kind == "enrol" and response.json()["status"] == "confirmed":
                    self.enrolled.append(response.json()["id"])


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (the uvicorn workers), from /proc."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(cpu_seconds(int(child)) for child in children)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(timings: dict, failures: list, elapsed: float) -> bool:
    every = [t for values in timings.values() for t in values]
    print(f"{len(every)} writes in {elapsed:.1f} s: {len(every) / elapsed:.0f} writes/s, {len(failures)} non-2xx")
    print(f"{'kind':<11}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, values in sorted(timings.items()) + [("all", every)]:
        print(f"{kind:<11}{len(values):>6}{statistics.median(values):>9.0f}{percentile(values, 0.99):>9.0f}"
              f"{max(values):>9.0f}")
    for kind, status, text in failures[:10]:
        print(f"  {kind}: {status} {text}")
    p99, worst = percentile(every, 0.99), max(every)
    ok = p99 < TARGET_P99_MS and worst < TARGET_MAX_MS and not failures
    print(f"target p99 < {TARGET_P99_MS:.0f} ms and max < {TARGET_MAX_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return ok


async def load(base: str, token: str, plans: list[dict], ops: int) -> tuple[dict, list, float]:
    timings: dict[str, list[float]] = defaultdict(list)
    failures: list = []
    start = asyncio.Event()
    clients = [Client(plan, 3030 + n) for n, plan in enumerate(plans)]
    tasks = [asyncio.create_task(c.run(base, token, ops, timings, failures, start)) for c in clients]
    await asyncio.sleep(0.5)  # every client connected and waiting
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return timings, failures, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--ops", type=int, default=40, help="writes per client")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    folder = Path(os.environ["TRAINING_DATA_DIR"])
    plans, token = asyncio.run(build(args.clients, random.Random(3030)))
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    proc = start_server(port, folder / "serve.log", workers=args.workers, settle=1.0 * args.workers)
    try:
        print(f"training serve --workers {args.workers} (pid {proc.pid}); {args.clients} clients x {args.ops} writes")
        cpu, client = cpu_seconds(proc.pid), time.process_time()
        timings, failures, elapsed = asyncio.run(load(f"http://{HOST}:{port}", token, plans, args.ops))
        cpu, client = cpu_seconds(proc.pid) - cpu, time.process_time() - client
        writes = sum(len(v) for v in timings.values())
        print(f"server CPU: {cpu:.1f} s ({cpu / elapsed:.2f} cores, {cpu / writes * 1000:.1f} ms per write); "
              f"client CPU: {client / writes * 1000:.1f} ms per write; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        # The 2 workers and this client share the machine's cores: at C ms of CPU per write (server + client)
        # no run can pass cores / C writes per second, and 30 closed-loop clients then wait 30 / rate on average.
        ceiling = (os.cpu_count() or 1) / ((cpu + client) / writes)
        print(f"CPU ceiling: {ceiling:.0f} writes/s on {os.cpu_count()} cores -> mean latency >= "
              f"{args.clients / ceiling * 1000:.0f} ms at {args.clients} clients")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0 if report(timings, failures, elapsed) else 1


if __name__ == "__main__":
    sys.exit(main())
