"""The coverage dashboard: server-rendered HTML in Vietnamese, charts as inline SVG, tables under them.

``GET /dashboard`` (national: 34 provinces ranked, and the 63 provinces before 2025) and
``GET /dashboard/{province_code}`` (by category, by level, trend by year, communes without a trained
collaborator). Signed in with the admin's session cookie; a department account sees only its own
province (the national page sends it there; another province answers 404); learners get 403.
Downloads are the API's ``format=xlsx|csv`` on the same filters.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.numbers import format_decimal, format_percent
from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from training.auth.access import Actor
from training.core.collation import vi_sort_key
from training.core.errors import DomainError
from training.core.i18n import _, get_language
from training.core.reads import read_snapshot
from training.coverage import definition, figures, reports, targets
from training.reference.tables import Province
from training.web.auth import provide_actor
from training.web.charts import Bar, column_chart, fraction, hbar_chart, scrollable


# A province page formats some 230 numbers: Babel parses the locale (and the pattern) on every call, ~40 µs
# each. The locale is parsed once per language, and a formatted number is remembered (a pure function of
# the value, the pattern and the language: nothing stale to fear; the values repeat from page to page).
@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@functools.lru_cache(maxsize=8192, typed=True)
def _decimal(value: int | float, language: str) -> str:
    return format_decimal(value, locale=_locale(language))


@functools.lru_cache(maxsize=8192, typed=True)
def _percent(value: float, pattern: str, language: str) -> str:
    return format_percent(value, pattern, locale=_locale(language))


def num(value: int | float | None) -> str:
    return "—" if value is None else _decimal(value, get_language())


def pct(value: float | None) -> str:
    return "—" if value is None else _percent(value, "#,##0.0%", get_language())


def target_pct(value: float | None) -> str:
    return "—" if value is None else _percent(value, "#,##0.#%", get_language())


def gap_text(row: figures.CoverageRow) -> str:
    if row.target is None:
        return _("No target")
    if not row.active:
        return _("No active staff on record")
    if row.gap == 0:
        return _("Target of {share} reached", share=target_pct(row.target))
    who = reports.category_label(row.staff_category).lower() if row.staff_category else _("people")
    return _("{count} more {who} to reach {share}", count=num(row.gap), who=who, share=target_pct(row.target))


def _page(template: str, title: str, status: int = 200, **context: Any) -> Template:
    """A page of ``training/web/templates/dashboard/``."""
    return Template(template_name=template, context={"title": title, **context}, status_code=status,
                    media_type="text/html")


async def _actor(request: Request) -> Actor | Response:
    try:
        actor = await provide_actor(request)
    except DomainError as exc:
        if exc.status == 401:
            return Redirect("/admin/")  # sign in through the admin first
        return _page("dashboard/error.html", _("Access denied"), exc.status, heading=_("Access denied"),
                     message=exc.text())
    if not (actor.is_coordinator or actor.is_department):
        return _page("dashboard/error.html", _("Access denied"), 403, heading=_("Access denied"),
                     message=_("Your account cannot see the coverage dashboard."))
    return actor


def _error_page(exc: DomainError, title: str, filters: dict | None = None) -> Response:
    return _page("dashboard/error.html", title, exc.status, heading=title, filters=filters, message=exc.text(),
                 alert=True)


def _filters(action: str, day: str, category: str | None, level: str | None) -> dict[str, Any]:
    """What the filter form shows (``dashboard/parts.html::filters``)."""
    return {"action": action, "day": day, "today": dt.date.today().isoformat(),
            "categories": [(c or "", reports.category_label(c), c == category) for c in (None, *definition.CATEGORIES)],
            "levels": [(lv or "", reports.level_label(lv), lv == level) for lv in (None, *definition.LEVELS)]}


def _downloads(params: dict[str, str | None]) -> list[tuple[str, str]]:
    query = {k: v for k, v in params.items() if v}
    return [(f"/api/coverage?{urlencode({**query, 'format': fmt})}", text)
            for fmt, text in (("xlsx", _("Download XLSX")), ("csv", _("Download CSV")))]


def _bar(key: str, label: str, row: figures.CoverageRow, **extra: str) -> Bar:
    tooltip = _("{name}: {share} ({trained} of {active} trained); {gap}", name=label, share=pct(row.share),
                trained=num(row.trained), active=num(row.active), gap=gap_text(row))
    return Bar(key=key, label=label, value=row.share, text=pct(row.share), tooltip=tooltip, target=row.target,
               extra={"trained": str(row.trained), "active": str(row.active), **extra})


def _state(row: figures.CoverageRow) -> str:
    return "" if row.target is None or not row.active else ("reached" if row.gap == 0 else "missed")


def _table(caption: str, first: str, rows: list[tuple[str, str | None, figures.CoverageRow]], table_id: str,
           rank: bool = False) -> dict[str, Any]:
    """A coverage table (``dashboard/parts.html::coverage_table``): rows of (label, link or None, row)."""
    head = ([_("Rank")] if rank else []) + [first, _("Active staff"), _("People trained"), _("Share trained"),
                                             _("Target"), _("Gap"), _("Person-times")]
    lines = [{"label": label, "href": href, "active": num(r.active), "trained": num(r.trained),
              "fraction": fraction(r.share), "share": pct(r.share), "target": target_pct(r.target),
              "state": f" {_state(r)}" if _state(r) else "", "gap": gap_text(r), "times": num(r.person_times)}
             for label, href, r in rows]
    return {"id": table_id, "caption": caption, "head": head, "rank": rank, "rows": lines}


def _params(request: Request) -> tuple[str | None, str | None, str | None]:
    q = request.query_params
    return q.get("date") or None, q.get("category") or None, q.get("level") or None


def _scope_words(category: str | None, level: str | None) -> str:
    return _("{category}, {level}", category=reports.category_label(category), level=reports.level_label(level).lower())


@get("/dashboard", include_in_schema=False)
async def national_dashboard(request: Request) -> Response:
    async with read_snapshot():  # every query of the page on one connection (ADR 0044)
        return await _national_page(request)


async def _national_page(request: Request) -> Response:
    actor = await _actor(request)
    if isinstance(actor, Response):
        return actor
    date, category, level = _params(request)
    if actor.is_department:
        own = await Province.select(Province.code).where(Province.id == actor.province_id).first().run()
        query = urlencode({k: v for k, v in (("date", date), ("category", category), ("level", level)) if v})
        return Redirect(f"/dashboard/{own['code']}" + (f"?{query}" if query else ""))
    title = _("Trained share of social-work staff: whole country")
    try:
        report = await figures.coverage(actor, date, None, category, level)
        legacy = await figures.coverage(actor, report.date, None, category, level, view="legacy")
    except DomainError as exc:
        return _error_page(exc, title, _filters("/dashboard", date or "", None, None))
    category, level = report.category, report.level
    day = report.date
    rows = [r for r in report.rows if r.staff_category == category and r.level == level]
    total = next(r for r in rows if r.unit_code is None)
    provinces = sorted((r for r in rows if r.unit_code is not None),
                       key=lambda r: (-(r.share if r.share is not None else -1), vi_sort_key(r.unit_name)))
    national_target = targets.applicable_target(await targets.load_targets(), None, category, level, day.year)
    target = national_target["target_share"] if national_target else None
    target_label = _("Target {share}", share=target_pct(target)) if target is not None else ""
    words = _scope_words(category, level)
    bars = [_bar(r.unit_code or "", r.unit_name, r, code=r.unit_code or "") for r in provinces]
    chart = hbar_chart("chart-provinces", _("Share trained per province on {date}", date=day.strftime("%d/%m/%Y")),
                       _("{count} provinces ranked by the share of active staff trained ({words}); the dashed line "
                         "is the national target.", count=len(provinces), words=words), bars, target, target_label,
                       tick_text=target_pct)
    table = _table(_("Provinces ranked by share trained ({words})", words=words), _("Province"),
                   [(r.unit_name, f"/dashboard/{r.unit_code}", r) for r in provinces], "table-provinces", rank=True)
    legacy_rows = sorted((r for r in legacy.rows if r.staff_category == category and r.level == level
                          and r.unit_code is not None and r.active),
                         key=lambda r: (-(r.share if r.share is not None else -1), vi_sort_key(r.unit_name)))
    legacy_chart = hbar_chart(
        "chart-legacy", _("Share trained per province before 2025 on {date}", date=day.strftime("%d/%m/%Y")),
        _("Provinces before the 2025 merger, for people whose records carry one ({words}).", words=words),
        [_bar(r.unit_code or "", r.unit_name, r, code=r.unit_code or "") for r in legacy_rows], target, target_label,
        tick_text=target_pct) if legacy_rows else None
    legacy_table = _table(_("Provinces before 2025 ({words})", words=words), _("Province before 2025"),
                          [(f"{r.unit_code} – {r.unit_name}", None, r) for r in legacy_rows], "table-legacy",
                          rank=True) if legacy_rows else None
    params = {"date": day.isoformat(), "category": category, "level": level}
    return _page("dashboard/national.html", title, sub=_sub(day, report.start),
                 filters=_filters("/dashboard", day.isoformat(), category, level), cards=_cards(total),
                 chart=scrollable(chart), table=table, downloads=_downloads(params),
                 legacy_chart=scrollable(legacy_chart) if legacy_chart else None, legacy_table=legacy_table,
                 legacy_downloads=_downloads({**params, "view": "legacy"}))


def _sub(day: dt.date, start: dt.date) -> str:
    return _("On {date}: people with a valid completion of a qualifying level, among the staff active on that "
             "date. Person-times: completions from {start} to {date}.", date=day.strftime("%d/%m/%Y"),
             start=start.strftime("%d/%m/%Y"))


def _cards(row: figures.CoverageRow) -> dict[str, Any]:
    items = [(_("Active staff"), num(row.active)), (_("People trained"), num(row.trained)),
             (_("Share trained"), pct(row.share)), (_("Target"), target_pct(row.target)),
             (_("Person-times"), num(row.person_times))]
    return {"figures": items, "state": _state(row), "gap": gap_text(row)}


@get("/dashboard/{province_code:str}", include_in_schema=False)
async def province_dashboard(request: Request, province_code: FromPath[str]) -> Response:
    async with read_snapshot():  # every query of the page on one connection, held only while it reads (ADR 0044)
        found = await _province_figures(request, province_code)
    if isinstance(found, Response):
        return found
    return _province_page(province_code, *found)


async def _province_figures(request: Request, province_code: str) -> Response | tuple:
    """The figures of the province page (or the page that refuses them): the queries, and nothing else."""
    actor = await _actor(request)
    if isinstance(actor, Response):
        return actor
    date, category, level = _params(request)
    try:
        report = await figures.coverage(actor, date, province_code, None, None)
        category, level = figures.check_category(category), figures.check_level(level)
        years = await figures.trend(actor, report.date, province_code, category, level, scope=report.scope)
        communes = await figures.communes_without_trained(actor, report.date, province_code, scope=report.scope)
    except DomainError as exc:
        return _error_page(exc, _("Trained share of social-work staff"),
                           _filters(f"/dashboard/{province_code}", date or "", None, None))
    return report, category, level, years, communes


def _province_page(province_code: str, report: figures.CoverageReport, category: str | None, level: str | None,
                   years: list[dict[str, Any]], communes: list[dict[str, Any]]) -> Response:
    action = f"/dashboard/{province_code}"
    day, province = report.date, report.scope.province
    title = _("Trained share of social-work staff: {province}", province=province["name"])
    rows = {(r.staff_category, r.level): r for r in report.rows}
    head = rows[(category, level)]
    words = _scope_words(category, level)

    by_cat = [(c, rows[(c, level)]) for c in definition.CATEGORIES]
    cat_chart = hbar_chart(
        "chart-categories", _("Share trained by staff category ({level})", level=reports.level_label(level).lower()),
        _("One bar per staff category; a black mark shows each category's target."),
        [_bar(c, reports.category_label(c), r, category=c) for c, r in by_cat], tick_text=target_pct)
    cat_table = _table(_("By staff category ({level})", level=reports.level_label(level).lower()), _("Staff category"),
                       [(reports.category_label(c), None, r) for c, r in [*by_cat, (None, rows[(None, level)])]],
                       "table-categories")
    by_level = [(lv, rows[(category, lv)]) for lv in definition.LEVELS]
    level_chart = hbar_chart(
        "chart-levels", _("Share trained by level ({category})", category=reports.category_label(category).lower()),
        _("One bar per level of training; a black mark shows each level's target."),
        [_bar(lv, reports.level_label(lv), r, level=lv) for lv, r in by_level], tick_text=target_pct)
    level_table = _table(_("By level ({category})", category=reports.category_label(category).lower()), _("Level"),
                         [(reports.level_label(lv), None, r) for lv, r in [*by_level, (None, rows[(category, None)])]],
                         "table-levels")
    trend_bars = [Bar(key=str(y["year"]), label=str(y["year"]), value=y["share"], text=pct(y["share"]),
                      tooltip=_("{year}: {share} ({trained} of {active} trained), {times} person-times",
                                year=y["year"], share=pct(y["share"]), trained=num(y["trained"]),
                                active=num(y["active"]), times=num(y["person_times"])),
                      extra={"trained": str(y["trained"]), "active": str(y["active"])}) for y in years]
    trend_chart = column_chart(
        "chart-trend", _("Share trained at the end of each year ({words})", words=words),
        _("One column per year: the share trained on 31 December (the chosen date for its own year)."),
        trend_bars, head.target, _("Target {share}", share=target_pct(head.target)) if head.target else "",
        tick_text=target_pct)
    trend_rows = [{"year": y["year"], "on": y["date"].strftime("%d/%m/%Y"), "active": num(y["active"]),
                   "trained": num(y["trained"]), "fraction": fraction(y["share"]), "share": pct(y["share"]),
                   "times": num(y["person_times"])} for y in years]
    commune_rows = [{"code": c["code"], "name": c["name"], "active": num(c["active"])} for c in communes]
    params = {"date": day.isoformat(), "province": province["code"]}
    return _page("dashboard/province.html", title, sub=_sub(day, report.start),
                 filters=_filters(action, day.isoformat(), category, level), words=words[:1].upper() + words[1:],
                 cards=_cards(head), category_chart=scrollable(cat_chart), category_table=cat_table,
                 level_chart=scrollable(level_chart), level_table=level_table, trend_chart=scrollable(trend_chart),
                 years=trend_rows, communes=commune_rows, communes_count=num(len(communes)),
                 downloads=_downloads(params))
