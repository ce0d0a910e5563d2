"""The coverage dashboard: server-rendered HTML in Vietnamese, charts as inline SVG, tables under them.

``GET /dashboard`` (national: 34 provinces ranked, and the 63 provinces before 2025) and
``GET /dashboard/{province_code}`` (by category, by level, trend by year, communes without a trained
collaborator). Signed in with the admin's session cookie; a department account sees only its own
province (the national page sends it there; another province answers 404); learners get 403.
Downloads are the API's ``format=xlsx|csv`` on the same filters.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Redirect, Response

from training.access import Actor
from training.api.auth import provide_actor
from training.collation import vi_sort_key
from training.errors import DomainError
from training.i18n import N_, _, get_language
from training.services import coverage as cov
from training.services.charts import Bar, column_chart, hbar_chart, scrollable
from training.services.charts import fraction as _fraction


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(value: int | float | None) -> str:
    return "—" if value is None else format_decimal(value, locale=get_language())


def pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=get_language())


def target_pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.#%", locale=get_language())


def gap_text(row: cov.CoverageRow) -> str:
    if row.target is None:
        return _("No target")
    if not row.active:
        return _("No active staff on record")
    if row.gap == 0:
        return _("Target of {share} reached", share=target_pct(row.target))
    who = cov.category_label(row.staff_category).lower() if row.staff_category else _("people")
    return _("{count} more {who} to reach {share}", count=num(row.gap), who=who, share=target_pct(row.target))


CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;background:#f5f7fa;
line-height:1.45}
header{background:#1f5f99;color:#fff;padding:.7rem 1rem;display:flex;flex-wrap:wrap;gap:.3rem 1rem;align-items:center}
header a{color:#fff} header .title{font-weight:700}
main{max-width:72rem;margin:0 auto;padding:.5rem 1rem 2rem}
h1{font-size:1.5rem;margin:1rem 0 .3rem} h2{font-size:1.2rem;margin:1.6rem 0 .4rem;border-bottom:2px solid #d5dbe3;
padding-bottom:.2rem}
.sub{color:#4a5563;margin:0 0 .8rem}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:flex-end;background:#fff;padding:.8rem;
border:1px solid #d5dbe3;border-radius:6px}
form.filters label{display:flex;flex-direction:column;font-weight:600;font-size:.9rem;gap:.2rem}
form.filters input,form.filters select{font-size:1rem;padding:.35rem;border:1px solid #8a96a5;border-radius:4px;
min-width:10rem;background:#fff;color:#1d2733}
button,.button{font-size:1rem;padding:.45rem 1rem;border:0;border-radius:4px;background:#1f5f99;color:#fff;
cursor:pointer;text-decoration:none;display:inline-block}
.downloads{margin:.6rem 0} .downloads a{margin-right:.6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.7rem;margin:1rem 0}
.card{background:#fff;border:1px solid #d5dbe3;border-radius:6px;padding:.6rem .8rem}
.card .k{font-size:.85rem;color:#4a5563} .card .v{font-size:1.5rem;font-weight:700}
.gap{font-weight:600} .missed{color:#8a3a12} .reached{color:#0b6b2b}
.chart{width:100%;height:auto;max-width:60rem;background:#fff;border:1px solid #d5dbe3;border-radius:6px;
margin:.4rem 0}
.scroll,.chart-box{overflow-x:auto;-webkit-overflow-scrolling:touch}
.chart-box .chart.hbar{min-width:34rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.4rem 0 1rem;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #d5dbe3;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#e9eef4} td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.error{background:#fde8e8;border:1px solid #a4001d;color:#7a0016;padding:.6rem .8rem;border-radius:6px}
.legend{font-size:.9rem;color:#4a5563}
.legend span{display:inline-block;width:.9rem;height:.9rem;vertical-align:middle;margin:0 .3rem 0 .8rem}
@media (max-width:600px){main{padding:.3rem .5rem 1rem} h1{font-size:1.25rem} th,td{padding:.25rem .3rem;
font-size:.85rem} form.filters input,form.filters select{min-width:8rem} .scroll table{min-width:36rem}}
"""


def _page(title: str, body: str, status: int = 200) -> Response:
    links = " · ".join(f'<a href="{href}">{_e(text)}</a>' for href, text in (
        ("/admin/", _("Back to the admin")), ("/dashboard", _("Coverage dashboard"))))
    page = f"""<!DOCTYPE html>
<html lang="{get_language()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{CSS}</style></head><body>
<header><span class="title">{_e(_("Social work training and certification"))}</span><nav>{links}</nav></header>
<main>{body}</main></body></html>"""
    return Response(page, media_type="text/html", status_code=status)


async def _actor(request: Request) -> Actor | Response:
    try:
        actor = await provide_actor(request)
    except DomainError as exc:
        if exc.status == 401:
            return Redirect("/admin/")  # sign in through the admin first
        return _page(_("Access denied"), f'<h1>{_e(_("Access denied"))}</h1><p class="error">{_e(exc.text())}</p>',
                     exc.status)
    if not (actor.is_coordinator or actor.is_department):
        msg = _("Your account cannot see the coverage dashboard.")
        return _page(_("Access denied"), f'<h1>{_e(_("Access denied"))}</h1><p class="error">{_e(msg)}</p>', 403)
    return actor


def _error_page(exc: DomainError, title: str, form: str = "") -> Response:
    return _page(title, f'<h1>{_e(title)}</h1>{form}<p class="error" role="alert">{_e(exc.text())}</p>', exc.status)


def _filters(action: str, day: str, category: str | None, level: str | None) -> str:
    cats = "".join(f'<option value="{c or ""}"{" selected" if c == category else ""}>{_e(cov.category_label(c))}'
                   f'</option>' for c in (None, *cov.CATEGORIES))
    levels = "".join(f'<option value="{lv or ""}"{" selected" if lv == level else ""}>{_e(cov.level_label(lv))}'
                     f'</option>' for lv in (None, *cov.LEVELS))
    return f"""<form class="filters" method="get" action="{_e(action)}" aria-label="{_e(_("Filters"))}">
<label for="f-date">{_e(_("Date"))}<input id="f-date" name="date" type="date" value="{_e(day)}" min="2010-01-01"
 max="{dt.date.today().isoformat()}"></label>
<label for="f-category">{_e(_("Staff category"))}<select id="f-category" name="category">{cats}</select></label>
<label for="f-level">{_e(_("Level"))}<select id="f-level" name="level">{levels}</select></label>
<button type="submit">{_e(_("Show"))}</button></form>"""


def _downloads(params: dict[str, str | None], label: str) -> str:
    query = {k: v for k, v in params.items() if v}
    links = " ".join(f'<a class="button" href="/api/coverage?{_e(urlencode({**query, "format": fmt}))}" '
                     f'download>{_e(text)}</a>' for fmt, text in (("xlsx", _("Download XLSX")),
                                                                  ("csv", _("Download CSV"))))
    return f'<p class="downloads" aria-label="{_e(label)}">{links}</p>'


def _legend() -> str:
    return (f'<p class="legend"><span style="background:#1f5f99"></span>{_e(_("target reached or no target"))}'
            f'<span style="background:#b3541e"></span>{_e(_("below target"))}'
            f'<span style="border-top:3px dashed #111;height:0"></span>{_e(_("target"))}</p>')


def _bar(key: str, label: str, row: cov.CoverageRow, **extra: str) -> Bar:
    tooltip = _("{name}: {share} ({trained} of {active} trained); {gap}", name=label, share=pct(row.share),
                trained=num(row.trained), active=num(row.active), gap=gap_text(row))
    return Bar(key=key, label=label, value=row.share, text=pct(row.share), tooltip=tooltip, target=row.target,
               extra={"trained": str(row.trained), "active": str(row.active), **extra})


def _table(caption: str, first: str, rows: list[tuple[str, cov.CoverageRow]], table_id: str,
           rank: bool = False) -> str:
    head = ([_("Rank")] if rank else []) + [first, _("Active staff"), _("People trained"), _("Share trained"),
                                             _("Target"), _("Gap"), _("Person-times")]
    lines = []
    for i, (label, r) in enumerate(rows, start=1):
        state = "" if r.target is None or not r.active else (" reached" if r.gap == 0 else " missed")
        lines.append("<tr>" + (f'<td class="n">{i}</td>' if rank else "") + f"<th scope=\"row\">{label}</th>"
                     f'<td class="n">{num(r.active)}</td><td class="n">{num(r.trained)}</td>'
                     f'<td class="n" data-share="{_fraction(r.share)}">{pct(r.share)}</td>'
                     f'<td class="n">{target_pct(r.target)}</td><td class="gap{state}">{_e(gap_text(r))}</td>'
                     f'<td class="n">{num(r.person_times)}</td></tr>')
    header = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    return (f'<div class="scroll"><table id="{table_id}"><caption>{_e(caption)}</caption><thead><tr>{header}'
            f'</tr></thead><tbody>{"".join(lines)}</tbody></table></div>')


def _params(request: Request) -> tuple[str | None, str | None, str | None]:
    q = request.query_params
    return q.get("date") or None, q.get("category") or None, q.get("level") or None


def _scope_words(category: str | None, level: str | None) -> str:
    return _("{category}, {level}", category=cov.category_label(category), level=cov.level_label(level).lower())


@get("/dashboard", include_in_schema=False)
async def national_dashboard(request: Request) -> Response:
    actor = await _actor(request)
    if isinstance(actor, Response):
        return actor
    date, category, level = _params(request)
    if actor.is_department:
        from training.tables import Province

        own = await Province.select(Province.code).where(Province.id == actor.province_id).first().run()
        query = urlencode({k: v for k, v in (("date", date), ("category", category), ("level", level)) if v})
        return Redirect(f"/dashboard/{own['code']}" + (f"?{query}" if query else ""))
    title = _("Trained share of social-work staff: whole country")
    try:
        report = await cov.coverage(actor, date, None, category, level)
        legacy = await cov.coverage(actor, report.date, None, category, level, view="legacy")
    except DomainError as exc:
        return _error_page(exc, title, _filters("/dashboard", date or "", None, None))
    category, level = report.category, report.level
    day = report.date
    rows = [r for r in report.rows if r.staff_category == category and r.level == level]
    total = next(r for r in rows if r.unit_code is None)
    provinces = sorted((r for r in rows if r.unit_code is not None),
                       key=lambda r: (-(r.share if r.share is not None else -1), vi_sort_key(r.unit_name)))
    national_target = cov.applicable_target(await cov.load_targets(), None, category, level, day.year)
    target = national_target["target_share"] if national_target else None
    target_label = _("Target {share}", share=target_pct(target)) if target is not None else ""
    words = _scope_words(category, level)
    bars = [_bar(r.unit_code or "", r.unit_name, r, code=r.unit_code or "") for r in provinces]
    chart = hbar_chart("chart-provinces", _("Share trained per province on {date}", date=day.strftime("%d/%m/%Y")),
                       _("{count} provinces ranked by the share of active staff trained ({words}); the dashed line "
                         "is the national target.", count=len(provinces), words=words), bars, target, target_label,
                       tick_text=target_pct)
    table = _table(_("Provinces ranked by share trained ({words})", words=words), _("Province"),
                   [(f'<a href="/dashboard/{_e(r.unit_code)}">{_e(r.unit_name)}</a>', r) for r in provinces],
                   "table-provinces", rank=True)
    legacy_rows = sorted((r for r in legacy.rows if r.staff_category == category and r.level == level
                          and r.unit_code is not None and r.active),
                         key=lambda r: (-(r.share if r.share is not None else -1), vi_sort_key(r.unit_name)))
    legacy_chart = hbar_chart(
        "chart-legacy", _("Share trained per province before 2025 on {date}", date=day.strftime("%d/%m/%Y")),
        _("Provinces before the 2025 merger, for people whose records carry one ({words}).", words=words),
        [_bar(r.unit_code or "", r.unit_name, r, code=r.unit_code or "") for r in legacy_rows], target, target_label,
        tick_text=target_pct) if legacy_rows else ""
    legacy_table = _table(_("Provinces before 2025 ({words})", words=words), _("Province before 2025"),
                          [(_e(f"{r.unit_code} – {r.unit_name}"), r) for r in legacy_rows], "table-legacy",
                          rank=True) if legacy_rows else f"<p>{_e(_('No record carries a province before 2025.'))}</p>"
    params = {"date": day.isoformat(), "category": category, "level": level}
    body = f"""<h1>{_e(title)}</h1>
<p class="sub">{_e(_("On {date}: people with a valid completion of a qualifying level, among the staff active on that "
                     "date. Person-times: completions from {start} to {date}.", date=day.strftime("%d/%m/%Y"),
                     start=report.start.strftime("%d/%m/%Y")))}</p>
{_filters("/dashboard", day.isoformat(), category, level)}
<section aria-labelledby="h-total"><h2 id="h-total">{_e(_("Whole country"))}</h2>{_cards(total)}</section>
<section aria-labelledby="h-provinces"><h2 id="h-provinces">{_e(_("The 34 provinces side by side"))}</h2>
{_legend()}{scrollable(chart)}{table}{_downloads(params, _("Downloads"))}</section>
<section aria-labelledby="h-legacy"><h2 id="h-legacy">{_e(_("View by the 63 provinces before 2025"))}</h2>
<p class="sub">{_e(_("Only people whose records carry a province before 2025 (for example from pre-2025 classes); "
                     "they also count under their 2025 province above."))}</p>
{scrollable(legacy_chart) if legacy_chart else ""}{legacy_table}
{_downloads({**params, "view": "legacy"}, _("Downloads"))}</section>"""
    return _page(title, body)


def _cards(row: cov.CoverageRow) -> str:
    state = "" if row.target is None or not row.active else ("reached" if row.gap == 0 else "missed")
    items = [(_("Active staff"), num(row.active)), (_("People trained"), num(row.trained)),
             (_("Share trained"), pct(row.share)), (_("Target"), target_pct(row.target)),
             (_("Person-times"), num(row.person_times))]
    cards = "".join(f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{_e(v)}</div></div>'
                    for k, v in items)
    return f'<div class="cards">{cards}</div><p class="gap {state}" id="gap-total">{_e(gap_text(row))}</p>'


@get("/dashboard/{province_code:str}", include_in_schema=False)
async def province_dashboard(request: Request, province_code: FromPath[str]) -> Response:
    actor = await _actor(request)
    if isinstance(actor, Response):
        return actor
    date, category, level = _params(request)
    action = f"/dashboard/{province_code}"
    try:
        report = await cov.coverage(actor, date, province_code, None, None)
        category, level = cov.check_category(category), cov.check_level(level)
        years = await cov.trend(actor, report.date, province_code, category, level)
        communes = await cov.communes_without_trained(actor, report.date, province_code)
    except DomainError as exc:
        return _error_page(exc, _("Trained share of social-work staff"), _filters(action, date or "", None, None))
    day, province = report.date, report.scope.province
    title = _("Trained share of social-work staff: {province}", province=province["name"])
    rows = {(r.staff_category, r.level): r for r in report.rows}
    head = rows[(category, level)]
    words = _scope_words(category, level)

    by_cat = [(c, rows[(c, level)]) for c in cov.CATEGORIES]
    cat_chart = hbar_chart(
        "chart-categories", _("Share trained by staff category ({level})", level=cov.level_label(level).lower()),
        _("One bar per staff category; a black mark shows each category's target."),
        [_bar(c, cov.category_label(c), r, category=c) for c, r in by_cat], tick_text=target_pct)
    cat_table = _table(_("By staff category ({level})", level=cov.level_label(level).lower()), _("Staff category"),
                       [(_e(cov.category_label(c)), r) for c, r in [*by_cat, (None, rows[(None, level)])]],
                       "table-categories")
    by_level = [(lv, rows[(category, lv)]) for lv in cov.LEVELS]
    level_chart = hbar_chart(
        "chart-levels", _("Share trained by level ({category})", category=cov.category_label(category).lower()),
        _("One bar per level of training; a black mark shows each level's target."),
        [_bar(lv, cov.level_label(lv), r, level=lv) for lv, r in by_level], tick_text=target_pct)
    level_table = _table(_("By level ({category})", category=cov.category_label(category).lower()), _("Level"),
                         [(_e(cov.level_label(lv)), r) for lv, r in [*by_level, (None, rows[(category, None)])]],
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
    trend_rows = "".join(
        f'<tr><th scope="row">{y["year"]}</th><td>{y["date"].strftime("%d/%m/%Y")}</td>'
        f'<td class="n">{num(y["active"])}</td><td class="n">{num(y["trained"])}</td>'
        f'<td class="n" data-share="{_fraction(y["share"])}">{pct(y["share"])}</td>'
        f'<td class="n">{num(y["person_times"])}</td></tr>' for y in years)
    trend_head = "".join(f'<th scope="col">{_e(h)}</th>' for h in (
        _("Year"), _("On"), _("Active staff"), _("People trained"), _("Share trained"), _("Person-times in the year")))
    trend_table = (f'<div class="scroll"><table id="table-trend"><caption>{_e(_("Trend by year"))}</caption><thead>'
                   f'<tr>{trend_head}</tr></thead><tbody>{trend_rows}</tbody></table></div>')
    if communes:
        commune_rows = "".join(f'<tr><td>{_e(c["code"])}</td><th scope="row">{_e(c["name"])}</th>'
                               f'<td class="n">{num(c["active"])}</td></tr>' for c in communes)
        commune_head = "".join(f'<th scope="col">{_e(h)}</th>' for h in (
            _("Code"), _("Commune"), _("Active collaborators")))
        commune_table = (f'<div class="scroll"><table id="table-communes"><caption>'
                         f'{_e(_("{count} communes without a trained collaborator", count=num(len(communes))))}'
                         f'</caption><thead><tr>{commune_head}</tr></thead><tbody>{commune_rows}</tbody></table></div>')
    else:
        commune_table = f'<p id="table-communes">{_e(_("Every commune on record has a trained collaborator."))}</p>'
    params = {"date": day.isoformat(), "province": province["code"]}
    body = f"""<h1>{_e(title)}</h1>
<p class="sub">{_e(_("On {date}: people with a valid completion of a qualifying level, among the staff active on that "
                     "date. Person-times: completions from {start} to {date}.", date=day.strftime("%d/%m/%Y"),
                     start=report.start.strftime("%d/%m/%Y")))}</p>
{_filters(action, day.isoformat(), category, level)}
<section aria-labelledby="h-total"><h2 id="h-total">{_e(words[:1].upper() + words[1:])}</h2>{_cards(head)}</section>
<section aria-labelledby="h-cat"><h2 id="h-cat">{_e(_("By staff category"))}</h2>{_legend()}
{scrollable(cat_chart)}{cat_table}
</section>
<section aria-labelledby="h-level"><h2 id="h-level">{_e(_("By level"))}</h2>
{scrollable(level_chart)}{level_table}</section>
<section aria-labelledby="h-trend"><h2 id="h-trend">{_e(_("Trend by year"))}</h2>
{scrollable(trend_chart)}{trend_table}</section>
<section aria-labelledby="h-communes"><h2 id="h-communes">{_e(_("Communes without a trained collaborator"))}</h2>
{commune_table}</section>
<section aria-labelledby="h-down"><h2 id="h-down">{_e(_("Downloads"))}</h2>
<p>{_e(_("The whole table: every staff category and level, with targets, gaps and person-times."))}</p>
{_downloads(params, _("Downloads"))}</section>"""
    return _page(title, body)



# Babel does not extract _() calls inside f-string expressions: the texts used that way above are
# marked here for extraction (N_ returns its argument unchanged).
_F_STRING_TEXTS = (
    N_('Social work training and certification'),
    N_('Filters'),
    N_('Date'),
    N_('Staff category'),
    N_('Level'),
    N_('Show'),
    N_('target reached or no target'),
    N_('below target'),
    N_('target'),
    N_('On {date}: people with a valid completion of a qualifying level, among the staff active on that date. Person-times: completions from {start} to {date}.'),  # noqa: E501
    N_('Whole country'),
    N_('The 34 provinces side by side'),
    N_('Downloads'),
    N_('View by the 63 provinces before 2025'),
    N_('Only people whose records carry a province before 2025 (for example from pre-2025 classes); they also count under their 2025 province above.'),  # noqa: E501
    N_('Trend by year'),
    N_('By staff category'),
    N_('By level'),
    N_('Communes without a trained collaborator'),
    N_('The whole table: every staff category and level, with targets, gaps and person-times.'),
    N_('No record carries a province before 2025.'),
    N_('{count} communes without a trained collaborator'),
    N_('Every commune on record has a trained collaborator.'),
    N_('Access denied'),
)
