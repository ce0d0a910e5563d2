"""Database engine and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import io
import os
import socket
import sqlite3
import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TypeVar
from urllib.parse import unquote, urlparse

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteTransaction, TransactionType

try:  # PostgreSQL's driver: installed with piccolo[postgres], but SQLite alone needs nothing of it
    import asyncpg
except ImportError:  # pragma: no cover
    asyncpg = None

from training.core.config import get_settings, sqlite_synchronous, use_piccolo_conf
from training.core.sqlite_engine import PooledSQLiteEngine

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
        path = url[len("sqlite:///"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # A generous busy timeout lets concurrent writers queue instead of failing.
        return PooledSQLiteEngine(path=path, synchronous=sqlite_synchronous(), timeout=30)
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


# SQLite lets one writer in at a time and makes the others poll (the busy handler sleeps 1…100 ms between
# tries): the lock goes to whoever polls at the right moment, not to who came first, so under 30 concurrent
# writers some requests starved for 17 s and more (ADR 0042). Writers of this service therefore queue
# before BEGIN IMMEDIATE, first in their process (an asyncio.Lock: first come, first served, no polling),
# then across the processes of one database (an flock on ``<database>.write.lock``, on which the kernel
# wakes the waiter). BEGIN IMMEDIATE and its busy timeout stay, for writers that do not queue (other
# programs, the few autocommit writes).
_write_gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_write_lock_fd: dict[tuple[int, str], int] = {}


def _write_gate() -> asyncio.Lock:
    """The write queue of the running event loop (tests run a new loop per call)."""
    loop = asyncio.get_running_loop()
    gate = _write_gates.get(loop)
    if gate is None:
        gate = _write_gates[loop] = asyncio.Lock()
    return gate


def _write_lock_file(path: str) -> int:
    """This process's descriptor of ``<database>.write.lock`` (per process: an flock belongs to the open file,
    which a forked child would share)."""
    key = (os.getpid(), os.path.abspath(path))
    fd = _write_lock_fd.get(key)
    if fd is None:
        fd = _write_lock_fd[key] = os.open(key[1] + ".write.lock", os.O_RDWR | os.O_CREAT, 0o600)
    return fd


async def _flock_exclusive(fd: int) -> None:
    """Take the cross-process write lock; when another process holds it, wait in a thread (the kernel wakes
    it). A request cancelled meanwhile waits for the thread to get the lock and gives it back, so no lock
    is left held by nobody."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX))
    try:
        await asyncio.shield(waiting)
    except asyncio.CancelledError:
        await asyncio.wait({waiting})
        fcntl.flock(fd, fcntl.LOCK_UN)
        raise


class _OnConnection(SQLiteTransaction):
    """Piccolo's SQLite transaction on a connection opened beforehand, which it leaves open: COMMIT (or
    ROLLBACK) at the end of the block, and the caller closes the connection after leaving the queue."""

    __slots__ = ("_given",)

    def __init__(self, db, connection, transaction_type: TransactionType):
        super().__init__(db, transaction_type)
        self._given = connection

    async def get_connection(self):
        return self._given

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
        return exception is None


async def _open_connection(db):
    return await db.get_connection()  # a connection of the engine's pool (training.core.sqlite_engine)


@contextlib.asynccontextmanager
async def _queued_sqlite_transaction(db):
    """Queue in the order of arrival while a connection is taken from the engine's pool, then BEGIN IMMEDIATE,
    the body, COMMIT (or ROLLBACK), leave the queue, and only then give the connection back: the time other
    writers wait is the transaction's own."""
    opening = asyncio.ensure_future(_open_connection(db))
    try:
        async with _write_gate():
            connection = await asyncio.shield(opening)
            fd = _write_lock_file(db.path)
            await _flock_exclusive(fd)
            try:
                transaction = _OnConnection(db, connection, TransactionType.immediate)
                async with transaction:
                    yield transaction
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        if not opening.done():
            await asyncio.wait({opening})
        if not opening.cancelled() and opening.exception() is None:
            await opening.result().close()


def write_transaction():
    """A transaction that takes the write lock at once. SQLite: queued first come, first served (in the
    process, then across processes, see above), then BEGIN IMMEDIATE; a nested call joins the open
    transaction. PostgreSQL: a normal transaction, where the services lock the rows they decide on with
    SELECT … FOR UPDATE."""
    db = engine()
    if db.engine_type == "sqlite":
        if db.current_transaction.get() is not None:
            return db.transaction(transaction_type=TransactionType.immediate)
        return _queued_sqlite_transaction(db)
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


# --- the database is unavailable: an outage, not a bug (training.web.errors answers 503) ---

# SQLite's own words for "the file cannot be written or reached" (sqlite3.OperationalError's text)
_SQLITE_UNAVAILABLE = ("database is locked", "readonly database", "unable to open database file",
                       "disk i/o error", "database or disk is full", "database table is locked")


def _asyncpg_unavailable(exc: BaseException) -> bool:
    if asyncpg is None:
        return False
    errors = asyncpg.exceptions
    return isinstance(exc, (errors.PostgresConnectionError, errors.InterfaceError,
                            errors.CannotConnectNowError, errors.OperatorInterventionError,
                            errors.TooManyConnectionsError, errors.InsufficientResourcesError,
                            errors.ReadOnlySQLTransactionError))


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database cannot be reached or written at the
    moment: refused or lost connections, PostgreSQL shutting down or read-only, a locked, read-only or
    missing SQLite file. Such a failure is the service's state, not a bug: answered with 503."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (ConnectionError, socket.gaierror)) or _asyncpg_unavailable(exc):
            return True
        if isinstance(exc, sqlite3.OperationalError) and any(
                text in str(exc).lower() for text in _SQLITE_UNAVAILABLE):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


# A real write that changes nothing: Piccolo's own table is in every database of the service.
_PROBE_WRITE = "UPDATE migration SET name = name WHERE id = (SELECT min(id) FROM migration)"


class _ProbeRolledBack(Exception):
    """Raised inside the probe's transaction to roll its write back."""


def _probe_sqlite(path: str, timeout: float) -> None:
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")  # the write lock: fails on a locked or read-only file
        conn.execute(_PROBE_WRITE)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


async def _probe_postgres(db: Engine, timeout: float) -> None:
    try:
        async with db.transaction():
            await db.run_ddl(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
            await db.run_ddl(f"SET LOCAL lock_timeout = {int(timeout * 1000)}")
            await db.run_ddl(_PROBE_WRITE)
            raise _ProbeRolledBack
    except _ProbeRolledBack:
        pass


async def check_writable(timeout: float) -> None:
    """Raises unless the database answers and accepts a write within ``timeout`` seconds (readiness).
    The write is rolled back; on SQLite it is made on a connection of its own, whose busy timeout is
    ``timeout`` (the service's connections wait up to 30 s for the write lock)."""
    db = engine()
    if db.engine_type == "sqlite":
        if not os.path.exists(db.path):  # sqlite3 would create an empty file
            raise sqlite3.OperationalError("unable to open database file")
        await asyncio.wait_for(asyncio.to_thread(_probe_sqlite, db.path, timeout), timeout + 1)
        return
    await asyncio.wait_for(_probe_postgres(db, timeout), timeout + 1)


# --- figures for /metrics ---

async def rows_by_status(table: str) -> dict[str, int] | None:
    """Rows of ``table`` counted by its ``status`` column, or None while the table does not exist
    (``/metrics`` counts the notification outbox this way, whether or not it is installed)."""
    db = engine()
    if db.engine_type == "sqlite":
        found = await db.run_ddl(f"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
    else:
        found = await db.run_ddl(f"SELECT to_regclass('{table}') AS name")
    if not found or not found[0]["name"]:
        return None
    rows = await db.run_ddl(f"SELECT status, count(*) AS n FROM {table} GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


def pool_figures() -> dict[str, int] | None:
    """The PostgreSQL connection pool of this process: its size now, connections in use, its maximum;
    None without a pool (SQLite, or PostgreSQL without one)."""
    pool = getattr(engine(), "pool", None)
    if pool is None:
        return None
    size = pool.get_size()
    return {"size": size, "in_use": size - pool.get_idle_size(), "max": pool.get_max_size()}
