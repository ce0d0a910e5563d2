"""The trainer pool (``GET /trainers``, ``GET /api/trainers``) and the workload report
(``GET /trainers/workload.xlsx?year=``). Thin over ``training.classes.trainers``; coordinators see every
trainer, a department its province's (ADR 0031). Template: ``training/web/templates/tools/trainers.html``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Request, Response, get
from litestar.params import Parameter
from litestar.response import Redirect, Template
from msgspec import Struct

from training.auth.access import Actor
from training.classes.trainers import pool_filters, trainer_pool, workload
from training.classes.workload import workload_xlsx
from training.core.i18n import _
from training.web.auth import page_actor, provide_actor, refuse_learners
from training.web.pages import tool_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Province = Annotated[int | None, Parameter(description="ID of the trainer's province", ge=1, le=2**31 - 1)]
Course = Annotated[int | None, Parameter(description="ID of a course the trainer may teach", ge=1, le=2**31 - 1)]
Page = Annotated[int, Parameter(description="page number, from 1", ge=1, le=10**6)]


class TrainerCourseOut(Struct):
    course: int
    code: str
    name: str
    granted_by: str | None


class TrainerOut(Struct):
    id: int
    person: int
    name: str
    province: str | None
    courses: list[TrainerCourseOut]


class PoolOut(Struct):
    total: int
    page: int
    pages: int
    trainers: list[TrainerOut]


def _out(result: dict) -> PoolOut:
    return PoolOut(total=result["total"], page=result["page"], pages=result["pages"], trainers=[
        TrainerOut(id=t["id"], person=t["person"], name=t["name"], province=t["province"], courses=[
            TrainerCourseOut(course=c["course"], code=c["code"], name=c["name"], granted_by=c["granted_by"])
            for c in t["courses"]]) for t in result["trainers"]])


@get("/api/trainers", summary="The trainer pool, filtered by province and course", tags=["trainers"])
async def list_trainers(request: Request, province: Province = None, course: Course = None,
                        page: Page = 1) -> PoolOut:
    actor: Actor = await provide_actor(request)
    return _out(await trainer_pool(actor, province, course, page))


@get("/trainers", include_in_schema=False, guards=[refuse_learners])
async def trainers_page(request: Request, province: Province = None, course: Course = None,
                        page: Page = 1) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")  # sign in through the admin first
    result = await trainer_pool(actor, province, course, page)
    filters = await pool_filters(actor)
    query = "&".join(f"{k}={v}" for k, v in (("province", province), ("course", course)) if v)
    return tool_page("tools/trainers.html", _("Trainers"), {}, "", pool=result, filters=filters,
                     province=province, course=course, query=query, year=dt.date.today().year)


@get("/trainers/workload.xlsx", include_in_schema=False, guards=[refuse_learners])
async def workload_download(request: Request, year: Annotated[int | None, Parameter(ge=2000, le=2100)] = None
                            ) -> Response:
    actor = await provide_actor(request)
    year = year or dt.date.today().year
    rows = await workload(actor, year)
    return Response(workload_xlsx(rows, year), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="khoi-luong-giang-day-{year}.xlsx"'})
