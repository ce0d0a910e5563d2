"""Start-up: migrations under a lock, and the data folder where the README says."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from factories import IS_POSTGRES, ROOT

# Each process imports everything, waits at a file barrier until all are ready, then migrates:
# the migrations themselves start at the same moment. It prints when it started and finished.
MIGRATE_AT_ONCE = """
import os, sys, time, pathlib
barrier, count = pathlib.Path(sys.argv[1]), int(sys.argv[2])
from training.cli.main import main
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
    from training.core.db import engine

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
            once = "SELECT app_name, name, count(*) AS n FROM migration GROUP BY app_name, name"  # per app, as Piccolo
            rows = asyncio.run(_pg(other, fetch=once))
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
            # Piccolo records a migration per app: two apps may use the same migration id.
            counts = conn.execute("SELECT app_name, name, count(*) FROM migration GROUP BY app_name, name").fetchall()
            provinces = conn.execute("SELECT count(*) FROM province").fetchone()[0]
        assert "certificate" in tables and "enrolment" in tables
        if expected is not None:
            assert tables == expected
        assert counts and all(n == 1 for _app, _name, n in counts)
        assert provinces == 34


# --- a regular (non-editable) install -------------------------------------------------------------

def _copy_source(target: Path) -> None:
    """The project as a user would download it: no virtualenv, data, tests or build leftovers."""
    skipped = {".git", ".venv", "data", "tests", "bench", "build", ".pytest_cache", ".ruff_cache"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        at_root = Path(folder) == ROOT
        return {n for n in names if (at_root and n in skipped) or n == "__pycache__" or n.endswith(".egg-info")}

    shutil.copytree(ROOT, target, ignore=ignore)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_a_regular_install_keeps_its_data_in_the_working_directory_and_speaks_vietnamese(tmp_path):
    source, wheels, venv, work = (tmp_path / n for n in ("source", "wheels", "venv", "work"))
    _copy_source(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
                   check=True, capture_output=True, timeout=120)
    [wheel] = wheels.glob("training-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=120)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(subprocess.run([str(python), "-c", purelib], check=True, capture_output=True,
                                        text=True).stdout.strip())
    # The dependencies come from the test environment (a plain path: its editable hook stays off).
    (site_packages / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([str(python), "-c", "import training; print(training.__file__)"], cwd=tmp_path,
                               check=True, capture_output=True, text=True).stdout.strip()
    assert Path(installed).is_relative_to(site_packages), installed
    assert (site_packages / "locales" / "vi" / "LC_MESSAGES" / "messages.po").is_file()
    before = _files(site_packages)

    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "TEST_DATABASE_URL", "TRAINING_DATA_DIR", "TRAINING_SECRET_KEY",
                        "PYTHONPATH"}}
    training = str(venv / "bin" / "training")
    result = subprocess.run([training, "migrate"], cwd=work, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "Cơ sở dữ liệu đã cập nhật: 34 tỉnh, thành phố (2025)" in result.stdout  # the catalogs shipped
    # The demo data, then certificates for its smallest class (all 409 demo certificates take minutes).
    result = subprocess.run([training, "seed-demo", "--no-certificates", "--password", "Demo@12345"], cwd=work,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([training, "certificates", "issue", "BD-QNG-2025-02"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "Đã cấp 25 chứng chỉ cho lớp BD-QNG-2025-02" in result.stdout

    data = work / "data"
    assert (data / "training.sqlite").is_file() and (data / "secret_key").is_file()
    with sqlite3.connect(data / "training.sqlite") as conn:  # keys and PDFs in the database (ADR 0040)
        [(sealed,)] = conn.execute("SELECT private_key FROM signing_key").fetchall()  # the first key, sealed
        assert conn.execute("SELECT count(*) FROM certificate_pdf").fetchone()[0] == 25
    assert sealed.startswith("v1.")
    assert not (data / "keys").exists() and not (data / "certificates").exists()
    assert _files(site_packages) == before, "nothing is written into the installed package"
