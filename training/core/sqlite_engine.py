"""Piccolo's SQLite engine on reused connections, one trip to SQLite per statement (ADR 0046).

Piccolo's own ``SQLiteEngine`` opens a new aiosqlite connection for every statement outside a transaction
and for every transaction: a new thread, the file opened, and SQLite parsing the whole schema again (130
tables, indexes and triggers: 3.8 ms of CPU per connection, against 0.05 ms for a statement on an open one).
Each aiosqlite call is then a trip to that thread and back through the event loop: four per statement in a
transaction (``PRAGMA foreign_keys = 1`` again, the statement, fetchall, closing the cursor), six per
autocommit statement. Under 30 concurrent writers this was most of the CPU of a write request, and every trip
of the request holding the write lock waited behind the other requests of its worker.

This engine keeps the service's connections open in a small pool per database file, each with the one thread
that runs its statements (a statement waiting for SQLite's lock blocks only its own thread), and makes one trip
per statement:
- outside a transaction, a statement takes an idle connection, runs, fetches and goes back in one call: in
  autocommit mode (``isolation_level=None``, as Piccolo sets) that is what a fresh connection did, without
  the cost;
- a transaction (``get_connection``) gets a connection of the pool for its whole length; closing it gives it
  back, rolled back if a transaction was left open.
Every connection is opened alike: foreign keys on, ``synchronous`` as configured (``TRAINING_SQLITE_SYNCHRONOUS``),
rows as dicts. A pooled connection is dropped when the database file is no longer the one it opened (deleted or
replaced, as a restore or a test's fresh database does) and after any error of its own.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from piccolo.engine.sqlite import SQLiteEngine, dict_factory

T = TypeVar("T")

IDLE_CONNECTIONS = 16  # idle connections kept per database file


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class _Slot:
    """One connection and the one thread that runs its statements, in order (as aiosqlite's connection, but
    kept). A statement waiting for SQLite's write lock holds only its own thread: the writer that holds the
    lock never waits for a thread behind the statements waiting for it."""

    def __init__(self, identity: tuple[int, int] | None):
        self.identity = identity
        self.connection: sqlite3.Connection | None = None
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite")

    def run(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self.thread, function, *args)

    def open(self, connection_kwargs: dict[str, Any], synchronous: str) -> None:
        if self.connection is None:
            connection = sqlite3.connect(**connection_kwargs, check_same_thread=False)
            connection.row_factory = dict_factory
            connection.execute("PRAGMA foreign_keys = 1")
            connection.execute(f"PRAGMA synchronous = {synchronous}")
            self.connection = connection

    def fetch_all(self, query: str, args: Any) -> list[dict[str, Any]]:
        assert self.connection is not None
        cursor = self.connection.execute(query, args)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def fetch_and_reset(self, query: str, args: Any) -> tuple[list[dict[str, Any]], bool]:
        rows = self.fetch_all(query, args)
        return rows, self.reset()

    def reset(self) -> bool:
        """Roll back a transaction left open; False when the connection cannot be reused."""
        if self.connection is None:
            return False
        try:
            if self.connection.in_transaction:
                self.connection.rollback()
        except sqlite3.Error:
            return False
        return True

    def discard(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.thread.shutdown(wait=False)


class ConnectionPool:
    """Idle connections to one database file, each with its thread."""

    def __init__(self, connection_kwargs: dict[str, Any], synchronous: str):
        self.connection_kwargs, self.synchronous = connection_kwargs, synchronous
        self._idle: list[_Slot] = []
        self._guard = threading.Lock()

    def _take(self) -> _Slot:
        identity = _file_identity(self.connection_kwargs["database"])
        while True:
            with self._guard:
                if not self._idle:
                    break
                slot = self._idle.pop()
            if slot.identity is not None and slot.identity == identity:
                return slot
            slot.thread.submit(slot.discard)  # the file was deleted or replaced since it was opened
        return _Slot(identity)

    async def take(self) -> _Slot:
        slot = self._take()
        try:
            await slot.run(slot.open, self.connection_kwargs, self.synchronous)
        except BaseException:
            slot.thread.submit(slot.discard)
            raise
        return slot

    def _keep(self, slot: _Slot, reusable: bool) -> None:
        if reusable:
            with self._guard:
                if len(self._idle) < IDLE_CONNECTIONS:
                    self._idle.append(slot)
                    return
        slot.thread.submit(slot.discard)

    async def give_back(self, slot: _Slot, healthy: bool = True) -> None:
        self._keep(slot, healthy and await slot.run(slot.reset))

    async def run_autocommit(self, query: str, args: list[Any]) -> list[dict[str, Any]]:
        """One statement on an idle connection: its rows (autocommit, like a connection of its own), in one
        trip with the check that it left no transaction open."""
        slot = await self.take()
        try:
            rows, reusable = await slot.run(slot.fetch_and_reset, query, args)
        except BaseException:
            slot.thread.submit(slot.discard)
            raise
        self._keep(slot, reusable)
        return rows


class PooledConnection:
    """A pooled connection lent to one transaction, with the awaitable calls Piccolo's transaction makes
    (``execute`` for BEGIN/COMMIT/ROLLBACK/SAVEPOINT, ``execute_fetchall``, ``close``); one trip each."""

    def __init__(self, pool: ConnectionPool, slot: _Slot):
        self._pool, self._slot = pool, slot
        self._failed = False

    async def execute_fetchall(self, query: str, args: Any = ()) -> list[dict[str, Any]]:
        try:
            return await self._slot.run(self._slot.fetch_all, query, list(args))
        except sqlite3.Error as exc:
            if not isinstance(exc, sqlite3.IntegrityError | sqlite3.OperationalError):
                self._failed = True
            raise

    async def execute(self, query: str, args: Any = ()) -> None:
        await self.execute_fetchall(query, args)

    async def close(self) -> None:
        await self._pool.give_back(self._slot, healthy=not self._failed)


class PooledSQLiteEngine(SQLiteEngine):
    """``SQLiteEngine`` on a pool of open connections (module docstring). Needs SQLite 3.35 (RETURNING), as
    Piccolo does on these paths."""

    def __init__(self, path: str, synchronous: str = "FULL", **kwargs: Any):
        super().__init__(path=path, **kwargs)
        self.connections = ConnectionPool(self.connection_kwargs, synchronous)

    async def get_connection(self) -> PooledConnection:  # type: ignore[override]
        return PooledConnection(self.connections, await self.connections.take())

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None, query_type: str = "generic",
                                     table: Any = None):
        return await self.connections.run_autocommit(query, list(args or []))

    async def _run_in_existing_connection(self, connection, query: str, args: list[Any] | None = None,
                                          query_type: str = "generic", table: Any = None):
        return await connection.execute_fetchall(query, list(args or []))
