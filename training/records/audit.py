"""The audit log's one writer: every ``AuditLog`` row is inserted by ``audit`` or ``audit_many``.

A row's ``before`` and ``after`` are stored as JSON text (``audit_json``): personal fields masked
(``validation.mask_personal``), secrets (password and token hashes) left out, dates as ISO text. An
entry without an actor (a background job, the demo, a re-render) is written as user ``system``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from piccolo.table import Table

from training.auth.access import Actor
from training.core.db import chunks
from training.records.tables import AuditLog
from training.records.validation import MASKED_FIELDS, mask_personal

PERSONAL_FIELDS = set(MASKED_FIELDS)
# Never written to the audit log at all: a password hash, an API token hash.
SECRET_FIELDS = {"password", "token_hash"}
SYSTEM = "system"
"""The user name of entries written without an actor."""


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in PERSONAL_FIELDS and value:
            value = mask_personal(key, value)
        elif key in SECRET_FIELDS:
            continue
        elif isinstance(value, dt.datetime | dt.date | dt.time):
            value = value.isoformat()
        out[key] = value
    return out


def audit_json(row: dict[str, Any]) -> str:
    """The JSON text the audit log stores for a row's ``before`` or ``after``."""
    return json.dumps(_jsonable(row), ensure_ascii=False)


async def audit_many(actor: Actor | None, action: str, table: type[Table] | str,
                     entries: Iterable[tuple[int | None, dict | None, dict | None]]) -> None:
    """One audit entry per ``(row_id, before, after)``, all with the same time, inserted many at a time
    (inside the caller's transaction, when there is one). ``actor`` None writes user ``system``."""
    now = dt.datetime.now(dt.UTC)
    name = table if isinstance(table, str) else table._meta.tablename
    rows = [AuditLog(created_at=now, user=actor.user_id if actor else None,
                     username=actor.username if actor else SYSTEM, action=action, table_name=name, row_id=row_id,
                     before=audit_json(before) if before is not None else None,
                     after=audit_json(after) if after is not None else None)
            for row_id, before, after in entries]
    for part in chunks(rows, 200):
        await AuditLog.insert(*part).run()


async def audit_rows(actor: Actor | None, action: str, table: type[Table] | str, rows: Iterable[dict]) -> None:
    """One entry per row (``audit_many``): its ``id``, no ``before``, the row as ``after`` (bulk creates,
    and bulk updates recorded by the changed fields)."""
    await audit_many(actor, action, table, [(row["id"], None, row) for row in rows])


async def audit(actor: Actor | None, action: str, table: type[Table] | str, row_id: int | None,
                before: dict | None, after: dict | None) -> None:
    """One audit entry: who (``actor``) did ``action`` to row ``row_id`` of ``table``, and the row
    before and after (either may be None)."""
    await audit_many(actor, action, table, [(row_id, before, after)])
