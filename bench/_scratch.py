"""Point the project at a scratch database before anything of ours is imported.

SQLite in a temporary folder by default; BENCH_DATABASE_URL=postgresql://… for PostgreSQL
(that database is wiped). Import this module first in every benchmark.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_dir = tempfile.mkdtemp(prefix="training-bench-")
os.environ["TRAINING_DATA_DIR"] = _dir
os.environ.setdefault("TRAINING_SECRET_KEY", "bench")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{_dir}/bench.sqlite"


async def _reset() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(url)
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await conn.close()
    from training.reference.provinces import migrate_and_load_provinces

    await migrate_and_load_provinces()


async def prepare() -> str:
    """Wipe (PostgreSQL) and migrate the scratch database; returns where it is, without credentials."""
    await _reset()
    return os.environ["DATABASE_URL"].split("@")[-1]
