"""Database engine and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TypeVar
from urllib.parse import unquote, urlparse

from piccolo.engine.base import Engine

from training.core.config import get_settings, use_piccolo_conf

use_piccolo_conf()

T = TypeVar("T")


def make_engine() -> Engine:
    """Build the Piccolo engine from DATABASE_URL: a SQLite file by default."""
    url = get_settings().database_url
    if url.startswith(("postgres://", "postgresql://")):
        from piccolo.engine.postgres import PostgresEngine

        parsed = urlparse(url)
        config = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
            "database": parsed.path.lstrip("/"),
        }
        return PostgresEngine(config=config, log_queries=False)
    if url.startswith("sqlite:///"):
        from piccolo.engine.sqlite import SQLiteEngine

        path = url[len("sqlite:///"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # A generous busy timeout lets concurrent writers queue instead of failing.
        return SQLiteEngine(path=path, timeout=30)
    scheme = url.split(":")[0]
    raise SystemExit(f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {scheme}:...)")


CHUNK_SIZE = 400  # rows per multi-row INSERT / IN (...) list: well under SQLite's bound-parameter limit


def chunks(items: Sequence[T], size: int = CHUNK_SIZE) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``: the one way to batch a multi-row INSERT or an
    ``IN (...)`` list so that no statement passes the database's parameter limit."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def engine() -> Engine:
    from piccolo.engine.finder import engine_finder

    found = engine_finder()
    assert found is not None
    return found


# Any constant shared by every server of one database: the key of the advisory lock that
# serialises migrations on PostgreSQL ("training" in ASCII).
MIGRATION_LOCK_KEY = 0x747261696E696E67


@contextlib.asynccontextmanager
async def migration_lock():
    """Only one process migrates a database at a time; the others wait, then find nothing to do.

    PostgreSQL: a session-level advisory lock held on a dedicated connection for the whole run
    (Piccolo's migrations open connections of their own). SQLite: an exclusive ``flock`` on
    ``<database>.migrate.lock`` next to the database file, released by the kernel if the process dies.
    """
    db = engine()
    if db.engine_type == "postgres":
        import asyncpg

        conn = await asyncpg.connect(**db.config)
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        finally:
            await conn.close()
        return
    import fcntl

    path = os.path.abspath(db.path) + ".migrate.lock"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


async def migrate(quiet: bool = True, then: Callable[[], Awaitable[object]] | None = None) -> None:
    """Apply pending migrations of every app under ``migration_lock`` (two servers starting at once on
    an empty database would otherwise both create the tables), then await ``then()`` inside the same
    lock. Core knows no domain: the callers load the reference data through ``then``
    (``training.reference.provinces.migrate_and_load_provinces``, what every start-up runs)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    db = engine()
    async with migration_lock():
        if db.engine_type == "sqlite":
            # Write-ahead log: readers (the public verification page) never wait for a writer.
            # The setting is stored in the database file.
            await db.run_ddl("PRAGMA journal_mode=WAL")
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer) if quiet else contextlib.nullcontext():
            result = await run_forwards(app_name="all")
        if not result.success:
            raise RuntimeError(f"Migrations failed: {result.message}\n{buffer.getvalue()}")
        if then is not None:
            await then()


def write_transaction():
    """A transaction that takes the write lock at once: BEGIN IMMEDIATE on SQLite (so concurrent
    writers queue on the busy timeout instead of failing at commit); a normal one on PostgreSQL,
    where the services lock the rows they decide on with SELECT … FOR UPDATE."""
    db = engine()
    if db.engine_type == "sqlite":
        from piccolo.engine.sqlite import TransactionType

        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def lock_row(table, row_id: int) -> None:
    """Lock one row until the end of the current transaction (PostgreSQL; SQLite locks the database)."""
    db = engine()
    if db.engine_type == "postgres":
        await table.raw(f"SELECT id FROM {table._meta.tablename} WHERE id = {{}} FOR UPDATE", row_id).run()


def as_utc(value: dt.datetime | str | None) -> dt.datetime | None:
    """A timestamp as read from either engine, zone-aware in UTC: SQLite hands ``Timestamptz`` values
    back without a zone (or, in raw queries, as text); they were stored in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
