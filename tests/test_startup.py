"""Start-up: migrations under a lock, and the data folder where the README says."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from conftest import IS_POSTGRES, ROOT

# Each process imports everything, waits at a file barrier until all are ready, then migrates:
# the migrations themselves start at the same moment. It prints when it started and finished.
MIGRATE_AT_ONCE = """
import os, sys, time, pathlib
barrier, count = pathlib.Path(sys.argv[1]), int(sys.argv[2])
from training.cli import main
(barrier / f"ready-{os.getpid()}").touch()
while len(list(barrier.glob("ready-*"))) < count:
    time.sleep(0.002)
started = time.time()
code = main(["migrate"])
print(f"TIMES {started} {time.time()}", flush=True)
sys.exit(code)
"""


def _migrate_at_once(env: dict[str, str], barrier: Path, count: int) -> list[tuple[float, float]]:
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", MIGRATE_AT_ONCE, str(barrier), str(count)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(count)]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0] * count, outputs
    times = []
    for out, _err in outputs:
        assert "34 tỉnh, thành phố (2025), 63 tỉnh, thành phố trước 2025" in out
        line = next(x for x in out.splitlines() if x.startswith("TIMES "))
        started, ended = map(float, line.split()[1:])
        times.append((started, ended))
    # They overlapped: every process had started before the first one finished.
    assert max(s for s, _ in times) < min(e for _, e in times), times
    return times


async def _pg(url: str, *sql: str, fetch: str | None = None):
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in sql:
            await conn.execute(statement)
        return await conn.fetch(fetch) if fetch else None
    finally:
        await conn.close()


PG_TABLES = "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def _schema_of_test_database() -> set[str]:
    from training.db import engine

    rows = asyncio.run(engine().run_ddl(PG_TABLES if IS_POSTGRES else SQLITE_TABLES))
    return {r["name"] for r in rows}


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL: advisory lock")
def test_servers_starting_at_once_on_an_empty_postgresql_database_all_migrate(tmp_path):
    url = os.environ["DATABASE_URL"]
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") + "_migrate"
    other = urlunparse(parsed._replace(path=f"/{name}"))
    asyncio.run(_pg(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    expected = _schema_of_test_database()
    env = {**os.environ, "DATABASE_URL": other, "TRAINING_DATA_DIR": str(tmp_path / "data")}
    try:
        for trial in range(3):
            asyncio.run(_pg(other, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
            _migrate_at_once(env, tmp_path / f"barrier{trial}", 2)
            tables = {r["name"] for r in asyncio.run(_pg(other, fetch=PG_TABLES))}
            assert tables == expected
            rows = asyncio.run(_pg(other, fetch="SELECT name, count(*) AS n FROM migration GROUP BY name"))
            assert rows and all(r["n"] == 1 for r in rows)
            assert asyncio.run(_pg(other, fetch="SELECT count(*) AS n FROM province"))[0]["n"] == 34
    finally:
        asyncio.run(_pg(url, f'DROP DATABASE IF EXISTS "{name}"'))


def test_servers_starting_at_once_on_an_empty_sqlite_file_all_migrate(tmp_path):
    import sqlite3

    expected = None if IS_POSTGRES else _schema_of_test_database()
    for trial in range(3):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        database = folder / "training.sqlite"
        database.touch()  # an empty file
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "TRAINING_DATA_DIR": str(folder / "data")}
        _migrate_at_once(env, folder / "barrier", 2)
        with sqlite3.connect(database) as conn:
            tables = {r[0] for r in conn.execute(SQLITE_TABLES)}
            counts = conn.execute("SELECT name, count(*) FROM migration GROUP BY name").fetchall()
            provinces = conn.execute("SELECT count(*) FROM province").fetchone()[0]
        assert "certificate" in tables and "enrolment" in tables
        if expected is not None:
            assert tables == expected
        assert counts and all(n == 1 for _name, n in counts)
        assert provinces == 34
