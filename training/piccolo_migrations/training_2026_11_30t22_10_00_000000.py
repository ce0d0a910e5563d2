"""Notifications (ADR 0036): the outbox ``notification`` and the learner's choices ``learner_preference``."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T22:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Notification outbox and learner preferences"

_COLUMNS = """
    kind VARCHAR(40) NOT NULL,
    person INTEGER NULL REFERENCES person (id) ON DELETE SET NULL,
    channel VARCHAR(10) NOT NULL,
    address VARCHAR(150) NOT NULL,
    language VARCHAR(5) NOT NULL DEFAULT 'vi',
    params JSON NOT NULL DEFAULT '{}',
    dedupe_key VARCHAR(200) NOT NULL UNIQUE,
    status VARCHAR(12) NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ NULL"""
_PREFERENCE = """
    person INTEGER NOT NULL UNIQUE REFERENCES person (id) ON DELETE CASCADE,
    language VARCHAR(5) NOT NULL DEFAULT 'vi',
    reminders BOOLEAN NOT NULL DEFAULT true"""
ID_COLUMN = {"sqlite": "id INTEGER PRIMARY KEY AUTOINCREMENT,", "postgres": "id SERIAL PRIMARY KEY,"}
INDEXES = [
    "CREATE INDEX IF NOT EXISTS notification_kind ON notification (kind)",
    "CREATE INDEX IF NOT EXISTS notification_person ON notification (person)",
    "CREATE INDEX IF NOT EXISTS notification_status ON notification (status)",
    "CREATE INDEX IF NOT EXISTS notification_next_attempt_at ON notification (next_attempt_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        kind = "sqlite" if engine.engine_type == "sqlite" else "postgres"
        await engine.run_ddl(f"CREATE TABLE IF NOT EXISTS notification ({ID_COLUMN[kind]}{_COLUMNS})")
        await engine.run_ddl(f"CREATE TABLE IF NOT EXISTS learner_preference ({ID_COLUMN[kind]}{_PREFERENCE})")
        for sql in INDEXES:
            await engine.run_ddl(sql)

    async def undo():
        engine = engine_finder()
        await engine.run_ddl("DROP TABLE IF EXISTS learner_preference")
        await engine.run_ddl("DROP TABLE IF EXISTS notification")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
