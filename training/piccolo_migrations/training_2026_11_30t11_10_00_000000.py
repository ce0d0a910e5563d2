"""Valid statuses and capacities, held by the database itself: a CHECK constraint on PostgreSQL, triggers
on SQLite (which cannot add a constraint to an existing table). The transitions between statuses are
decided by ``training.classes.states``; this only keeps an unknown value (or a capacity below 1) out,
whatever path writes the row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T11:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Valid enrolment and class statuses, capacity at least 1"

ENROLMENT = "('registered', 'waitlisted', 'confirmed', 'withdrawn', 'completed', 'failed')"
CLASS = "('planned', 'open', 'running', 'closed', 'cancelled')"
CHECKS = {  # name: (table, condition)
    "enrolment_status_valid": ("enrolment", f"status IN {ENROLMENT}"),
    "training_class_status_valid": ("training_class", f"status IN {CLASS}"),
    "training_class_capacity_valid": ("training_class", "capacity >= 1"),
}


def _sqlite_triggers(name: str, table: str, condition: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name}_{event.lower()} BEFORE {event} ON {table} "
        f"WHEN NOT ({condition.replace('status', 'NEW.status').replace('capacity', 'NEW.capacity')}) "
        f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
        for event in ("INSERT", "UPDATE")
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for name, (table, condition) in CHECKS.items():
            if engine.engine_type == "sqlite":
                for sql in _sqlite_triggers(name, table, condition):
                    await engine.run_ddl(sql)
            else:
                await engine.run_ddl(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
                await engine.run_ddl(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")

    async def undo():
        engine = engine_finder()
        for name, (table, _condition) in CHECKS.items():
            if engine.engine_type == "sqlite":
                for event in ("insert", "update"):
                    await engine.run_ddl(f"DROP TRIGGER IF EXISTS {name}_{event}")
            else:
                await engine.run_ddl(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
