"""A read-only page's queries on one connection, in one snapshot: ``read_snapshot()`` (ADR 0044).

Piccolo runs each query outside a transaction on a connection of its own: on SQLite that is a new
``aiosqlite`` connection (a thread start, ``PRAGMA foreign_keys``, the query, a close) per query, which
made a dashboard of 45 queries spend most of its time opening connections; on PostgreSQL a pool
acquire and release (asyncpg resets the connection on release: one more round trip) per query.
Inside ``read_snapshot()`` every query of the task shares one connection and one transaction:

- SQLite: ``BEGIN DEFERRED`` takes no write lock (readers never wait for a writer in WAL mode, nor make
  one wait), and every query of the page reads the same snapshot;
- PostgreSQL: one pooled connection for the page (READ COMMITTED: each statement sees what was committed
  when it started, as without the transaction).

For pages that only read: a write inside would be part of this transaction (on SQLite, a deferred
transaction that then asks for the write lock), so the writes keep ``write_transaction``. Nothing is
cached: a write committed before the page's request is in its figures.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from training.core.db import engine


@contextlib.asynccontextmanager
async def read_snapshot() -> AsyncIterator[None]:
    """Run the queries of the block on one connection, in one read transaction; inside an open
    transaction, the block simply joins it."""
    db = engine()
    if db.current_transaction.get() is not None:
        yield
        return
    async with db.transaction():
        yield
