"""Benchmark: coverage at national scale, next to the same queries in DuckDB on the same data.

    .venv/bin/python bench/coverage_national.py                      # scratch SQLite
    BENCH_DATABASE_URL=postgresql://…/training_bench5 .venv/bin/python bench/coverage_national.py

A synthetic national dataset (``random.Random(2025)``): 34 provinces, 3,300 communes, 250,000 people,
2,000 courses, 20,000 classes, 1,000,000 enrolments, 400,000 certificates, bulk-loaded with
executemany (SQLite) or COPY (PostgreSQL), then the coverage tables rebuilt. Measured (best of 5):

1. coverage of all 34 provinces x 5 categories x 6 levels (plus totals) for one date, through
   ``training.coverage.figures.coverage`` (bar: 300 ms PostgreSQL, 1 s SQLite);
2. one province's dashboard page rendered over HTTP (bar: 500 ms on PostgreSQL);
3. importing a 50,000-row staff XLSX file, dry run + commit, with progress (bar: 60 s).

DuckDB (``pip install -e '.[bench]'``) gets the same rows from the same generator (through CSV files)
and runs the straight five-table join for 1 and 2, and loads the 50,000-row file for 3: the reference
for what the hardware can do. The straight join is also timed on the database itself.
``--scale 0.1`` makes a smaller dataset for a quick look.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _scratch  # noqa: E402,F401  (points the project at the scratch database first)

logging.getLogger("httpx").setLevel(logging.WARNING)

DAY = dt.date(2025, 12, 31)
LEVELS = ["refresher"] * 12 + ["intermediate"] * 3 + ["college"] * 2 + ["university"] * 1 + ["masters"] * 1 + [
    "trainer_of_trainers"] * 1
CATEGORIES = ["collaborator"] * 5 + ["public_employee"] * 2 + ["civil_servant"] * 1 + ["worker"] * 1 + ["cadre"]

# The straight five-table join: what coverage would be without the derived tables.
STRAIGHT = """
WITH done AS (
  SELECT DISTINCT e.person, c.level
  FROM enrolment e JOIN training_class tc ON tc.id = e.training_class JOIN course c ON c.id = tc.course
  WHERE tc.end_date <= {d} AND (
    EXISTS (SELECT 1 FROM certificate v WHERE v.enrolment = e.id AND v.status = 'valid')
    OR (e.status = 'completed'
        AND NOT EXISTS (SELECT 1 FROM certificate r WHERE r.enrolment = e.id AND r.status = 'revoked')))
)
SELECT p.province, p.staff_category, d.level, COUNT(*) AS trained
FROM done d JOIN person p ON p.id = d.person
WHERE (p.active_from IS NULL OR p.active_from <= {d}) AND (p.active_to IS NULL OR p.active_to >= {d}) {extra}
GROUP BY p.province, p.staff_category, d.level
"""


def log(message: str) -> None:
    print(message, flush=True)


def generate(scale: float, province_ids: list[int], legacy_ids: list[tuple[int, int]], seed: int = 2025
             ) -> dict[str, list[tuple]]:
    """All rows, as tuples in column order, with ids from 1."""
    rng = random.Random(seed)
    n_communes, n_people, n_courses = int(3300 * scale), int(250_000 * scale), max(20, int(2000 * scale))
    n_classes, n_enrolments, n_certs = int(20_000 * scale), int(1_000_000 * scale), int(400_000 * scale)
    provinces = sorted(province_ids)
    weights = [rng.uniform(0.5, 2.0) for _ in provinces]
    legacy_of: dict[int, list[int]] = {}
    for legacy_id, province in sorted(legacy_ids):
        legacy_of.setdefault(province, []).append(legacy_id)
    communes = []
    by_province: dict[int, list[int]] = {p: [] for p in provinces}
    for i in range(1, n_communes + 1):
        p = provinces[(i - 1) % 34] if i <= 34 else rng.choices(provinces, weights)[0]
        communes.append((i, f"{i:05d}", f"Xã Tổng Hợp {i}", p))
        by_province[p].append(i)
    people = []
    people_of: dict[int, list[int]] = {p: [] for p in provinces}
    for i in range(1, n_people + 1):
        p = rng.choices(provinces, weights)[0]
        start = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(15 * 365))
        end = start + dt.timedelta(days=rng.randrange(365, 12 * 365)) if rng.random() < 0.12 else None
        legacy = rng.choice(legacy_of[p]) if rng.random() < 0.35 else None
        people.append((i, f"Người Thử {i}", "female" if rng.random() < 0.6 else "male", rng.choice(CATEGORIES), p,
                       rng.choice(by_province[p]), legacy, start, end))
        people_of[p].append(i)
    courses = [(i, f"KH-{i:05d}", f"Khóa học {i}", rng.choice(LEVELS), "attestation") for i in range(1, n_courses + 1)]
    classes = []
    for i in range(1, n_classes + 1):
        p = rng.choices(provinces, weights)[0]
        end = dt.date(2011, 1, 1) + dt.timedelta(days=rng.randrange(15 * 365 + 300))
        classes.append((i, rng.randrange(1, n_courses + 1), f"LOP-{i:06d}", p, end - dt.timedelta(days=20), end,
                        "closed"))
    enrolments, seen = [], set()
    statuses = ["completed"] * 70 + ["failed"] * 15 + ["withdrawn"] * 5 + ["confirmed"] * 10
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    while len(enrolments) < n_enrolments:
        cls = classes[rng.randrange(n_classes)]
        pool = people_of[cls[3]] if rng.random() < 0.9 else people_of[rng.choice(provinces)]
        person = pool[rng.randrange(len(pool))]
        if (cls[0], person) in seen:
            continue
        seen.add((cls[0], person))
        enrolments.append((len(enrolments) + 1, cls[0], person, rng.choice(statuses), now))
    completed = [e[0] for e in enrolments if e[3] == "completed"]
    certs = []
    for n, enrolment in enumerate(rng.sample(completed, min(n_certs, len(completed))), start=1):
        roll = rng.random()
        status = "valid" if roll < 0.95 else "revoked" if roll < 0.98 else "replaced"
        certs.append((n, enrolment, 1, f"SH-{n:07d}", 2024, n, dt.date(2024, 1, 1), status, now))
    return {"commune": communes, "person": people, "course": courses, "training_class": classes,
            "enrolment": enrolments, "certificate": certs}


COLUMNS = {
    "commune": ["id", "code", "name", "province"],
    "person": ["id", "full_name", "sex", "staff_category", "province", "commune", "legacy_province", "active_from",
               "active_to"],
    "course": ["id", "code", "name_vi", "level", "certificate_kind"],
    "training_class": ["id", "course", "code", "host_province", "start_date", "end_date", "status"],
    "enrolment": ["id", "training_class", "person", "status", "enrolled_at"],
    "certificate": ["id", "enrolment", "issuer", "number", "register_year", "register_number", "issued_on", "status",
                    "created_at"],
}
DEFAULTS = {  # NOT NULL columns without a database default in the migrations
    "person": {"date_of_birth": None},
    "course": {"name_en": "", "hours": 0, "min_attendance_share": 0.8, "excused_counts_as_present": False},
    "training_class": {"venue": "", "capacity": 30, "delivery_mode": "full_time"},
}


async def load(rows: dict[str, list[tuple]]) -> None:
    from training.core.db import engine
    from training.people.tables import Organisation

    await Organisation.insert(Organisation(name="Trường Đại học Lao động - Xã hội", kind="training_institution")).run()
    db = engine()
    if db.engine_type == "postgres":
        import asyncpg

        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            for table, cols in COLUMNS.items():
                extra = DEFAULTS.get(table, {})
                records = [(*r, *extra.values()) for r in rows[table]]
                await conn.copy_records_to_table(table, records=records, columns=[*cols, *extra])
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT MAX(id) FROM {table}))")
                log(f"  loaded {len(records):>9,} {table}")
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
    else:
        import sqlite3

        conn = sqlite3.connect(db.path)
        conn.execute("PRAGMA journal_mode=WAL")
        for table, cols in COLUMNS.items():
            extra = DEFAULTS.get(table, {})
            names = [*cols, *extra]
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            conn.executemany(sql, [tuple(_sqlite(v) for v in (*r, *extra.values())) for r in rows[table]])
            conn.commit()
            log(f"  loaded {len(rows[table]):>9,} {table}")
        conn.execute("ANALYZE")
        conn.commit()
        conn.close()


def _sqlite(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def duckdb_load(rows: dict[str, list[tuple]], folder: Path):
    import duckdb

    con = duckdb.connect()
    for table, cols in COLUMNS.items():
        path = folder / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(cols)
            writer.writerows(["" if v is None else v for v in r] for r in rows[table])
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=true)")
    from training.coverage.facts import COMPLETION_INSERT, COVERAGE_INSERT

    # The derived tables too, built by the service's own SQL, for the same queries as the service.
    con.execute("CREATE TABLE completion_fact (id INTEGER, enrolment INTEGER, person INTEGER, province INTEGER, "
                "legacy_province INTEGER, commune INTEGER, staff_category VARCHAR, level VARCHAR, completed_on DATE, "
                "valid BOOLEAN)")
    con.execute("CREATE TABLE coverage_fact (id INTEGER, person INTEGER, province INTEGER, legacy_province INTEGER, "
                "commune INTEGER, staff_category VARCHAR, active_from DATE, active_to DATE, level VARCHAR, "
                "first_on DATE)")
    con.execute(COMPLETION_INSERT.format(where=""))
    con.execute(COVERAGE_INSERT.format(where=""))
    return con


def duck_service_queries(con, day: dt.date) -> list:
    """The three queries of ``coverage.coverage`` for the nation (active, trained, person-times), in DuckDB."""
    d = f"DATE '{day}'"
    active = f"(active_from IS NULL OR active_from <= {d}) AND (active_to IS NULL OR active_to >= {d})"
    out = []
    for sql in (
        f"SELECT province, staff_category, COUNT(*) FROM person WHERE {active} GROUP BY province, staff_category",
        f"SELECT province, staff_category, level, COUNT(*) FROM coverage_fact WHERE first_on <= {d} AND {active} "
        "GROUP BY province, staff_category, level",
        f"SELECT province, staff_category, level, COUNT(*) FROM completion_fact WHERE valid AND completed_on >= "
        f"DATE '{day.year}-01-01' AND completed_on <= {d} GROUP BY province, staff_category, level",
    ):
        out.append(con.execute(sql).fetchall())
    return out


def best(times: list[float]) -> float:
    return min(times)


async def timed(fn, repeat: int = 5) -> tuple[float, object]:
    out, times = None, []
    for _ in range(repeat):
        start = time.perf_counter()
        out = await fn()
        times.append(time.perf_counter() - start)
    return best(times), out


def duck_timed(con, sql: str, repeat: int = 5) -> tuple[float, list]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = con.execute(sql).fetchall()
        times.append(time.perf_counter() - start)
    return best(times), out


def staff_file(rows: int, seed: int = 50_000) -> bytes:
    """A staff registry workbook: the roster bench's people plus commune and active dates."""
    import io

    import openpyxl

    from training.records.validation import cccd_for

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Loại cán bộ", "Tỉnh/Thành phố",
                  "Xã/Phường", "Ngày bắt đầu", "Ngày nghỉ"])
    serials = rng.sample(range(1_000_000), rows)
    provinces = [("Khánh Hòa", "56"), ("Ninh Thuận", "58"), ("Thái Nguyên", "19"), ("Bắc Kạn", "06")]
    cats = ["Cộng tác viên", "Viên chức", "Công chức", "Người lao động", "Cán bộ"]
    for i in range(rows):
        female = rng.random() < 0.6
        dob = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
        name, legacy = provinces[i % 4]
        start = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(4000))
        end = (start + dt.timedelta(days=rng.randrange(200, 3000))).strftime("%d/%m/%Y") if i % 9 == 0 else ""
        sheet.append([i + 1, f"Nhân Viên Thử {i}", dob.strftime("%d/%m/%Y"), "Nữ" if female else "Nam",
                      cccd_for(dob, "female" if female else "male", legacy, serials[i]), cats[i % 5], name, "",
                      start.strftime("%d/%m/%Y"), end])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def main(scale: float, staff_rows: int) -> int:
    from training.auth.access import SYSTEM
    from training.core.db import engine
    from training.coverage import facts, figures

    where = await _scratch.prepare()
    db = engine()
    kind = "PostgreSQL" if db.engine_type == "postgres" else "SQLite"
    log(f"database: {kind} ({where})")
    from training.reference.tables import LegacyProvince, Province

    province_ids = [r["id"] for r in await Province.select(Province.id).run()]
    legacy_ids = [(r["id"], r["province"]) for r in await LegacyProvince.select(LegacyProvince.id,
                                                                                LegacyProvince.province).run()]
    start = time.perf_counter()
    rows = generate(scale, province_ids, legacy_ids)
    log(f"generated in {time.perf_counter() - start:.1f} s: " + ", ".join(
        f"{len(v):,} {k}" for k, v in rows.items()))
    start = time.perf_counter()
    await load(rows)
    log(f"bulk load: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    trained = await facts.rebuild()
    log(f"coverage tables rebuilt in {time.perf_counter() - start:.1f} s ({trained:,} people trained)")
    if db.engine_type == "postgres":
        await db.start_connection_pool(min_size=1, max_size=4)
        from training.reference.tables import Province

        await Province.raw("ANALYZE").run()

    folder = Path(tempfile.mkdtemp(prefix="bench-duck-"))
    start = time.perf_counter()
    duck = duckdb_load(rows, folder)
    log(f"DuckDB: same rows loaded from CSV in {time.perf_counter() - start:.1f} s")
    straight_duck = STRAIGHT.format(d=f"DATE '{DAY}'", extra="")
    bar1 = 0.3 if db.engine_type == "postgres" else 1.0

    # 1. national coverage
    t_service, report = await timed(lambda: figures.coverage(SYSTEM, DAY))
    t_duck, duck_rows = duck_timed(duck, straight_duck)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        duck_service_queries(duck, DAY)
        times.append(time.perf_counter() - start)
    t_duck_same = best(times)
    from training.people.tables import Person

    params = [DAY] * 3
    t_straight, _x = await timed(lambda: Person.raw(STRAIGHT.format(d="{}", extra=""), *params).run(), repeat=1)
    national = report.row(None, None, None)
    duck_total = sum(r[3] for r in duck_rows if r[2])  # per-level people, summed
    service_total = sum(r.trained for r in report.rows if r.unit_code is None and r.staff_category is None
                        and r.level is not None)
    log("")
    log(f"1. coverage, 34 provinces x 5 categories x 6 levels (+ totals, {len(report.rows):,} rows) on {DAY}:")
    log(f"   {kind:<10} {t_service * 1000:8.0f} ms  (bar {bar1 * 1000:.0f} ms) -> "
        f"{'OK' if t_service <= bar1 else 'OVER'}; whole country: {national.trained:,} of {national.active:,} "
        f"active trained ({national.share:.1%})")
    log(f"   DuckDB     {t_duck_same * 1000:8.0f} ms  (the service's same three queries on the same derived tables)")
    log(f"   DuckDB     {t_duck * 1000:8.0f} ms  (straight five-table join on the normalised tables)")
    log(f"   {kind:<10} {t_straight * 1000:8.0f} ms  (the same straight join on {kind}, for comparison)")
    log(f"   check: people x level summed, service {service_total:,} / DuckDB {duck_total:,} -> "
        f"{'same' if service_total == duck_total else 'DIFFERENT'}")

    # 2. one province's dashboard page
    from litestar.testing import AsyncTestClient

    from training.auth.accounts import create_account
    from training.auth.tokens import create_token
    from training.web.app import create_app

    await create_account("bench.coord", "coordinator", "Bench@2026", email="bench@example.vn")
    token = await create_token("bench.coord")
    if db.engine_type == "postgres":
        await db.close_connection_pool()  # the app runs in the test client's own event loop: it opens its pool
    app = create_app(use_pool=True)
    async with AsyncTestClient(app=app) as client:
        async def page():
            response = await client.get("/dashboard/56", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text[:300]
            return response

        t_page, response = await timed(page)
    province_id = (await Person.raw("SELECT id FROM province WHERE code = '56'").run())[0]["id"]
    duck_province = STRAIGHT.format(d=f"DATE '{DAY}'", extra=f"AND p.province = {province_id}")
    t_duck_page, _x = duck_timed(duck, duck_province)
    log("")
    log(f"2. dashboard page of one province (/dashboard/56, {len(response.content) / 1024:.0f} KB HTML), rendered:")
    log(f"   {kind:<10} {t_page * 1000:8.0f} ms  (bar 500 ms on PostgreSQL)"
        + (f" -> {'OK' if t_page <= 0.5 else 'OVER'}" if db.engine_type == "postgres" else ""))
    log(f"   DuckDB     {t_duck_page * 1000:8.0f} ms  (the province's coverage, straight join; no page)")

    # 3. staff import
    from training.people.staff import import_staff

    start = time.perf_counter()
    content = staff_file(staff_rows)
    log("")
    log(f"3. staff file: {staff_rows:,} rows, {len(content) / 1024 / 1024:.1f} MB XLSX, generated in "
        f"{time.perf_counter() - start:.1f} s")
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 5 or done == total:
            last[0] = now
            log(f"   … {stage}: {done:,}/{total:,}")

    start = time.perf_counter()
    dry = await import_staff("staff.xlsx", content, SYSTEM, commit=False, progress=progress)
    t_dry = time.perf_counter() - start
    assert not dry.has_errors, [i.text(r.row) for r in dry.rows if r.has_error for i in r.issues][:5]
    start = time.perf_counter()
    done = await import_staff("staff.xlsx", content, SYSTEM, commit=True, progress=progress)
    t_commit = time.perf_counter() - start
    total = t_dry + t_commit
    import openpyxl

    start = time.perf_counter()
    import io

    sheet_rows = list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    path = folder / "staff.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(sheet_rows)
    t_read = time.perf_counter() - start
    start = time.perf_counter()
    duck.execute(f"CREATE TABLE staff AS SELECT * FROM read_csv('{path}', header=true)")
    t_duck_import = time.perf_counter() - start
    log(f"   {kind:<10} dry run {t_dry:5.1f} s + commit {t_commit:5.1f} s = {total:5.1f} s (bar 60 s) -> "
        f"{'OK' if total <= 60 else 'OVER'}; {done.counts['new']:,} people created")
    log(f"   DuckDB     {t_duck_import * 1000:8.0f} ms  (loading the same rows as CSV; reading the XLSX alone "
        f"with openpyxl took {t_read:.1f} s)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--staff-rows", type=int, default=50_000)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.scale, args.staff_rows)))
