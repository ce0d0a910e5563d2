"""Số vào sổ unique per issuer and year; certificates found by the SHA-256 of their PDF."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T11:53:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique register numbers per issuer and year; PDF hash indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    INDEXES = {
        "certificate_register_uniq": "CREATE UNIQUE INDEX IF NOT EXISTS certificate_register_uniq "
                                     "ON certificate (issuer, register_year, register_number)",
        "certificate_pdf_sha256_idx": "CREATE INDEX IF NOT EXISTS certificate_pdf_sha256_idx ON certificate (pdf_sha256)",
        "certificate_pdf_en_sha256_idx": "CREATE INDEX IF NOT EXISTS certificate_pdf_en_sha256_idx "
                                         "ON certificate (pdf_en_sha256)",
    }

    async def run():
        for sql in INDEXES.values():
            await engine_finder().run_ddl(sql)

    async def undo():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
