"""Benchmark: import a 5,000-row roster (dry run, then commit) on a scratch SQLite database.

    .venv/bin/python bench/roster_import.py [--rows 5000] [--keep]

The synthetic roster is generated with a fixed seed (``random.Random(5000)``): Vietnamese names,
dates of birth, valid and unique citizen IDs (``training.records.validation.cccd_for``), pre-2025 and 2025
province names, 40 organisations, the five staff categories; one in ten citizen IDs is written as
an Excel number that lost its leading zero. Target: dry run plus commit within 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý"]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Xuân"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Phương"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thắng",
           "Trung", "Vinh"]
GIVEN_F = ["Anh", "Chi", "Dung", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Oanh", "Phượng", "Thảo",
           "Trang", "Yến"]
CATEGORIES = ["Cán bộ", "Công chức", "Viên chức", "Người lao động", "Cộng tác viên"]
# (name as written in the file, legacy code for the CCCD prefix): 2025 names and pre-2025 names.
PROVINCES = [("Khánh Hòa", "56"), ("Ninh Thuận", "58"), ("Tỉnh Khánh Hòa", "56"), ("Ninh Thuan", "58"),
             ("", "56")]


def generate(rows: int, seed: int = 5000) -> bytes:
    """A roster workbook of ``rows`` learners, always the same for the same seed."""
    import openpyxl

    from training.records.validation import cccd_for

    rng = random.Random(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Loại cán bộ",
                  "Tỉnh/Thành phố", "Điện thoại", "Email"])
    organisations = [f"UBND xã Bench {i:02d}" for i in range(30)] + [f"Trung tâm CTXH Bench {i}" for i in range(10)]
    serials = rng.sample(range(1_000_000), rows)
    for i in range(rows):
        female = rng.random() < 0.6
        sex = "female" if female else "male"
        name = " ".join([rng.choice(FAMILY), rng.choice(MIDDLE_F if female else MIDDLE_M),
                         rng.choice(GIVEN_F if female else GIVEN_M)])
        dob = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
        province, legacy = rng.choice(PROVINCES)
        cccd = cccd_for(dob, sex, legacy, serials[i])
        cell: str | int = cccd
        if i % 10 == 0:
            cell = int(cccd)  # Excel turned it into a number: 11 digits, restored with a warning
        date_cell: str | dt.datetime = dob.strftime("%d/%m/%Y") if i % 2 else dt.datetime(dob.year, dob.month,
                                                                                          dob.day)
        sheet.append([i + 1, name, date_cell, "Nữ" if female else "Nam", cell, rng.choice(organisations),
                      rng.choice(CATEGORIES), province, f"09{rng.randrange(10**8):08d}",
                      f"hv{i}@example.vn"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def bench(rows: int) -> int:
    from training.auth.access import SYSTEM
    from training.classes.roster import import_roster
    from training.classes.tables import Course, Enrolment, TrainingClass
    from training.people.tables import Person
    from training.records.rows import create_row
    from training.reference.provinces import migrate_and_load_provinces
    from training.reference.tables import Province

    await migrate_and_load_provinces()
    course = await create_row(Course, {"code": "BENCH-ROSTER", "name_vi": "Bồi dưỡng nghiệp vụ CTXH",
                                       "level": "refresher", "certificate_kind": "attestation"}, SYSTEM)
    province = await Province.select(Province.id).where(Province.code == "56").first().run()
    cls = await create_row(TrainingClass, {
        "course": course["id"], "code": "BENCH-ROSTER-1", "host_province": province["id"],
        "start_date": dt.date(2026, 3, 2), "end_date": dt.date(2026, 6, 26), "capacity": 4000,
        "status": "open"}, SYSTEM)

    start = time.perf_counter()
    content = generate(rows)
    generated = time.perf_counter() - start
    print(f"generated {rows} rows: {len(content) / 1024:.0f} KB in {generated:.2f} s")

    start = time.perf_counter()
    dry = await import_roster(cls["id"], "roster.xlsx", content, SYSTEM, commit=False)
    dry_s = time.perf_counter() - start
    counts = dry.counts
    print(f"dry run: {dry_s:.2f} s  ({counts['new']} new, {counts['error']} errors, {counts['warnings']} warnings, "
          f"{counts['confirmed']} would be confirmed, {counts['waitlisted']} waitlisted)")
    if dry.has_errors:
        first = next(r for r in dry.rows if r.has_error)
        print("unexpected errors, e.g.", [i.text(first.row) for i in first.issues])
        return 1

    start = time.perf_counter()
    done = await import_roster(cls["id"], "roster.xlsx", content, SYSTEM, commit=True, fingerprint=dry.fingerprint)
    commit_s = time.perf_counter() - start
    people = await Person.count().run()
    enrolments = await Enrolment.count().where(Enrolment.training_class == cls["id"]).run()
    print(f"commit:  {commit_s:.2f} s  ({done.counts['new']} people created, {enrolments} enrolments; "
          f"{people} people in the database)")
    total = dry_s + commit_s

    # The same people into a second class: every row now matches an existing person by CCCD.
    second = await create_row(TrainingClass, {**{k: cls[k] for k in ("course", "host_province", "start_date",
                                                                      "end_date", "capacity", "status")},
                                              "code": "BENCH-ROSTER-2"}, SYSTEM)
    start = time.perf_counter()
    checked = await import_roster(second["id"], "roster.xlsx", content, SYSTEM)
    again = await import_roster(second["id"], "roster.xlsx", content, SYSTEM, commit=True,
                                fingerprint=checked.fingerprint)
    print(f"same file into a second class (all {again.counts['existing']} people existing), commit: "
          f"{time.perf_counter() - start:.2f} s")
    print(f"dry run + commit: {total:.2f} s (target 10 s) -> {'OK' if total <= 10 else 'TOO SLOW'}")
    return 0 if total <= 10 else 1


async def _wipe_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database folder")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    # Engines bind at import: point the app at the scratch database before importing it.
    os.environ["TRAINING_DATA_DIR"] = str(scratch)
    # BENCH_DATABASE_URL=postgresql://… runs it on PostgreSQL (that database is wiped).
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch / 'bench.sqlite'}"
    os.environ.setdefault("TRAINING_SECRET_KEY", "bench")
    if os.environ["DATABASE_URL"].startswith("postgres"):
        asyncio.run(_wipe_postgres(os.environ["DATABASE_URL"]))
    print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    try:
        return asyncio.run(bench(args.rows))
    finally:
        if args.keep:
            print(f"database kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
