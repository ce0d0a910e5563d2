"""Benchmark: what telling 1,500 learners costs a bulk event (a roster import, a class's certificates).

    .venv/bin/python bench/notify_bulk.py [--learners 1500]
    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/notify_bulk.py

Builds a scratch database (see _scratch.py) with one open class of N learners, each with an email address and
a phone (names and numbers from ``random.Random(1500)``), then times, inside one write transaction each:

- one ``outbox.enqueue`` per learner (three queries and two inserts each: what a naive event would do);
- ``classes.notices.enrolled`` for the whole class, which the roster import calls: ``outbox.enqueue_many``
  reads the people and their choices and inserts the messages a few hundred at a time.

Both write 2 × N messages (email and SMS). Prints the two times; the second is what the import pays.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import time


async def bench(learners: int) -> int:
    import _scratch

    from training.auth.access import SYSTEM
    from training.classes import notices
    from training.classes.tables import Course, Enrolment, TrainingClass
    from training.core.db import chunks, write_transaction
    from training.notifications.outbox import enqueue
    from training.notifications.tables import Notification
    from training.people.tables import Person
    from training.records.rows import create_row
    from training.reference.tables import Province

    where = await _scratch.prepare()
    print(f"database: {where}")
    rng = random.Random(1500)
    province = (await Province.select(Province.id).where(Province.code == "56").first().run())["id"]
    course = await create_row(Course, {"code": "BENCH-NOTIFY", "name_vi": "Bồi dưỡng nghiệp vụ CTXH",
                                       "level": "refresher", "certificate_kind": "attestation"}, SYSTEM)
    cls = await create_row(TrainingClass, {"course": course["id"], "code": "BENCH-NOTIFY-1", "host_province": province,
                                           "start_date": dt.date(2027, 3, 1), "end_date": dt.date(2027, 3, 26),
                                           "capacity": learners, "status": "open"}, SYSTEM)
    people = [Person(full_name=f"Nguyễn Thị {rng.choice('ABCDEGHKLMN')}{i}", sex="female",
                     staff_category="collaborator", province=province, email=f"hv{i}@example.vn",
                     phone=f"09{rng.randrange(10**8):08d}") for i in range(learners)]
    ids: list[int] = []
    for chunk in chunks(people, 200):
        ids += [r["id"] for r in await Person.insert(*chunk).returning(Person.id).run()]
    now = dt.datetime.now(dt.UTC)
    for chunk in chunks(ids, 200):
        await Enrolment.insert(*[Enrolment(training_class=cls["id"], person=p, status="confirmed", enrolled_at=now)
                                 for p in chunk]).run()
    enrolments = await Enrolment.select(Enrolment.id, Enrolment.person, Enrolment.status).where(
        Enrolment.training_class == cls["id"]).run()

    start = time.perf_counter()
    async with write_transaction():
        for e in enrolments:
            await enqueue("enrolment_confirmed", e["person"], {"class_code": "BENCH"}, key=f"one-by-one:{e['id']}")
    one_by_one = time.perf_counter() - start

    start = time.perf_counter()
    async with write_transaction():
        written = await notices.enrolled(cls["id"], enrolments)
    batched = time.perf_counter() - start
    total = await Notification.count().run()
    print(f"{learners} learners, {len(written)} messages per run ({total} in the outbox)")
    print(f"one enqueue per learner: {one_by_one:.2f} s")
    print(f"enqueue_many (what the events use): {batched:.2f} s")
    return 0 if len(written) == 2 * learners else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1500)
    args = parser.parse_args()
    return asyncio.run(bench(args.learners))


if __name__ == "__main__":
    sys.exit(main())
