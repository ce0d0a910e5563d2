"""Coverage API: trained share of staff per province, category and level, with targets. Thin over the service."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from msgspec import Struct

from training.auth.access import Actor
from training.coverage import figures, reports
from training.web.auth import provide_actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ActorDep = NamedDependency[Actor]

DateParam = Annotated[str | None, Parameter(
    description="report date, yyyy-mm-dd or dd/mm/yyyy (default today; not in the future, not before 2010)")]
ProvinceParam = Annotated[str | None, Parameter(
    description="2025 province code (e.g. 56); a department account always gets its own province")]
CategoryParam = Annotated[str | None, Parameter(
    description="staff category: cadre, civil_servant, public_employee, worker, collaborator")]
LevelParam = Annotated[str | None, Parameter(
    description="level: intermediate, college, university, masters, trainer_of_trainers, refresher")]


class CoverageRowOut(Struct):
    unit_code: str | None
    unit_name: str
    staff_category: str | None
    staff_category_label: str
    level: str | None
    level_label: str
    active: int
    trained: int
    share: float | None
    target: float | None
    target_year: int | None
    target_note: str
    gap: int | None
    person_times: int


class CoverageOut(Struct):
    date: dt.date
    start: dt.date
    end: dt.date
    scope: str
    view: str
    province: str | None
    commune: str | None
    rows: list[CoverageRowOut]


class TrendOut(Struct):
    year: int
    date: dt.date
    active: int
    trained: int
    share: float | None
    person_times: int


class CommuneOut(Struct):
    code: str
    name: str
    active: int


def coverage_out(report: figures.CoverageReport) -> CoverageOut:
    return CoverageOut(
        date=report.date, start=report.start, end=report.end, scope=report.scope.kind, view=report.view,
        province=report.scope.province["code"] if report.scope.province else None,
        commune=report.scope.commune["code"] if report.scope.commune else None,
        rows=[CoverageRowOut(
            unit_code=r.unit_code, unit_name=r.unit_name, staff_category=r.staff_category,
            staff_category_label=reports.category_label(r.staff_category), level=r.level,
            level_label=reports.level_label(r.level), active=r.active, trained=r.trained, share=r.share,
            target=r.target, target_year=r.target_year, target_note=r.target_note, gap=r.gap,
            person_times=r.person_times) for r in report.rows])


def download(report: figures.CoverageReport, fmt: str) -> Response:
    media = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return Response(reports.export(report, fmt), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{reports.export_name(report, fmt)}"'})


class CoverageController(Controller):
    path = "/api/coverage"
    tags = ["Reports"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("", summary="Trained share of staff: per province (or one province / commune), category and level",
         description="People trained (distinct active people with a valid completion of the level on or before "
                     "the date; a revoked certificate does not count), active staff, share, the applicable "
                     "target and the gap in people, and person-times from `start` (default 1 January) to the "
                     "date. Rows with `staff_category` null are all categories, `level` null any level; in the "
                     "national scope a row with `unit_code` null is the whole country. `view=legacy` groups by "
                     "the 63 provinces before 2025 (people whose records carry one). `format=xlsx|csv` "
                     "downloads the same table. A department sees only its own province (another province: "
                     "404).")
    async def get_coverage(self, actor: ActorDep, date: DateParam = None, province: ProvinceParam = None,
                           category: CategoryParam = None, level: LevelParam = None,
                           commune: Annotated[str | None, Parameter(description="commune code (5 digits)")] = None,
                           start: Annotated[str | None, Parameter(
                               description="start of the person-times period (default 1 January)")] = None,
                           view: Annotated[Literal["province", "legacy"], Parameter(
                               description="province: 34 units of 2025; legacy: 63 before 2025")] = "province",
                           format: Annotated[Literal["json", "xlsx", "csv"], Parameter(
                               description="json, or a download")] = "json") -> Response[CoverageOut]:
        report = await figures.coverage(actor, date, province, category, level, commune, start, view)
        if format != "json":
            return download(report, format)
        return Response(coverage_out(report))

    @get("/trend", summary="Share trained at the end of each year, with person-times of the year")
    async def get_trend(self, actor: ActorDep, date: DateParam = None, province: ProvinceParam = None,
                        category: CategoryParam = None, level: LevelParam = None) -> list[TrendOut]:
        day = figures.parse_day(date)
        return [TrendOut(**r) for r in await figures.trend(actor, day, province, category, level)]

    @get("/communes-without-trained", summary="Communes of a province without an active trained collaborator")
    async def get_communes(self, actor: ActorDep, date: DateParam = None, province: ProvinceParam = None,
                           category: CategoryParam = None) -> list[CommuneOut]:
        day = figures.parse_day(date)
        rows = await figures.communes_without_trained(actor, day, province, figures.check_category(category)
                                                  or "collaborator")
        return [CommuneOut(code=r["code"], name=r["name"], active=r["active"]) for r in rows]
