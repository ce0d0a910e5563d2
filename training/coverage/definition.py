"""What counts as trained: THE one definition every coverage figure uses.

Ask "what counts as trained?" and the answer is here; the SQL fragments below are the only place it is
written, and the derived tables (``training.coverage.facts``), the report and the counts
(``training.coverage.figures``) all use them.

- **Active staff on a date D**: people whose ``active_from`` is empty or on/before D and whose
  ``active_to`` is empty or on/after D (``ACTIVE_ON``). A person who left before D does not count at all
  (neither in the denominator nor as trained).
- **A counting completion**: an enrolment whose class ended on/before D, with a *valid* outcome
  (``COUNTS_AS_COMPLETION``): it has a certificate with status ``valid``, or its status is ``completed``
  and none of its certificates is ``revoked``. So a revoked certificate takes the completion away (unless
  a valid re-issue exists); a completion without any certificate yet (refresher attestations are often
  printed later) counts.
- **People trained** (per level, and for "any level"): distinct active people with at least one
  counting completion of that level (``count_trained``); **share** = trained / active.
- **Person-times** in a period: counting completions whose class ended in the period (each
  refresher again; ``count_person_times``).
- Everything is counted under the person's 2025 province (``Person.province``; a person imported
  with a pre-2025 province carries both), so a 2016 Ninh Thuận record counts for Khánh Hòa. The
  legacy view groups by ``Person.legacy_province`` where it is set.

The counts read the two derived tables of ``training.coverage.facts`` (``CompletionFact``: one row per
counting-candidate enrolment with its ``valid`` flag; ``CoverageFact``: one row per trained person and
level, plus level ``any``), which carry the person's province, category, commune and active period so a
national figure is one scan and one GROUP BY without joins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from training.core.db import engine
from training.core.enums import Level, StaffCategory
from training.coverage.tables import CoverageFact

ANY = "any"  # the level of CoverageFact rows that stand for "any level"
LEVELS = [lv.value for lv in Level]
CATEGORIES = [c.value for c in StaffCategory]
EARLIEST = dt.date(2010, 1, 1)

# --- the definitions, as SQL over enrolment ``e`` and the person's active period ---------------

#: An enrolment that may count: completed, or with any certificate (valid or revoked).
COMPLETION_CANDIDATE = "(e.status = 'completed' OR EXISTS (SELECT 1 FROM certificate x WHERE x.enrolment = e.id))"

#: Whether a candidate counts (``valid``): a valid certificate, or completed with no revoked certificate.
COUNTS_AS_COMPLETION = """CASE
            WHEN EXISTS (SELECT 1 FROM certificate v WHERE v.enrolment = e.id AND v.status = 'valid') THEN TRUE
            WHEN e.status = 'completed'
                 AND NOT EXISTS (SELECT 1 FROM certificate r WHERE r.enrolment = e.id AND r.status = 'revoked')
            THEN TRUE ELSE FALSE END"""

#: Active on a date: format with ``d="{}"`` for a query parameter (used twice).
ACTIVE_ON = "(active_from IS NULL OR active_from <= {d}) AND (active_to IS NULL OR active_to >= {d})"


@dataclass(frozen=True)
class Scope:
    """What a report covers: the nation, one province or one commune (already access-checked)."""

    province: dict | None = None  # {"id", "code", "name"}
    commune: dict | None = None  # {"id", "code", "name", "province"}

    @property
    def kind(self) -> str:
        return "commune" if self.commune else "province" if self.province else "national"


# --- counting ----------------------------------------------------------------------------------

def filters(scope: Scope, category: str | None, group: str, alias: str = "") -> tuple[list[str], list[Any]]:
    """WHERE clauses (with ``{}`` parameters) for a scope, a category and a grouping column; ``alias``
    (e.g. ``"p."``) qualifies the columns."""
    where, params = [], []
    if scope.commune:
        where.append(f"{alias}commune = {{}}")
        params.append(scope.commune["id"])
    elif scope.province:
        where.append(f"{alias}province = {{}}")
        params.append(scope.province["id"])
    if category:
        where.append(f"{alias}staff_category = {{}}")
        params.append(category)
    if group == "legacy_province":
        where.append(f"{alias}legacy_province IS NOT NULL")
    return where, params


async def fact_rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Run a counting query (``{}`` parameters) over the people and the derived tables."""
    return await CoverageFact.raw(sql, *params).run()


async def count_active(day: dt.date, scope: Scope, category: str | None = None,
                       group: str = "province") -> dict[tuple[int | None, str], int]:
    """Active staff on ``day``: (group key, category) -> people."""
    where, params = filters(scope, category, group)
    where.insert(0, ACTIVE_ON.format(d="{}"))
    params = [day, day, *params]
    sql = (f"SELECT {group} AS unit, staff_category, COUNT(*) AS n FROM person WHERE " + " AND ".join(where)
           + f" GROUP BY {group}, staff_category")
    return {(r["unit"], r["staff_category"]): int(r["n"]) for r in await fact_rows(sql, params)}


async def count_trained(day: dt.date, scope: Scope, category: str | None = None, level: str | None = None,
                        group: str = "province") -> dict[tuple[int | None, str, str], int]:
    """People trained by ``day`` among the active: (group key, category, level or 'any') -> people."""
    where, params = filters(scope, category, group)
    where = ["first_on <= {}", ACTIVE_ON.format(d="{}"), *where]
    params = [day, day, day, *params]
    if level:
        where.append("level = {}")
        params.append(level)
    sql = (f"SELECT {group} AS unit, staff_category, level, COUNT(*) AS n FROM coverage_fact WHERE "
           + " AND ".join(where) + f" GROUP BY {group}, staff_category, level")
    return {(r["unit"], r["staff_category"], r["level"]): int(r["n"]) for r in await fact_rows(sql, params)}


async def count_person_times(start: dt.date, end: dt.date, scope: Scope, category: str | None = None,
                             level: str | None = None, group: str = "province"
                             ) -> dict[tuple[int | None, str, str], int]:
    """Counting completions whose class ended in [start, end]: (group key, category, level) -> person-times."""
    where, params = filters(scope, category, group)
    where = ["valid = TRUE", "completed_on >= {}", "completed_on <= {}", *where]
    params = [start, end, *params]
    if level:
        where.append("level = {}")
        params.append(level)
    sql = (f"SELECT {group} AS unit, staff_category, level, COUNT(*) AS n FROM completion_fact WHERE "
           + " AND ".join(where) + f" GROUP BY {group}, staff_category, level")
    return {(r["unit"], r["staff_category"], r["level"]): int(r["n"]) for r in await fact_rows(sql, params)}


# --- the same counts on several dates at once (the yearly trend: one query per figure, not per year) ----

def year_sql(column: str) -> str:
    """The year of a date column, as an integer, in the engine's SQL."""
    if engine().engine_type == "sqlite":
        return f"CAST(strftime('%Y', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"


def _dates_cte(days: list[dt.date]) -> str:
    """``WITH d(at) AS (VALUES …)``: one row per date, one ``{}`` parameter each (SQLite compares the ISO
    text it stores dates as; PostgreSQL needs the parameter's type)."""
    value = "({})" if engine().engine_type == "sqlite" else "(CAST({} AS DATE))"
    return "WITH d(at) AS (VALUES " + ", ".join([value] * len(days)) + ") "


async def count_active_on_days(days: list[dt.date], scope: Scope, category: str | None = None) -> dict[dt.date, int]:
    """Active staff on each of ``days`` (``count_active`` summed over the scope), in one query."""
    if not days:
        return {}
    where, params = filters(scope, category, "province", "p.")
    where.insert(0, ACTIVE_ON.replace("active_", "p.active_").format(d="d.at"))
    sql = (_dates_cte(days) + "SELECT d.at AS at, COUNT(*) AS n FROM d JOIN person p ON " + " AND ".join(where)
           + " GROUP BY d.at")
    return _by_day(days, await fact_rows(sql, [*days, *params]))


async def count_trained_on_days(days: list[dt.date], scope: Scope, category: str | None = None,
                                level: str = ANY) -> dict[dt.date, int]:
    """People trained by each of ``days`` among those active on it, at ``level`` (``count_trained`` summed
    over the scope), in one query."""
    if not days:
        return {}
    where, params = filters(scope, category, "province", "f.")
    where = ["f.first_on <= d.at", ACTIVE_ON.replace("active_", "f.active_").format(d="d.at"), "f.level = {}",
             *where]
    sql = (_dates_cte(days) + "SELECT d.at AS at, COUNT(*) AS n FROM d JOIN coverage_fact f ON "
           + " AND ".join(where) + " GROUP BY d.at")
    return _by_day(days, await fact_rows(sql, [*days, level, *params]))


async def count_person_times_by_year(start: dt.date, end: dt.date, scope: Scope, category: str | None = None,
                                     level: str | None = None) -> dict[int, int]:
    """Person-times of each year from ``start`` to ``end`` (``count_person_times`` of each year's part of the
    period, summed over the scope), in one query."""
    where, params = filters(scope, category, "province")
    where = ["valid = TRUE", "completed_on >= {}", "completed_on <= {}", *where]
    params = [start, end, *params]
    if level:
        where.append("level = {}")
        params.append(level)
    year = year_sql("completed_on")
    sql = (f"SELECT {year} AS y, COUNT(*) AS n FROM completion_fact WHERE " + " AND ".join(where)
           + f" GROUP BY {year}")
    return {int(r["y"]): int(r["n"]) for r in await fact_rows(sql, params)}


def _by_day(days: list[dt.date], rows: list[dict[str, Any]]) -> dict[dt.date, int]:
    """Counts keyed by the dates asked for (SQLite hands the VALUES dates back as text)."""
    found = {str(r["at"])[:10]: int(r["n"]) for r in rows}
    return {day: found.get(day.isoformat(), 0) for day in days}
