"""A verification code on every certificate, and the issuer's province in the issuer snapshot.

- ``certificate.verification_code``: 8 characters of Crockford's base32 alphabet (see
  ``certificates.codes``). Certificates issued before get a fresh random code each (Python's
  ``secrets``, in batches); their PDFs are rendered again with the code when next needed (the
  change of SHA-256 is written to the audit log, see ``certificates.storage.ensure_pdfs``). Then the
  database holds the format on every path: a CHECK constraint on PostgreSQL, triggers on SQLite.
- ``issuer_snapshot`` gains ``province`` and ``province_kind`` (the issuing organisation's province
  as it is now), so the public verification names the issuer with its province
  ("TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA") from the frozen snapshot, as for new certificates.
"""

import json
import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T14:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Verification code on certificates; the issuer's province in the issuer snapshot"

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # as certificates.codes (a migration never imports app code)
CHECK = "certificate_verification_code_format"
PG_CONDITION = "verification_code ~ '^[0-9A-HJKMNP-TV-Z]{8}$'"
SQLITE_CONDITION = "NEW.verification_code GLOB '" + "[0-9A-HJKMNP-TV-Z]" * 8 + "'"
BATCH = 500


def _code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(8))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


async def backfill_codes(db) -> None:
    while True:
        rows = await db.run_ddl(f"SELECT id FROM certificate WHERE verification_code = '' ORDER BY id LIMIT {BATCH}")
        if not rows:
            return
        ids = [int(r["id"]) for r in rows]
        cases = " ".join(f"WHEN {i} THEN '{_code()}'" for i in ids)
        await db.run_ddl(f"UPDATE certificate SET verification_code = CASE id {cases} END "
                         f"WHERE id IN ({', '.join(map(str, ids))})")


async def backfill_provinces(db) -> None:
    pairs = await db.run_ddl(
        "SELECT DISTINCT c.issuer, c.issuer_snapshot, p.name AS province, p.kind AS province_kind "
        "FROM certificate c JOIN organisation o ON o.id = c.issuer LEFT JOIN province p ON p.id = o.province")
    for pair in pairs:
        try:
            snapshot = json.loads(pair["issuer_snapshot"] or "{}")
        except ValueError:
            continue
        if "province" in snapshot:
            continue
        snapshot["province"] = pair["province"] or ""
        snapshot["province_kind"] = pair["province_kind"] or ""
        new = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
        await db.run_ddl(f"UPDATE certificate SET issuer_snapshot = {_quote(new)} "
                         f"WHERE issuer = {int(pair['issuer'])} AND issuer_snapshot = {_quote(pair['issuer_snapshot'])}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        if db.engine_type == "sqlite":
            info = await db.run_ddl("PRAGMA table_info(certificate)")
            has_column = any(c["name"] == "verification_code" for c in info)
        else:
            info = await db.run_ddl("SELECT column_name FROM information_schema.columns "
                                    "WHERE table_name = 'certificate' AND column_name = 'verification_code'")
            has_column = bool(info)
        if not has_column:
            await db.run_ddl("ALTER TABLE certificate ADD COLUMN verification_code VARCHAR(8) NOT NULL DEFAULT ''")
        await backfill_codes(db)
        await backfill_provinces(db)
        if db.engine_type == "sqlite":
            for event in ("INSERT", "UPDATE"):
                await db.run_ddl(f"CREATE TRIGGER IF NOT EXISTS {CHECK}_{event.lower()} BEFORE {event} ON certificate "
                                 f"WHEN NOT ({SQLITE_CONDITION}) "
                                 f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {CHECK}'); END")
        else:
            await db.run_ddl(f"ALTER TABLE certificate DROP CONSTRAINT IF EXISTS {CHECK}")
            await db.run_ddl(f"ALTER TABLE certificate ADD CONSTRAINT {CHECK} CHECK ({PG_CONDITION})")

    async def undo():
        db = engine_finder()
        if db.engine_type == "sqlite":
            for event in ("insert", "update"):
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {CHECK}_{event}")
            await db.run_ddl("ALTER TABLE certificate DROP COLUMN verification_code")
        else:
            await db.run_ddl(f"ALTER TABLE certificate DROP CONSTRAINT IF EXISTS {CHECK}")
            await db.run_ddl("ALTER TABLE certificate DROP COLUMN IF EXISTS verification_code")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
