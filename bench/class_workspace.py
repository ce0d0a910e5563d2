"""The class list and one class's workspace with 2,000 classes (issue 12 item 1).

Builds 2,000 classes over 34 provinces (fixed seed), 40,000 enrolments (18 confirmed and 2 waitlisted a
class) and 12,000 sessions (6 a class), then times ``GET /classes`` (first page, a filtered page, the last
page) and ``GET /classes/{id}`` through the real ASGI app, in process, as a coordinator and as a department.
Target: every page within 300 ms (counts are three queries a page, not one a class).

    .venv/bin/python bench/class_workspace.py
    BENCH_DATABASE_URL=postgresql://… .venv/bin/python bench/class_workspace.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import statistics
import time

import _scratch

CLASSES, LEARNERS, WAITING, SESSIONS, CHUNK = 2000, 18, 2, 6, 250


async def _insert(table, rows: list) -> list[int]:
    ids: list[int] = []
    for i in range(0, len(rows), CHUNK):
        ids += [r["id"] for r in await table.insert(*rows[i:i + CHUNK]).returning(table.id).run()]
    return ids


async def build(rng: random.Random) -> tuple[list[int], str, str]:
    from training.auth.accounts import create_account
    from training.auth.tokens import create_token
    from training.classes.tables import ClassSession, Course, Enrolment, TrainingClass
    from training.people.tables import Person
    from training.reference.tables import Province

    provinces = [r["id"] for r in await Province.select(Province.id).order_by(Province.id).run()]
    courses = await _insert(Course, [Course(code=f"BENCH-{i}", name_vi=f"Khóa {i}", level=level,
                                            certificate_kind="attestation")
                                     for i, level in enumerate(["refresher", "college", "intermediate"])])
    today = dt.date.today()
    classes = []
    for i in range(CLASSES):
        start = today + dt.timedelta(days=rng.randint(-400, 200))
        status = "closed" if start < today - dt.timedelta(days=30) else rng.choice(["planned", "open", "running"])
        classes.append(TrainingClass(course=rng.choice(courses), code=f"B-{i:05d}", host_province=rng.choice(provinces),
                                     start_date=start, end_date=start + dt.timedelta(days=12), capacity=LEARNERS,
                                     status=status))
    class_ids = await _insert(TrainingClass, classes)
    starts = {cid: c.start_date for cid, c in zip(class_ids, classes, strict=True)}
    homes = {cid: c.host_province for cid, c in zip(class_ids, classes, strict=True)}
    people = await _insert(Person, [Person(full_name=f"Học viên {i:05d}", sex="female", staff_category="collaborator",
                                           province=rng.choice(provinces)) for i in range(CLASSES * 10)])
    now = dt.datetime.now(dt.UTC)
    enrolments, sessions = [], []
    for cid in class_ids:
        chosen = rng.sample(people, LEARNERS + WAITING)
        enrolments += [Enrolment(training_class=cid, person=p, status="waitlisted" if n >= LEARNERS else "confirmed",
                                 enrolled_at=now) for n, p in enumerate(chosen)]
        sessions += [ClassSession(training_class=cid, session_date=starts[cid] + dt.timedelta(days=d),
                                  start_time=dt.time(8), end_time=dt.time(11)) for d in range(SESSIONS)]
    await _insert(Enrolment, enrolments)
    await _insert(ClassSession, sessions)
    province = rng.choice(provinces)
    code = (await Province.select(Province.code).where(Province.id == province).first().run())["code"]
    await create_account("bench", "coordinator", "Bench@12345")
    await create_account("bench.dept", "department", "Bench@12345", province_code=code)
    one = next(cid for cid in class_ids if homes[cid] == province)
    return [one], await create_token("bench"), await create_token("bench.dept")


async def timed(client, path: str, token: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return statistics.median(times)


async def main() -> None:
    import httpx

    from training.core.db import engine
    from training.web.app import create_app

    where = await _scratch.prepare()
    [one], coordinator, department = await build(random.Random(2000))
    app = create_app()
    db = engine()
    if db.engine_type == "postgres":  # as `training serve` runs (httpx's in-process transport starts no lifespan)
        await db.start_connection_pool(min_size=2, max_size=20)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        await client.get("/health")
        pages = [("baseline: GET /tools/roster (an existing page)", "/tools/roster", coordinator),
                 ("GET /classes (coordinator, first page)", "/classes", coordinator),
                 ("GET /classes?status=open&sort=code", "/classes?status=open&sort=code", coordinator),
                 ("GET /classes?page=80 (last page)", "/classes?page=80", coordinator),
                 ("GET /classes?q=B-01 (search)", "/classes?q=B-01", coordinator),
                 ("GET /classes (department)", "/classes", department),
                 (f"GET /classes/{one} (20 learners, 6 sessions)", f"/classes/{one}", coordinator)]
        print(f"database: {where}; {CLASSES} classes, {CLASSES * (LEARNERS + WAITING)} enrolments, "
              f"{CLASSES * SESSIONS} sessions")
        for name, path, token in pages:
            print(f"{name}: median {await timed(client, path, token):.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
