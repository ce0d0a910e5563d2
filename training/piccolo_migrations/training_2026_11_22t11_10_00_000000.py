"""Composite unique indexes Piccolo cannot declare on columns: nobody twice in one class,
one attendance mark per session and enrolment. Plain SQL that SQLite and PostgreSQL share."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T11:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique (class, person) enrolments and (session, enrolment) attendance"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS enrolment_class_person_uniq ON enrolment (training_class, person)",
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_session_enrolment_uniq ON attendance (session, enrolment)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in STATEMENTS:
            await _execute(engine, sql)

    async def undo():
        engine = engine_finder()
        for name in ("enrolment_class_person_uniq", "attendance_session_enrolment_uniq"):
            await _execute(engine, f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager


async def _execute(engine, sql):
    await engine.run_ddl(sql)
