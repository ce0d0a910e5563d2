"""Counting what was trained: people (distinct persons) and person-times (completions).

A completion is an enrolment with status ``completed``; it is dated by its class's end date.
People are counted under their 2025 province (records imported with a legacy province carry the
2025 province too), so pre-2025 classes count for today's provinces.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from training.access import Actor
from training.db import engine
from training.errors import DomainError, PermissionDenied
from training.i18n import N_

GROUPS = {"province": "pr.code", "staff_category": "p.staff_category", "level": "c.level",
          "year": "EXTRACT(YEAR FROM tc.end_date)"}


async def count_trained(actor: Actor, start: dt.date | None = None, end: dt.date | None = None,
                        province_code: str | None = None, staff_category: str | None = None,
                        level: str | None = None, group_by: list[str] | None = None) -> list[dict[str, Any]]:
    """People trained and person-times, grouped by any of province, staff_category, level, year."""
    group_by = group_by or []
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise DomainError.single("unknown_group", N_("Unknown grouping: {names}"), "group_by",
                                 names=", ".join(unknown))
    if start and end and end < start:
        raise DomainError.single("end_before_start", N_("must not be before {start} ({start_value})"), "end",
                                 start="start", start_value=start.strftime("%d/%m/%Y"))
    if actor.is_department:
        own = await _province_code(actor.province_id)
        if province_code and province_code != own:
            raise PermissionDenied.single("other_province", N_("You can only see figures of your own province."),
                                          "province")
        province_code = own
    elif not actor.is_coordinator:
        raise PermissionDenied.single("forbidden", N_("Your account cannot do this."))
    db = engine()
    year_expr = "CAST(strftime('%Y', tc.end_date) AS INTEGER)" if db.engine_type == "sqlite" else \
        "CAST(EXTRACT(YEAR FROM tc.end_date) AS INTEGER)"
    columns = {**GROUPS, "year": year_expr}
    selected = [f"{columns[g]} AS {g}" for g in group_by]
    where, params = ["e.status = 'completed'"], []
    for value, clause in ((start, "tc.end_date >= {}"), (end, "tc.end_date <= {}"),
                          (province_code, "pr.code = {}"), (staff_category, "p.staff_category = {}"),
                          (level, "c.level = {}")):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = (
        "SELECT " + ", ".join([*selected, "COUNT(DISTINCT e.person) AS people", "COUNT(*) AS person_times"])
        + " FROM enrolment e JOIN training_class tc ON tc.id = e.training_class"
        " JOIN course c ON c.id = tc.course JOIN person p ON p.id = e.person"
        " JOIN province pr ON pr.id = p.province WHERE " + " AND ".join(where)
    )
    if group_by:
        sql += " GROUP BY " + ", ".join(columns[g] for g in group_by) + " ORDER BY " + ", ".join(
            columns[g] for g in group_by)
    from training.tables import Enrolment

    return [dict(r) for r in await Enrolment.raw(sql, *params).run()]


async def _province_code(province_id: int | None) -> str | None:
    from training.tables import Province

    row = await Province.select(Province.code).where(Province.id == province_id).first().run()
    return row["code"] if row else None
