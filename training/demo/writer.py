"""Writing the demo's plan: insert only what is missing, validated like user input.

Rows are looked up by natural keys (organisation name, person citizen ID or name and date of birth,
course code, class code, session (class, date, start time), enrolment (class, person), attendance
(session, enrolment), …) and only the missing ones are inserted, so a second run adds nothing. Every
row goes through ``training.records.validation.clean`` before a bulk insert.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from piccolo.table import Table

from training.core.db import chunks
from training.demo.plan import ClassPlan
from training.records.validation import clean

_CHUNK = 200


class Writer:
    """Inserts rows and counts them per table."""

    def __init__(self) -> None:
        self.added: dict[str, int] = defaultdict(int)

    async def insert(self, table: type[Table], rows: list[dict[str, Any]]) -> None:
        """Validate every row like user input, then insert them in bulk."""
        if not rows:
            return
        pk = table._meta.primary_key._meta.name
        defaults = {c._meta.name: c.get_default_value() for c in table._meta.columns if c._meta.name != pk}
        cleaned = [await clean(table, {**defaults, **row}) for row in rows]
        for part in chunks(cleaned, _CHUNK):
            await table.insert(*[table(**row) for row in part]).run()
        self.added[table._meta.tablename] += len(rows)


async def select_in(table: type[Table], column, values: list, *columns) -> list[dict[str, Any]]:
    """The rows whose ``column`` is one of ``values`` (in chunks), with these columns."""
    out: list[dict[str, Any]] = []
    for chunk in chunks(sorted(set(values), key=str), 500):
        if chunk:
            out.extend(await table.select(*columns).where(column.is_in(chunk)).run())
    return out


def time_key(value: Any) -> str:
    """A time as stored by either engine, as "HH:MM"."""
    return value.strftime("%H:%M") if isinstance(value, dt.time) else str(value)[:5]


def date_key(value: Any) -> str:
    """A date as stored by either engine, as "YYYY-MM-DD"."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


@dataclass
class Ids:
    """Database ids of the plan's rows by natural key, filled in step by step by ``training.demo.seed``."""

    province: dict[str, int]
    legacy: dict[str, int]
    commune: dict[str, int] = field(default_factory=dict)
    org: dict[str, int] = field(default_factory=dict)
    course: dict[str, int] = field(default_factory=dict)
    person: dict[int, int] = field(default_factory=dict)  # person ref -> id
    trainer: dict[int, int] = field(default_factory=dict)  # person ref -> trainer id
    klass: dict[str, int] = field(default_factory=dict)
    session: dict[tuple[int, str, str], int] = field(default_factory=dict)  # (class id, date, start)
    enrolment: dict[tuple[int, int], int] = field(default_factory=dict)  # (class id, person id)

    def session_key(self, c: ClassPlan, i: int) -> tuple[int, str, str]:
        day, (start, _end), _topic, _trainer = c.sessions[i]
        return self.klass[c.code], day.isoformat(), start.strftime("%H:%M")
