"""Personal data (PDPL, issue 10 item 6).

1. ``personal_data_access``: who read or exported a person's personal data; append-only, held by triggers
   like the audit log (no exception at all: it has no foreign key).
2. ``audit_log.redacted_at``: an erasure empties ``before``/``after`` of the erased person's audit rows
   and sets ``redacted_at``. The audit log's triggers are re-created to let exactly that through:
   ``redacted_at`` from NULL to a time, ``before`` and ``after`` to NULL, every other column unchanged.
   So a redaction can only remove content, once, visibly; it can never rewrite an entry.
3. Birth date, phone and e-mail were written in full to ``before``/``after`` of ``person`` rows: they are
   masked in place with the writer's own helper (``training.records.rows.audit_json``). The triggers
   forbid that update, so this migration drops them, masks, and creates the new ones, all in its one
   transaction (a failure leaves the old triggers and the old rows).
"""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-11-30T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "personal_data_access log; audit_log.redacted_at; birth date, phone, e-mail masked in the audit log"

AUDIT_MESSAGE = "audit_log is append-only: its rows cannot be changed or deleted"
ACCESS_MESSAGE = "personal_data_access is append-only: its rows cannot be changed or deleted"

_KEPT = ("id", "created_at", "username", "action", "table_name", "row_id")
_UNCHANGED = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in (*_KEPT, "before", "after", "redacted_at"))
_REDACTION = " AND ".join([f'NEW."{c}" IS OLD."{c}"' for c in (*_KEPT, "user")] + [
    'OLD."redacted_at" IS NULL', 'NEW."redacted_at" IS NOT NULL', 'NEW."before" IS NULL', 'NEW."after" IS NULL'])

SQLITE = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW WHEN NOT ((OLD."user" IS NOT NULL AND NEW."user" IS NULL AND {_UNCHANGED}) OR ({_REDACTION}))
BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS personal_data_access_no_update BEFORE UPDATE ON personal_data_access
FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{ACCESS_MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS personal_data_access_no_delete BEFORE DELETE ON personal_data_access
FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{ACCESS_MESSAGE}'); END""",
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD."user" IS NOT NULL AND NEW."user" IS NULL
       AND (to_jsonb(NEW) - 'user') = (to_jsonb(OLD) - 'user') THEN
        RETURN NEW;  -- ON DELETE SET NULL of a deleted user account
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
       AND NEW.before IS NULL AND NEW.after IS NULL
       AND (to_jsonb(NEW) - 'before' - 'after' - 'redacted_at') = (to_jsonb(OLD) - 'before' - 'after' - 'redacted_at')
    THEN
        RETURN NEW;  -- an erasure (PDPL) empties the entry's content, once
    END IF;
    RAISE EXCEPTION '{AUDIT_MESSAGE} (%)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END
$$""",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    f"""CREATE OR REPLACE FUNCTION personal_data_access_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{ACCESS_MESSAGE} (%)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END
$$""",
    "DROP TRIGGER IF EXISTS personal_data_access_append_only ON personal_data_access",
    "CREATE TRIGGER personal_data_access_append_only BEFORE UPDATE OR DELETE ON personal_data_access "
    "FOR EACH ROW EXECUTE FUNCTION personal_data_access_append_only()",
    "DROP TRIGGER IF EXISTS personal_data_access_no_truncate ON personal_data_access",
    "CREATE TRIGGER personal_data_access_no_truncate BEFORE TRUNCATE ON personal_data_access "
    "FOR EACH STATEMENT EXECUTE FUNCTION personal_data_access_append_only()",
]


class PersonalDataAccess(Table, tablename="personal_data_access"):
    """The table as this migration creates it (frozen here; the live class is in ``training.people.tables``)."""

    created_at = Timestamptz(index=True)
    user_id = Integer(null=True, default=None)
    username = Varchar(length=100, default="")
    role = Varchar(length=20, default="")
    action = Varchar(length=20)
    person = Integer(null=True, default=None, index=True)
    person_count = Integer(default=0)
    export = Varchar(length=120, default="")
    route = Varchar(length=255, default="")


class AuditLog(Table, tablename="audit_log"):
    pass


async def _mask_person_rows() -> None:
    from training.records.rows import audit_json

    rows = await AuditLog.raw(
        "SELECT id, before, after FROM audit_log WHERE table_name = 'person' AND redacted_at IS NULL").run()
    for row in rows:
        for column in ("before", "after"):
            text = row[column]
            value = json.loads(text) if isinstance(text, str) else text
            if not isinstance(value, dict):
                continue
            masked = audit_json(value)
            if json.loads(masked) != value:
                await AuditLog.raw(f'UPDATE audit_log SET "{column}" = {{}} WHERE id = {{}}', masked, row["id"]).run()


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await PersonalDataAccess.create_table(if_not_exists=True).run()
        await AuditLog.alter().add_column("redacted_at", Timestamptz(null=True, default=None)).run()
        if engine.engine_type == "sqlite":
            await engine.run_ddl("DROP TRIGGER IF EXISTS audit_log_no_update")
            await _mask_person_rows()
            for sql in SQLITE[1:]:
                await engine.run_ddl(sql)
        else:
            await engine.run_ddl("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
            await _mask_person_rows()
            for sql in POSTGRES:
                await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
