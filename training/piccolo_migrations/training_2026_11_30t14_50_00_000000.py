"""API tokens get a label, an expiry and the time of their last use (the next migration gives
existing tokens their expiry: piccolo runs a migration's raw steps before its added columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T14:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "API token label, expiry and last use"


def _params(**extra):
    params = {"null": True, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(extra)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="training", description=DESCRIPTION)
    manager.add_column(table_class_name="ApiToken", tablename="api_token", column_name="label",
                       db_column_name="label", column_class_name="Varchar", column_class=Varchar,
                       params=_params(length=100, default="", null=False), schema=None)
    for name in ("expires_at", "last_used_at"):
        manager.add_column(table_class_name="ApiToken", tablename="api_token", column_name=name,
                           db_column_name=name, column_class_name="Timestamptz", column_class=Timestamptz,
                           params=_params(default=None), schema=None)

    return manager
