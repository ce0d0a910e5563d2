"""Tokens made before API tokens expired get the default lifetime counted from their creation
(90 days, or TRAINING_TOKEN_DAYS), so an old forgotten token stops working instead of living for
ever."""

import datetime as dt

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

from training.core.config import token_days

ID = "2026-11-30T14:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Existing API tokens expire"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)

    async def backfill():
        db = engine_finder()
        for row in await db.run_ddl("SELECT id, created_at FROM api_token WHERE expires_at IS NULL"):
            created = row["created_at"]
            if isinstance(created, str):  # SQLite keeps text
                created = dt.datetime.fromisoformat(created)
            if created.tzinfo is None:
                created = created.replace(tzinfo=dt.UTC)
            expires = (created + dt.timedelta(days=token_days())).astimezone(dt.UTC)
            await db.run_ddl(f"UPDATE api_token SET expires_at = '{expires}' WHERE id = {int(row['id'])}")

    manager.add_raw(backfill)
    manager.add_raw(backfill)
    return manager
