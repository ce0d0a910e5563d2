"""Records you can trust: safe, unique number prefixes; at most one valid certificate per enrolment.

- Every issuer profile gets a prefix of 2–12 characters ``[A-Z0-9-]`` (an empty or unsafe one
  becomes ``CS<organisation id>``; a repeated one gets the profile id appended), then a unique
  index on the prefix.
- Certificates issued twice for one enrolment by concurrent requests (possible before this
  migration on PostgreSQL): the later copies are marked revoked with a reason, never deleted
  (numbers stay in the register), then a partial unique index allows one valid certificate per
  enrolment.
"""

import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Safe unique number prefixes; one valid certificate per enrolment"

PREFIX = re.compile(r"[A-Z0-9-]{2,12}")
DUPLICATE_REASON = "Cấp trùng do hai yêu cầu cấp cùng lúc; chứng chỉ hợp lệ là {number}"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        profiles = await db.run_ddl("SELECT id, organisation, number_prefix FROM issuer_profile ORDER BY id")
        seen: set[str] = set()
        for p in profiles:
            prefix = (p["number_prefix"] or "").strip().upper()
            if not PREFIX.fullmatch(prefix):
                prefix = f"CS{p['organisation']}"
            if prefix in seen:
                prefix = f"{prefix[:7]}-{p['id']}"[:12]
            seen.add(prefix)
            if prefix != p["number_prefix"]:
                await db.run_ddl(f"UPDATE issuer_profile SET number_prefix = '{prefix}' WHERE id = {int(p['id'])}")
        duplicates = await db.run_ddl(
            "SELECT c.id, c.enrolment, first.number AS kept FROM certificate c "
            "JOIN certificate first ON first.enrolment = c.enrolment AND first.status = 'valid' AND first.id < c.id "
            "WHERE c.status = 'valid' ORDER BY c.id")
        for d in duplicates:
            reason = DUPLICATE_REASON.format(number=d["kept"]).replace("'", "''")
            await db.run_ddl(f"UPDATE certificate SET status = 'revoked', revoked_reason = '{reason}' "
                             f"WHERE id = {int(d['id'])} AND status = 'valid'")
        await db.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS issuer_profile_prefix_uniq "
                         "ON issuer_profile (number_prefix)")
        await db.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS certificate_valid_enrolment_uniq "
                         "ON certificate (enrolment) WHERE status = 'valid'")

    async def undo():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS certificate_valid_enrolment_uniq")
        await engine_finder().run_ddl("DROP INDEX IF EXISTS issuer_profile_prefix_uniq")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
