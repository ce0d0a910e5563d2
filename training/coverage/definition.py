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

def filters(scope: Scope, category: str | None, group: str) -> tuple[list[str], list[Any]]:
    """WHERE clauses (with ``{}`` parameters) for a scope, a category and a grouping column."""
    where, params = [], []
    if scope.commune:
        where.append("commune = {}")
        params.append(scope.commune["id"])
    elif scope.province:
        where.append("province = {}")
        params.append(scope.province["id"])
    if category:
        where.append("staff_category = {}")
        params.append(category)
    if group == "legacy_province":
        where.append("legacy_province IS NOT NULL")
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
