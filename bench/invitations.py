"""Benchmark: invite a province's staff registry of 1,500 people to create their accounts (issue 13, ADR 0038).

    .venv/bin/python bench/invitations.py [--people 1500]
    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/invitations.py

Builds a scratch database (SQLite in a temporary folder, or the PostgreSQL database named by BENCH_DATABASE_URL,
which is wiped) with one province's registry of N people (names from a fixed seed, ``random.Random(1513)``):
40 % with an email, 30 % with a phone, 10 % with both, 20 % with neither. Then it times
``training.auth.invitations.invite`` for the province: N inactive accounts (no password hashed), N activation
codes (HMAC), the outbox rows (email and SMS) and the invitation sheet PDF of those with neither, in one write
transaction; then the same again (re-invitation: N new codes). It checks the counts and prints the times.
Target: 1,500 invitations within 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import shutil
import sys
import time

TARGET_S = 30.0


async def make_registry(rng: random.Random, people: int) -> dict[str, int]:
    import _certdata

    from training.people.tables import Person
    from training.reference.tables import Province

    province = (await Province.select(Province.id).where(Province.code == "56").first().run())["id"]
    rows, expected = [], {"by_email": 0, "by_sms": 0, "on_sheet": 0}
    for i in range(people):
        name, sex = _certdata.person_name(rng)
        draw = rng.random()
        email = f"bench-invite-{i}@example.vn" if draw < 0.4 or 0.7 <= draw < 0.8 else None
        phone = f"09{rng.randrange(10**8):08d}" if 0.4 <= draw < 0.8 else None
        expected["by_email"] += email is not None
        expected["by_sms"] += phone is not None
        expected["on_sheet"] += email is None and phone is None
        rows.append({"full_name": name, "sex": sex, "staff_category": rng.choice(_certdata.STAFF),
                     "province": province, "email": email, "phone": phone,
                     "date_of_birth": dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))})
    for start in range(0, len(rows), 250):
        await Person.insert(*[Person(**r) for r in rows[start:start + 250]]).run()
    return expected


async def bench(people: int) -> int:
    import _scratch

    from training.auth.access import SYSTEM
    from training.auth.invitations import invite

    where = await _scratch.prepare()
    print(f"database: {where}; load average {_scratch.os.getloadavg()[0]:.2f} on {_scratch.os.cpu_count()} CPUs")
    expected = await make_registry(random.Random(1513), people)
    print(f"registry of {people} people: {expected}")
    ok = True
    for run, counts in (("first invitation", {"created": people, "reinvited": 0}),
                        ("re-invitation", {"created": 0, "reinvited": people})):
        t0 = time.perf_counter()
        result = await invite(SYSTEM, province_code="56")
        seconds = time.perf_counter() - t0
        got = result.counts()
        want = {**counts, "already_active": 0, **expected}
        if got != want:
            ok = False
            print(f"COUNTS WRONG: {got} != {want}")
        verdict = "OK" if seconds <= TARGET_S else "TOO SLOW"
        ok = ok and seconds <= TARGET_S
        print(f"{run}: {people} invitations in {seconds:.2f} s ({people / seconds:.0f}/s; sheet of "
              f"{result.on_sheet} sections, {len(result.pdf or b'') / 2**10:.0f} KiB) (target {TARGET_S:.0f} s) -> "
              f"{verdict}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1500)
    args = parser.parse_args()
    import _scratch

    try:
        return asyncio.run(bench(args.people))
    finally:
        shutil.rmtree(_scratch.os.environ["TRAINING_DATA_DIR"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
