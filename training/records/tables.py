"""The audit log table (append-only; written only by ``training.records.audit``)."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class AuditLog(Table):
    """Every change made through the admin, the API or the command line."""

    created_at = Timestamptz(index=True)
    user = ForeignKey(references=BaseUser, null=True, on_delete=OnDelete.set_null)
    username = Varchar(length=100, default="")
    action = Varchar(length=20)  # create / update / delete / reopen …
    table_name = Varchar(length=60, index=True)
    row_id = Integer(null=True, default=None, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    # Set once when an erasure (PDPL) empties before/after of a person's rows; the only change the
    # append-only triggers allow besides ON DELETE SET NULL of ``user``.
    redacted_at = Timestamptz(null=True, default=None)
