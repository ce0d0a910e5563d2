"""Signing keys and certificate PDFs move into the database (issue 14, item 1; ADR 0040).

- ``signing_key``: one row per Ed25519 key; the private key sealed with AES-GCM under a key derived
  from TRAINING_SECRET_KEY (``certificates.signing``); at most one ``is_current`` (partial unique index,
  which works on both engines). Keys found in ``<data folder>/keys/`` are imported at start-up by
  ``certificates.signing.check_signing_keys``, not here (a migration has no secret).
- ``certificate_pdf``: the stored PDF of a certificate per language, unique per (certificate, language).
  PDFs found in ``<data folder>/certificates/`` are imported when first needed
  (``certificates.storage.ensure_pdfs``), so this migration stays quick on a large database.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T00:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Signing keys and certificate PDFs in the database"

TABLES = {
    "sqlite": [
        """CREATE TABLE IF NOT EXISTS signing_key (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kid VARCHAR(20) NOT NULL UNIQUE,
    public_key VARCHAR(64) NOT NULL,
    private_key TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    is_current BOOLEAN NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS certificate_pdf (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate INTEGER NOT NULL REFERENCES certificate (id) ON DELETE CASCADE,
    language VARCHAR(2) NOT NULL DEFAULT 'vi',
    sha256 VARCHAR(64) NOT NULL,
    data BLOB NOT NULL)""",
    ],
    "postgres": [
        """CREATE TABLE IF NOT EXISTS signing_key (
    id SERIAL PRIMARY KEY,
    kid VARCHAR(20) NOT NULL UNIQUE,
    public_key VARCHAR(64) NOT NULL,
    private_key TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    is_current BOOLEAN NOT NULL DEFAULT false)""",
        """CREATE TABLE IF NOT EXISTS certificate_pdf (
    id SERIAL PRIMARY KEY,
    certificate INTEGER NOT NULL REFERENCES certificate (id) ON DELETE CASCADE,
    language VARCHAR(2) NOT NULL DEFAULT 'vi',
    sha256 VARCHAR(64) NOT NULL,
    data BYTEA NOT NULL)""",
        # PDFs are already compressed: keep them out of TOAST's pglz attempt.
        "ALTER TABLE certificate_pdf ALTER COLUMN data SET STORAGE EXTERNAL",
    ],
}
COMMON = [
    "CREATE UNIQUE INDEX IF NOT EXISTS signing_key_one_current ON signing_key (is_current) WHERE is_current",
    "CREATE UNIQUE INDEX IF NOT EXISTS certificate_pdf_one_per_language ON certificate_pdf (certificate, language)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        for sql in TABLES["sqlite" if db.engine_type == "sqlite" else "postgres"] + COMMON:
            await db.run_ddl(sql)

    async def undo():
        db = engine_finder()
        await db.run_ddl("DROP TABLE IF EXISTS certificate_pdf")
        await db.run_ddl("DROP TABLE IF EXISTS signing_key")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
