"""Coverage figures: the share of active staff trained per province, category and level on a date, with
targets and gaps; the yearly trend; communes without a trained collaborator; the counts of /api/counts.

What counts as trained (and as a person-time) is defined once, in ``training.coverage.definition``;
this module checks the input, decides what the caller may see (``resolve_scope``) and assembles the
figures from those counts. Downloads are in ``training.coverage.reports``, targets in
``training.coverage.targets``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from training.auth.access import Actor
from training.core.errors import DomainError, NotFound, PermissionDenied
from training.core.i18n import N_, _
from training.coverage.definition import (
    ACTIVE_ON,
    ANY,
    CATEGORIES,
    EARLIEST,
    LEVELS,
    Scope,
    count_active,
    count_active_on_days,
    count_person_times,
    count_person_times_by_year,
    count_trained,
    count_trained_on_days,
    fact_rows,
    year_sql,
)
from training.coverage.tables import CompletionFact
from training.coverage.targets import applicable_target, gap_people, load_targets
from training.reference.tables import Commune, LegacyProvince, Province
from training.spreadsheets.reading import CellError, parse_date

# --- input checks ------------------------------------------------------------------------------

def _bad(error_code: str, msgid: str, fld: str, /, **params) -> DomainError:
    return DomainError.single(error_code, msgid, fld, http_status=400, **params)


def parse_day(value: str | dt.date | None, fld: str = "date", default: dt.date | None = None) -> dt.date:
    """A report date: dd/mm/yyyy or yyyy-mm-dd, not in the future and not before 2010."""
    if value is None or (isinstance(value, str) and not value.strip()):
        day = default or dt.date.today()
    else:
        try:
            day = parse_date(value)
        except CellError as exc:
            raise _bad("date_invalid", N_("\"{value}\" is not a date; write it as dd/mm/yyyy"), fld,
                       value=str(value)) from exc
        if day is None:
            day = default or dt.date.today()
    if day > dt.date.today():
        raise _bad("date_future", N_("{date} is in the future; choose today or an earlier date"), fld,
                   date=day.strftime("%d/%m/%Y"))
    if day < EARLIEST:
        raise _bad("date_too_early", N_("{date} is before 01/01/2010; figures start in 2010"), fld,
                   date=day.strftime("%d/%m/%Y"))
    return day


def check_category(value: str | None, fld: str = "category") -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value not in CATEGORIES:
        raise _bad("unknown_category", N_("\"{value}\" is not a staff category; use one of: {choices}"),
                   fld, value=value, choices=", ".join(CATEGORIES))
    return value


def check_level(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value not in LEVELS:
        raise _bad("unknown_level", N_("\"{value}\" is not a training level; use one of: {choices}"),
                   "level", value=value, choices=", ".join(LEVELS))
    return value

async def resolve_scope(actor: Actor, province_code: str | None = None, commune_code: str | None = None,
                        default_own: bool = True) -> Scope:
    """Check who may see what: coordinators everything, a department its own province (another province's
    figures answer 404, as rows of another province do), learners nothing (403). Unknown codes: 400."""
    if not (actor.is_coordinator or actor.is_department):
        raise PermissionDenied.single("forbidden", N_("Your account cannot do this."))
    province = None
    if province_code is not None and province_code.strip():
        code = province_code.strip().zfill(2)
        province = await Province.select(Province.id, Province.code, Province.name).where(
            Province.code == code).first().run()
        if province is None:
            raise _bad("unknown_province", N_("There is no province with code {code}."), "province",
                       code=province_code.strip())
    commune = None
    if commune_code is not None and commune_code.strip():
        code = commune_code.strip().zfill(5)
        commune = await Commune.select(Commune.id, Commune.code, Commune.name, Commune.province).where(
            Commune.code == code).first().run()
        if commune is None:
            raise _bad("unknown_commune", N_("There is no commune with code {code}."), "commune",
                       code=commune_code.strip())
        if province is not None and commune["province"] != province["id"]:
            raise _bad("commune_other_province", N_("commune {code} is not in province {province}"), "commune",
                       code=commune["code"], province=province["name"])
        if province is None:
            province = await Province.select(Province.id, Province.code, Province.name).where(
                Province.id == commune["province"]).first().run()
    if actor.is_department:
        if province is None:
            if not default_own:
                raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
            province = await Province.select(Province.id, Province.code, Province.name).where(
                Province.id == actor.province_id).first().run()
        elif province["id"] != actor.province_id:
            raise NotFound.single("other_province_figures",
                                  N_("There are no figures of this province for your account: you can only see "
                                     "your own province."), "province")
    return Scope(province=province, commune=commune)


# --- /api/counts: the same definitions, over a period and grouped -------------------------------------

COUNT_GROUPS = ("province", "staff_category", "level", "year")


async def trained_counts(actor: Actor, start: dt.date | str | None = None, end: dt.date | str | None = None,
                         province_code: str | None = None, category: str | None = None, level: str | None = None,
                         group_by: Iterable[str] = ()) -> list[dict[str, Any]]:
    """People trained and person-times from ``start`` (default: every year) to ``end`` (default today), with the
    definitions of the coverage report, grouped by any of province, staff_category, level, year:

    - **person-times**: counting completions whose class ended in the period (each refresher again), whatever
      the person's status, exactly as ``count_person_times``;
    - **people**: distinct people *active on* ``end`` with a counting completion in the period; without
      ``start`` this is the report's "people trained" on ``end`` (``count_trained``).

    ``year`` is the year the class ended. Same access as the report: a department gets its own province and
    another province answers 404; learners 403; bad input 400.
    """
    groups = [g for g in dict.fromkeys(group_by)]
    unknown = [g for g in groups if g not in COUNT_GROUPS]
    if unknown:
        raise _bad("unknown_group", N_("Unknown grouping: {names}"), "group_by", names=", ".join(unknown))
    end_day = parse_day(end, "end")
    start_day = parse_day(start, "start") if start is not None and str(start).strip() else None
    if start_day is not None and start_day > end_day:
        raise _bad("end_before_start", N_("must not be before {start} ({start_value})"), "end",
                   start="start", start_value=start_day.strftime("%d/%m/%Y"))
    category, level = check_category(category, "staff_category"), check_level(level)
    scope = await resolve_scope(actor, province_code)
    columns = {"province": "pr.code", "staff_category": "f.staff_category", "level": "f.level",
               "year": year_sql("f.completed_on")}
    where, params = ["f.valid = TRUE", "f.completed_on <= {}"], [end_day]
    for value, clause in ((start_day, "f.completed_on >= {}"), (scope.province["id"] if scope.province else None,
                                                                "f.province = {}"),
                          (category, "f.staff_category = {}"), (level, "f.level = {}")):
        if value is not None:
            where.append(clause)
            params.append(value)
    selected = "".join(f"{columns[g]} AS {g}, " for g in groups)
    group_sql = (" GROUP BY " + ", ".join(columns[g] for g in groups)) if groups else ""
    base = " FROM completion_fact f JOIN province pr ON pr.id = f.province"
    times_sql = f"SELECT {selected}COUNT(*) AS n{base} WHERE " + " AND ".join(where) + group_sql
    active = ACTIVE_ON.replace("active_", "p.active_").format(d="{}")
    people_sql = (f"SELECT {selected}COUNT(DISTINCT f.person) AS n{base} JOIN person p ON p.id = f.person WHERE "
                  + " AND ".join([*where, active]) + group_sql)
    times = {tuple(r[g] for g in groups): int(r["n"]) for r in await fact_rows(times_sql, params)}
    people = {tuple(r[g] for g in groups): int(r["n"])
              for r in await fact_rows(people_sql, [*params, end_day, end_day])}
    keys = sorted(set(times) | set(people), key=lambda k: tuple((v is None, str(v)) for v in k))
    if not groups and not keys:
        keys = [()]
    out = []
    for key in keys:
        row: dict[str, Any] = dict(zip(groups, key, strict=True))
        if row.get("year") is not None:
            row["year"] = int(row["year"])
        out.append({**row, "people": people.get(key, 0), "person_times": times.get(key, 0)})
    return out


# --- the report --------------------------------------------------------------------------------

@dataclass
class CoverageRow:
    unit_code: str | None  # province (or legacy province, or commune) code; None for the total
    unit_name: str
    staff_category: str | None  # None: all categories
    level: str | None  # None: any level
    active: int
    trained: int
    person_times: int
    target: float | None = None
    target_year: int | None = None
    target_note: str = ""

    @property
    def share(self) -> float | None:
        return self.trained / self.active if self.active else None

    @property
    def gap(self) -> int | None:
        return gap_people(self.target, self.active, self.trained)


@dataclass
class CoverageReport:
    date: dt.date
    start: dt.date
    end: dt.date
    scope: Scope
    view: str  # "province" (2025 units) or "legacy" (63 units before 2025)
    category: str | None
    level: str | None
    rows: list[CoverageRow] = field(default_factory=list)

    def row(self, unit_code: str | None, category: str | None = None, level: str | None = None) -> CoverageRow | None:
        for r in self.rows:
            if (r.unit_code, r.staff_category, r.level) == (unit_code, category, level):
                return r
        return None


async def coverage(actor: Actor, day: dt.date | str | None = None, province_code: str | None = None,
                   category: str | None = None, level: str | None = None, commune_code: str | None = None,
                   start: dt.date | str | None = None, view: str = "province",
                   all_provinces: bool = False) -> CoverageReport:
    """Coverage on ``day`` for the scope (nation / province / commune), per category and level (plus all
    categories and any level) with targets and gaps, and person-times from ``start`` (default: 1 January
    of ``day``'s year) to ``day``.

    National scope (or ``all_provinces``): one unit per province (``view="legacy"``: per pre-2025 province)
    and a total row (unit None). Province or commune scope: one unit.
    """
    day = parse_day(day) if not isinstance(day, dt.date) else parse_day(day.isoformat())
    category, level = check_category(category), check_level(level)
    start_day = parse_day(start, "start", default=dt.date(day.year, 1, 1)) if start else dt.date(day.year, 1, 1)
    if start_day > day:
        raise _bad("start_after_date", N_("must not be after the report date ({date})"), "start",
                   date=day.strftime("%d/%m/%Y"))
    if view not in ("province", "legacy"):
        raise _bad("unknown_view", N_("\"{value}\" is not a view; use province or legacy"), "view", value=view)
    scope = await resolve_scope(actor, province_code, commune_code)
    report = CoverageReport(date=day, start=start_day, end=day, scope=scope, view=view, category=category,
                            level=level)
    group = "legacy_province" if view == "legacy" else "province"
    active = await count_active(day, scope, category, group)
    trained = await count_trained(day, scope, category, level, group)
    times = await count_person_times(start_day, day, scope, category, level, group)
    targets = await load_targets()

    categories = [category] if category else [None, *CATEGORIES]
    levels = [level] if level else [None, *LEVELS]
    per_unit = scope.kind == "national" or view == "legacy"
    if per_unit:
        units = await _units(scope, view)
        keys = [(u["id"], u["code"], u["name"], u["province"]) for u in units]
        keys.append((None, None, _("Whole country") if scope.kind == "national" else _("Total"), None))
    else:
        unit = scope.commune or scope.province
        keys = [(scope.province["id"], unit["code"], unit["name"], scope.province["id"])]
    own = scope.province["id"] if scope.province else None
    n_active = _sums(active, per_unit, own)
    n_trained = _sums(trained, per_unit, own)
    n_times = _sums(times, per_unit, own, any_level=True)

    for unit_key, code, name, province_id in keys:
        for cat in categories:
            for lev in levels:
                target = applicable_target(targets, province_id or own, cat, lev, day.year)
                report.rows.append(CoverageRow(
                    unit_code=code, unit_name=name, staff_category=cat, level=lev,
                    active=n_active.get((unit_key, cat), 0), trained=n_trained.get((unit_key, cat, lev or ANY), 0),
                    person_times=n_times.get((unit_key, cat, lev or ANY), 0),
                    target=target["target_share"] if target else None,
                    target_year=target["year"] if target else None, target_note=target["note"] if target else ""))
    return report


def _sums(counts: dict[tuple, int], per_unit: bool, own: int | None, any_level: bool = False) -> dict[tuple, int]:
    """Counts keyed (unit, category[, level]) summed also over all categories (None) and over all units
    (None); with ``any_level``, also over levels into level ``any`` (person-times add up, people do not)."""
    out: dict[tuple, int] = defaultdict(int)
    for key, n in counts.items():
        unit = key[0] if per_unit else own
        rest = key[2:]
        levels = [rest, (ANY,)] if any_level and rest else [rest]
        for lev in levels:
            for u in {unit, None} if per_unit else {unit}:
                for c in (key[1], None):
                    out[(u, c, *lev)] += n
    return out


async def _units(scope: Scope, view: str) -> list[dict[str, Any]]:
    if view == "legacy":
        query = LegacyProvince.select(LegacyProvince.id, LegacyProvince.code, LegacyProvince.name,
                                      LegacyProvince.province).order_by(LegacyProvince.code)
        if scope.province:
            query = query.where(LegacyProvince.province == scope.province["id"])
        return await query.run()
    query = Province.select(Province.id, Province.code, Province.name, Province.id.as_alias("province")).order_by(
        Province.code)
    if scope.province:
        query = query.where(Province.id == scope.province["id"])
    return await query.run()


async def trend(actor: Actor, day: dt.date, province_code: str | None, category: str | None = None,
                level: str | None = None, first_year: int | None = None, scope: Scope | None = None
                ) -> list[dict[str, Any]]:
    """Share trained at the end of each year (``day`` for its own year), with person-times of that year.
    ``scope``: the one ``resolve_scope`` already gave for this actor and province (the dashboard's report),
    so the check is not made twice. Four queries, whatever the number of years."""
    scope = scope or await resolve_scope(actor, province_code)
    category, level = check_category(category), check_level(level)
    if first_year is None:
        query = CompletionFact.select(CompletionFact.completed_on).order_by(CompletionFact.completed_on).first()
        if scope.province:
            query = query.where(CompletionFact.province == scope.province["id"])
        first = await query.run()
        first_year = max(first["completed_on"].year if first else day.year, EARLIEST.year)
    days = [min(day, dt.date(year, 12, 31)) for year in range(first_year, day.year + 1)]
    active = await count_active_on_days(days, scope, category)
    trained = await count_trained_on_days(days, scope, category, level or ANY)
    times = await count_person_times_by_year(dt.date(first_year, 1, 1), day, scope, category, level)
    return [{"year": at.year, "date": at, "active": active[at], "trained": trained[at],
             "person_times": times.get(at.year, 0), "share": trained[at] / active[at] if active[at] else None}
            for at in days]


async def communes_without_trained(actor: Actor, day: dt.date, province_code: str,
                                   category: str = "collaborator", scope: Scope | None = None
                                   ) -> list[dict[str, Any]]:
    """Communes of a province with no active trained person of ``category`` (default: collaborators);
    ``scope`` as in ``trend``."""
    scope = scope or await resolve_scope(actor, province_code)
    if scope.province is None:
        raise _bad("required", N_("is required"), "province")
    province = scope.province["id"]
    trained = ("SELECT commune FROM coverage_fact WHERE level = 'any' AND staff_category = {} AND first_on <= {} AND "
               + ACTIVE_ON.format(d="{}") + " AND province = {} AND commune IS NOT NULL")
    active = ("SELECT commune, COUNT(*) AS n FROM person WHERE staff_category = {} AND " + ACTIVE_ON.format(d="{}")
              + " AND province = {} AND commune IS NOT NULL GROUP BY commune")
    sql = (f"SELECT c.id AS id, c.code AS code, c.name AS name, COALESCE(a.n, 0) AS active FROM commune c "
           f"LEFT JOIN ({active}) a ON a.commune = c.id WHERE c.province = {{}} AND c.id NOT IN ({trained}) "
           "ORDER BY c.code")
    rows = await fact_rows(sql, [category, day, day, province, province, category, day, day, day, province])
    return [{**r, "active": int(r["active"])} for r in rows]


def by_unit(report: CoverageReport) -> dict[str | None, dict[tuple[str | None, str | None], CoverageRow]]:
    out: dict[str | None, dict] = defaultdict(dict)
    for r in report.rows:
        out[r.unit_code][(r.staff_category, r.level)] = r
    return out
