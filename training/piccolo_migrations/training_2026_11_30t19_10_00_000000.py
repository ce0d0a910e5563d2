"""Trainers (ADR 0031): the courses a trainer-of-trainers course qualifies its graduates for
(``course_qualification``), the class that granted a trainer's course (``trainer_course.granted_by``), and the
qualified-trainer rule held by the database itself: a session may name a trainer only if the trainer may teach
the course of the session's class (a ``trainer_course`` row), and that row cannot be deleted while a session
from today on relies on it. SQLite: triggers; PostgreSQL: trigger functions (the check locks the
``trainer_course`` row it relies on, so a concurrent delete waits for the session's transaction)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Course qualifications of trainer-of-trainers courses; qualified trainers held by the database"

QUALIFIED = "class_session_trainer_qualified"
RELIED_ON = "trainer_course_relied_on"

TABLE = {
    "sqlite": """CREATE TABLE IF NOT EXISTS course_qualification (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tot_course INTEGER NOT NULL REFERENCES course (id) ON DELETE CASCADE,
    course INTEGER NOT NULL REFERENCES course (id) ON DELETE CASCADE)""",
    "postgres": """CREATE TABLE IF NOT EXISTS course_qualification (
    id SERIAL PRIMARY KEY,
    tot_course INTEGER NOT NULL REFERENCES course (id) ON DELETE CASCADE,
    course INTEGER NOT NULL REFERENCES course (id) ON DELETE CASCADE)""",
}
COMMON = [
    "CREATE UNIQUE INDEX IF NOT EXISTS course_qualification_pair ON course_qualification (tot_course, course)",
    "ALTER TABLE trainer_course ADD COLUMN granted_by INTEGER NULL REFERENCES training_class (id) ON DELETE SET NULL",
    "CREATE INDEX IF NOT EXISTS trainer_course_trainer_course ON trainer_course (trainer, course)",
]

# The session's trainer may teach the course of its class.
_QUALIFIED_SQLITE = ("NEW.trainer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM trainer_course tc JOIN training_class c "
                     "ON c.course = tc.course WHERE c.id = NEW.training_class AND tc.trainer = NEW.trainer)")
_RELIED_ON_SQLITE = ("EXISTS (SELECT 1 FROM class_session s JOIN training_class c ON c.id = s.training_class "
                     "WHERE s.trainer = OLD.trainer AND c.course = OLD.course AND s.session_date >= date('now') "
                     "AND NOT EXISTS (SELECT 1 FROM trainer_course o WHERE o.trainer = OLD.trainer "
                     "AND o.course = OLD.course AND o.id <> OLD.id))")
SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS {QUALIFIED}_insert BEFORE INSERT ON class_session
WHEN {_QUALIFIED_SQLITE} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {QUALIFIED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {QUALIFIED}_update BEFORE UPDATE OF trainer, training_class ON class_session
WHEN {_QUALIFIED_SQLITE} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {QUALIFIED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {RELIED_ON}_delete BEFORE DELETE ON trainer_course
WHEN {_RELIED_ON_SQLITE} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {RELIED_ON}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {RELIED_ON}_update BEFORE UPDATE OF trainer, course ON trainer_course
WHEN {_RELIED_ON_SQLITE} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {RELIED_ON}'); END""",
]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION {QUALIFIED}() RETURNS trigger AS $$
BEGIN
    IF NEW.trainer IS NOT NULL THEN
        PERFORM 1 FROM trainer_course tc JOIN training_class c ON c.course = tc.course
            WHERE c.id = NEW.training_class AND tc.trainer = NEW.trainer FOR KEY SHARE OF tc;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'CHECK constraint failed: {QUALIFIED}' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {QUALIFIED} ON class_session",
    f"""CREATE TRIGGER {QUALIFIED} BEFORE INSERT OR UPDATE OF trainer, training_class ON class_session
FOR EACH ROW EXECUTE FUNCTION {QUALIFIED}()""",
    f"""CREATE OR REPLACE FUNCTION {RELIED_ON}() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM class_session s JOIN training_class c ON c.id = s.training_class
               WHERE s.trainer = OLD.trainer AND c.course = OLD.course AND s.session_date >= CURRENT_DATE
               AND NOT EXISTS (SELECT 1 FROM trainer_course o WHERE o.trainer = OLD.trainer
                               AND o.course = OLD.course AND o.id <> OLD.id)) THEN
        RAISE EXCEPTION 'CHECK constraint failed: {RELIED_ON}' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {RELIED_ON} ON trainer_course",
    f"""CREATE TRIGGER {RELIED_ON} BEFORE DELETE OR UPDATE OF trainer, course ON trainer_course
FOR EACH ROW EXECUTE FUNCTION {RELIED_ON}()""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        kind = "sqlite" if engine.engine_type == "sqlite" else "postgres"
        await engine.run_ddl(TABLE[kind])
        for sql in COMMON + (SQLITE if kind == "sqlite" else POSTGRES):
            await engine.run_ddl(sql)

    async def undo():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for name in (f"{QUALIFIED}_insert", f"{QUALIFIED}_update", f"{RELIED_ON}_delete", f"{RELIED_ON}_update"):
                await engine.run_ddl(f"DROP TRIGGER IF EXISTS {name}")
        else:
            await engine.run_ddl(f"DROP TRIGGER IF EXISTS {QUALIFIED} ON class_session")
            await engine.run_ddl(f"DROP TRIGGER IF EXISTS {RELIED_ON} ON trainer_course")
            await engine.run_ddl(f"DROP FUNCTION IF EXISTS {QUALIFIED}()")
            await engine.run_ddl(f"DROP FUNCTION IF EXISTS {RELIED_ON}()")
        await engine.run_ddl("DROP INDEX IF EXISTS trainer_course_trainer_course")
        await engine.run_ddl("ALTER TABLE trainer_course DROP COLUMN granted_by")
        await engine.run_ddl("DROP TABLE IF EXISTS course_qualification")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
