"""Request counts of the shared rate limits (issue 14, item 1; ADR 0040): ``request_count``, one row per
(bucket, client address, window), upserted by ``training.auth.ratelimit``. UNLOGGED on PostgreSQL: the
counts need no crash safety, and an unlogged table writes no WAL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T00:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Request counts of the shared rate limits"

COLUMNS = """bucket VARCHAR(40) NOT NULL,
    address VARCHAR(64) NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0)"""
SQL = {
    "sqlite": f"CREATE TABLE IF NOT EXISTS request_count (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    {COLUMNS}",
    "postgres": f"CREATE UNLOGGED TABLE IF NOT EXISTS request_count (\n    id BIGSERIAL PRIMARY KEY,\n    {COLUMNS}",
}
INDEX = ("CREATE UNIQUE INDEX IF NOT EXISTS request_count_window "
         "ON request_count (bucket, address, window_start)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        await db.run_ddl(SQL["sqlite" if db.engine_type == "sqlite" else "postgres"])
        await db.run_ddl(INDEX)

    async def undo():
        await engine_finder().run_ddl("DROP TABLE IF EXISTS request_count")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
