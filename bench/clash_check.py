"""Clash check when scheduling a class of 20 sessions against 20,000 existing sessions.

Target: within 50 ms. Generates 20,000 sessions (fixed seed) over two years for 1,000 classes,
40 trainers and 60 rooms, then times ``find_clashes`` and the whole ``add_sessions`` call for a
new class of 20 sessions (clash-free, so everything is checked and saved).

    .venv/bin/python bench/clash_check.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time

import _scratch


async def generate(rng: random.Random) -> tuple[int, int]:
    from training.auth.access import SYSTEM
    from training.classes.tables import ClassSession, Course, Trainer, TrainingClass
    from training.people.tables import Person
    from training.records.rows import create_row
    from training.reference.tables import Province

    province = (await Province.select(Province.id).where(Province.code == "56").first().run())["id"]
    course = await create_row(Course, {"code": "BENCH", "name_vi": "Bồi dưỡng", "level": "refresher",
                                       "certificate_kind": "attestation"}, SYSTEM)
    people = [Person(full_name=f"Giảng viên {i}", sex="female", staff_category="public_employee", province=province)
              for i in range(40)]
    await Person.insert(*people).run()
    person_ids = [r["id"] for r in await Person.select(Person.id).run()]
    await Trainer.insert(*[Trainer(person=p) for p in person_ids]).run()
    trainers = [r["id"] for r in await Trainer.select(Trainer.id).run()]
    start = dt.date(2025, 1, 6)
    classes = [TrainingClass(course=course["id"], code=f"B-{i:04d}", host_province=province,
                             venue=f"Phòng {rng.randrange(60)}", start_date=start, end_date=dt.date(2026, 12, 31),
                             capacity=30) for i in range(1000)]
    await TrainingClass.insert(*classes).run()
    class_ids = [r["id"] for r in await TrainingClass.select(TrainingClass.id).run()]
    slots = [(dt.time(8), dt.time(11, 30)), (dt.time(13, 30), dt.time(17))]
    # Unique (trainer, day, slot) so the data itself has no clashes.
    used: set[tuple] = set()
    sessions = []
    while len(sessions) < 20_000:
        day = start + dt.timedelta(days=rng.randrange(720))
        if day.weekday() > 4:
            continue
        slot = rng.randrange(2)
        trainer = rng.choice(trainers)
        if (trainer, day, slot) in used:
            continue
        used.add((trainer, day, slot))
        sessions.append(ClassSession(training_class=rng.choice(class_ids), session_date=day,
                                     start_time=slots[slot][0], end_time=slots[slot][1], trainer=trainer,
                                     venue=f"Phòng riêng {len(sessions)}"))
    for i in range(0, len(sessions), 1000):
        await ClassSession.insert(*sessions[i:i + 1000]).run()
    new_class = await create_row(TrainingClass, {
        "course": course["id"], "code": "B-NEW", "host_province": province, "venue": "Hội trường mới",
        "start_date": dt.date(2026, 1, 5), "end_date": dt.date(2026, 3, 31), "capacity": 30}, SYSTEM)
    return new_class["id"], 0


async def main(repeat: int) -> None:
    from training.auth.access import SYSTEM
    from training.classes import clashes as clash_rules
    from training.classes import scheduling
    from training.classes.tables import ClassSession

    where = await _scratch.prepare()
    rng = random.Random(20_000)
    t0 = time.perf_counter()
    class_id, _unused = await generate(rng)
    print(f"database: {where}; generated {await ClassSession.count().run():,} sessions "
          f"in {time.perf_counter() - t0:.1f} s")
    specs = scheduling.sessions_from_pattern(dt.date(2026, 1, 5), 20, dt.time(8), dt.time(11, 30),
                                             topic="Buổi", venue="Hội trường mới")
    rows = [{"session_date": s.session_date, "start_time": s.start_time, "end_time": s.end_time,
             "trainer": None, "venue": s.venue} for s in specs]
    # a trainer who teaches on some of these days, so trainer comparisons really happen
    busy = await ClassSession.select(ClassSession.trainer).where(
        ClassSession.session_date == specs[0].session_date).first().run()
    for row in rows:
        row["trainer"] = busy["trainer"] if busy else None
    timings = []
    for _ in range(repeat):
        t = time.perf_counter()
        clashes = await clash_rules.find_clashes(class_id, rows, "Hội trường mới")
        timings.append((time.perf_counter() - t) * 1000)
    print(f"find_clashes, 20 sessions vs 20,000: median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms over {repeat} runs ({len(clashes)} clashes found with a busy trainer)")
    free = [scheduling.SessionSpec(s.session_date, s.start_time, s.end_time, s.topic, None, s.venue) for s in specs]
    t = time.perf_counter()
    await scheduling.add_sessions(class_id, free, SYSTEM)
    print(f"add_sessions (validate, clash-check, save and audit 20 sessions): "
          f"{(time.perf_counter() - t) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    asyncio.run(main(parser.parse_args().repeat))
