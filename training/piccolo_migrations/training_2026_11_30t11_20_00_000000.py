"""The audit log is append-only, held by the database: triggers refuse every UPDATE and DELETE of
``audit_log`` rows (and TRUNCATE on PostgreSQL), whoever sends them.

One change is let through: ``audit_log.user`` is a foreign key with ON DELETE SET NULL, so deleting a
user account makes the database itself set ``user`` to NULL on that user's audit rows. The triggers
allow exactly that (``user`` from a value to NULL, every other column unchanged); ``username`` keeps
the name, so the row still says who did it. SQLite lists the columns; PostgreSQL compares the whole
row minus ``user``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T11:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_log is append-only: triggers refuse UPDATE and DELETE (SQLite and PostgreSQL)"

MESSAGE = "audit_log is append-only: its rows cannot be changed or deleted"

_UNCHANGED = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in (
    "id", "created_at", "username", "action", "table_name", "row_id", "before", "after"))

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW WHEN NOT (OLD."user" IS NOT NULL AND NEW."user" IS NULL AND {_UNCHANGED})
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD."user" IS NOT NULL AND NEW."user" IS NULL
       AND (to_jsonb(NEW) - 'user') = (to_jsonb(OLD) - 'user') THEN
        RETURN NEW;  -- ON DELETE SET NULL of a deleted user account
    END IF;
    RAISE EXCEPTION '{MESSAGE} (%)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END
$$""",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]
POSTGRES_UNDO = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
            await engine.run_ddl(sql)

    async def undo():
        engine = engine_finder()
        for sql in SQLITE_UNDO if engine.engine_type == "sqlite" else POSTGRES_UNDO:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
