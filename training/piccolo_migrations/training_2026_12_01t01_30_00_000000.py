"""An index on the session token: every signed-in request looks its session up by token (``session_user``),
and piccolo_api's ``sessions`` table has no index on it, so each request scanned every session ever opened
and not yet removed (ADR 0044). Plain SQL that SQLite and PostgreSQL share."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index on sessions.token for the session lookup of every signed-in request"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("CREATE INDEX IF NOT EXISTS sessions_token ON sessions (token)")

    async def undo():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS sessions_token")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
