"""Attendance for a 60-learner class over 20 sessions through the bulk API.

Target: within 2 s in all. Builds a class of 60 confirmed learners with 20 past sessions (fixed
seed), then sends the 20 ``PUT /api/sessions/{id}/attendance`` calls (everyone present, then a
few random exceptions) through the real ASGI app, in process, and prints the total and per call.

    .venv/bin/python bench/attendance_bulk.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import statistics
import time

import _scratch


async def build(rng: random.Random):
    from training.auth.access import SYSTEM
    from training.auth.accounts import create_account
    from training.auth.tokens import create_token
    from training.classes import enrolment, scheduling
    from training.classes.tables import Course, TrainingClass
    from training.people.tables import Person
    from training.records.rows import create_row
    from training.reference.tables import Province

    province = (await Province.select(Province.id).where(Province.code == "22").first().run())["id"]
    course = await create_row(Course, {"code": "BENCH-ATT", "name_vi": "Bồi dưỡng", "level": "refresher",
                                       "certificate_kind": "attestation"}, SYSTEM)
    start = dt.date.today() - dt.timedelta(days=40)
    cls = await create_row(TrainingClass, {
        "course": course["id"], "code": "ATT-60", "host_province": province, "start_date": start,
        "end_date": dt.date.today(), "capacity": 60, "status": "open"}, SYSTEM)
    people = [Person(full_name=f"Học viên {i:02d}", sex=rng.choice(["male", "female"]),
                     staff_category="collaborator", province=province) for i in range(60)]
    await Person.insert(*people).run()
    ids = [r["id"] for r in await Person.select(Person.id).run()]
    enrolments = [(await enrolment.enrol(cls["id"], pid, SYSTEM))["id"] for pid in ids]
    sessions = await scheduling.add_sessions(cls["id"], scheduling.sessions_from_pattern(
        start, 20, dt.time(8), dt.time(11, 30), topic="Buổi"), SYSTEM)
    await create_account("bench", "coordinator", "Bench@12345")
    return [s["id"] for s in sessions], enrolments, await create_token("bench")


async def main() -> None:
    import httpx

    from training.web.app import create_app

    where = await _scratch.prepare()
    rng = random.Random(60_20)
    sessions, enrolments, token = await build(rng)
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    timings = []
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        started = time.perf_counter()
        for session in sessions:
            marks = [{"enrolment": e, "status": rng.choice(["absent", "late", "excused"])}
                     for e in rng.sample(enrolments, 6)]
            t = time.perf_counter()
            response = await client.put(f"/api/sessions/{session}/attendance",
                                        json={"default": "present", "marks": marks})
            timings.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.text
            assert response.json()["marked"] == 60
        total = time.perf_counter() - started
    print(f"database: {where}")
    print(f"attendance, 60 learners x 20 sessions via PUT /api/sessions/{{id}}/attendance: {total:.2f} s in all; "
          f"per call median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
