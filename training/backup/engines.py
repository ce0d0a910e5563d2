"""The database half of a backup, per engine.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page under one read transaction:
in WAL mode writers carry on meanwhile, and the copy is the database as of one instant (copying the file
while the service runs can miss the WAL's committed pages). PostgreSQL: ``pg_dump`` in custom format inside
an exported snapshot, so the row counts of the manifest are read from the very state that was dumped;
``pg_restore`` into an empty database in one transaction, without owners or grants (the target role may
differ). The PostgreSQL connection comes from the engine's settings; the password goes to the client tools
through ``PGPASSWORD``, never on a command line.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import asyncpg

from training.core.db import engine
from training.core.errors import DomainError
from training.core.i18n import N_


def kind() -> str:
    """``sqlite`` or ``postgresql``: the database of the current settings."""
    return "postgresql" if engine().engine_type == "postgres" else "sqlite"


def sqlite_path() -> Path:
    return Path(engine().path).resolve()


# --- SQLite -------------------------------------------------------------------------------------------

def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def sqlite_snapshot(target: Path) -> dict[str, int]:
    """Copy the live database into ``target`` at one instant; returns the copy's row counts per table."""
    source = sqlite3.connect(f"file:{sqlite_path()}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one read transaction, one instant
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file in the archive
        return _sqlite_counts(copy)
    finally:
        copy.close()
        source.close()


def sqlite_is_empty() -> bool:
    path = sqlite_path()
    if not path.exists() or path.stat().st_size == 0:
        return True
    conn = sqlite3.connect(path, timeout=30)
    try:
        return not _sqlite_counts(conn)
    finally:
        conn.close()


def sqlite_restore(copy: Path) -> dict[str, int]:
    """Write the archived database over the configured one (through the backup API, so an open WAL of the
    target cannot mix with it); returns the restored row counts."""
    path = sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # as the service runs it (training.core.db.migrate)
        return _sqlite_counts(target)
    finally:
        target.close()
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------------------

COUNTS_SQL = ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
              "AND table_type = 'BASE TABLE' ORDER BY table_name")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise DomainError.single("backup_tool_missing", N_(
            "The program {tool} is not installed on this machine; install the PostgreSQL client (Debian: "
            "apt-get install postgresql-client, the same major version as the server or newer)."),
            http_status=500, tool=name)
    return found


def _client_env() -> dict[str, str]:
    config = engine().config
    # Only what the client tools need (they are called by absolute path): no other variable leaks to them.
    return {"PGHOST": str(config["host"]), "PGPORT": str(config["port"]),
            "PGUSER": config["user"], "PGPASSWORD": config["password"], "PGDATABASE": config["database"]}


def _run_tool(args: list[str], step: str) -> None:
    result = subprocess.run(args, env=_client_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise DomainError.single("backup_tool_failed", N_("{step} failed: {detail}"), http_status=500,
                                 step=step, detail=(result.stderr or result.stdout).strip()[-800:])


async def _pg_counts(conn: asyncpg.Connection) -> dict[str, int]:
    names = [row["table_name"] for row in await conn.fetch(COUNTS_SQL)]
    return {name: await conn.fetchval(f'SELECT count(*) FROM "{name}"') for name in names}


async def postgres_dump(target: Path) -> dict[str, int]:
    """``pg_dump`` the database into ``target`` (custom format) from one snapshot, and count the rows of
    every table in that same snapshot."""
    pg_dump = _tool("pg_dump")
    conn = await asyncpg.connect(**engine().config)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = await _pg_counts(conn)
            _run_tool([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                       f"--file={target}"], "pg_dump")
        return counts
    finally:
        await conn.close()


async def postgres_is_empty() -> bool:
    conn = await asyncpg.connect(**engine().config)
    try:
        return not await conn.fetch(COUNTS_SQL)
    finally:
        await conn.close()


async def postgres_clear() -> None:
    """Drop everything in the schema ``public`` (``--force``): the dump re-creates it."""
    conn = await asyncpg.connect(**engine().config)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def postgres_restore(dump: Path) -> dict[str, int]:
    """``pg_restore`` into the configured (empty) database in one transaction; returns the row counts."""
    _run_tool([_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
               f"--dbname={engine().config['database']}", str(dump)], "pg_restore")
    conn = await asyncpg.connect(**engine().config)
    try:
        return await _pg_counts(conn)
    finally:
        await conn.close()
