"""One-time account codes and invitation sheets (issue 13, ADR 0038): ``account_code`` (HMAC of an activation
or reset code, one per account and purpose) and ``invitation_sheet`` (the printable sheet of one invitation)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T00:03:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Account codes and invitation sheets"

_CODE = """
    user INTEGER NOT NULL REFERENCES piccolo_user (id) ON DELETE CASCADE,
    purpose VARCHAR(12) NOT NULL CHECK (purpose IN ('activation', 'reset')),
    code_hash VARCHAR(64) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ NULL,
    failures INTEGER NOT NULL DEFAULT 0"""
_SHEET = """
    user INTEGER NOT NULL REFERENCES piccolo_user (id) ON DELETE CASCADE,
    label VARCHAR(100) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    counts JSON NOT NULL DEFAULT '{}',
    people INTEGER NOT NULL DEFAULT 0,
    pdf {blob} NULL"""
ID_COLUMN = {"sqlite": "id INTEGER PRIMARY KEY AUTOINCREMENT,", "postgres": "id SERIAL PRIMARY KEY,"}
BLOB = {"sqlite": "BLOB", "postgres": "BYTEA"}
INDEXES = [
    # One live code per account and purpose: a new code replaces the old one (the row is rewritten).
    'CREATE UNIQUE INDEX IF NOT EXISTS account_code_user_purpose ON account_code ("user", purpose)',
    'CREATE INDEX IF NOT EXISTS invitation_sheet_user ON invitation_sheet ("user")',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        kind = "sqlite" if engine.engine_type == "sqlite" else "postgres"
        code = _CODE.replace("user INTEGER", '"user" INTEGER')
        sheet = _SHEET.replace("user INTEGER", '"user" INTEGER').replace("{blob}", BLOB[kind])
        await engine.run_ddl(f"CREATE TABLE IF NOT EXISTS account_code ({ID_COLUMN[kind]}{code})")
        await engine.run_ddl(f"CREATE TABLE IF NOT EXISTS invitation_sheet ({ID_COLUMN[kind]}{sheet})")
        for sql in INDEXES:
            await engine.run_ddl(sql)

    async def undo():
        engine = engine_finder()
        await engine.run_ddl("DROP TABLE IF EXISTS invitation_sheet")
        await engine.run_ddl("DROP TABLE IF EXISTS account_code")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
