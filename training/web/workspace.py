"""The class workspace pages: ``GET /classes`` (the list) and ``GET /classes/{id}`` (one class), plus the
enrolment search their form uses (``GET /api/classes/{id}/candidates``). Thin: the data, who sees what and
which actions apply come from ``training.classes.workspace``; every action goes through the existing API
and tool pages (the page's script ``training/web/static/tools/workspace.js`` posts to
``POST /api/classes/{id}/sessions`` and ``POST /api/classes/{id}/enrolments`` with the admin's session and
``X-CSRFToken``). Templates: ``training/web/templates/classes/``.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, PathParameter, QueryParameter
from litestar.response import Redirect, Template
from msgspec import Struct

from certificates.issuing import missing_certificates
from training.auth.access import Actor
from training.classes import workspace
from training.core.enums import ClassStatus
from training.core.errors import NotFound
from training.core.i18n import N_, _
from training.records.validation import in_int_range
from training.web.attendance_page import trainer_header
from training.web.auth import page_actor, provide_actor, refuse_learners
from training.web.pages import tool_page

ClassId = Annotated[int, PathParameter(description="ID of the class")]
WEEKDAYS = [(0, N_("Monday")), (1, N_("Tuesday")), (2, N_("Wednesday")), (3, N_("Thursday")), (4, N_("Friday")),
            (5, N_("Saturday")), (6, N_("Sunday"))]


def _number(value: str | None) -> int | None:
    """A filter's number as typed; anything else is no filter (a filter never errors)."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and in_int_range(number) else None


@get("/classes", include_in_schema=False, guards=[refuse_learners], opt={"trainers": True})
async def classes_page(request: Request, status: FromQuery[str] = "", level: FromQuery[str] = "",
                       course: FromQuery[str | None] = None, province: FromQuery[str | None] = None,
                       q: FromQuery[str] = "", sort: FromQuery[str] = "-start",
                       page: FromQuery[str | None] = None) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")  # sign in through the admin first
    filters = workspace.ListFilters(status=status, level=level, course=_number(course), province=_number(province),
                                    q=q, sort=sort, page=_number(page) or 1)
    listing = await workspace.class_list(actor, filters)
    options = await workspace.filter_options(actor)
    return tool_page("classes/list.html", _("Classes"), {}, "", listing=listing, options=options,
                     filtered=bool(listing["filters"].status or listing["filters"].level or listing["filters"].course
                                   or listing["filters"].province or listing["filters"].q),
                     **trainer_header(request, actor))


@get("/classes/{class_id:int}", include_in_schema=False, guards=[refuse_learners], opt={"trainers": True})
async def class_page(request: Request, class_id: ClassId) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")
    try:
        ws = await workspace.class_workspace(class_id, actor)
    except NotFound:
        return Template(template_name="classes/missing.html", context={"title": _("Class not found"), "texts": {}},
                        status_code=404, media_type="text/html")
    missing = await missing_certificates(class_id) if ws["class"]["status"] == ClassStatus.closed else 0
    actions = workspace.actions_for(ws, missing, trainer=actor.is_trainer)
    keys = {a["key"] for a in actions}
    trainers = await workspace.trainer_choices(class_id, actor) if "schedule" in keys else []
    texts = {
        "saving": _("Saving…"), "scheduled": _("{count} sessions scheduled."),
        "enrolled": _("{name} enrolled: {status}."), "confirmed": _("confirmed"), "waitlisted": _("waitlisted"),
        "searching": _("Searching…"), "none": _("Nobody found (or already in this class)."),
        "short": _("Type at least 2 letters of the name."), "enrol": _("Enrol {name}"),
        "failed": _("Not saved:"), "offline": _("The server could not be reached."),
    }
    return tool_page("classes/workspace.html", _("Class {code}", code=ws["class"]["code"]), texts, "workspace.js",
                     crumb=ws["class"]["code"], ws=ws, actions=actions, keys=keys, trainers=trainers, weekdays=WEEKDAYS,
                     **trainer_header(request, actor))


class CandidateOut(Struct):
    id: int
    name: str
    organisation: str
    birth_year: int | None


@get("/api/classes/{class_id:int}/candidates", tags=["Classes"], dependencies={"actor": Provide(provide_actor)},
     summary="People who may be enrolled in the class, by name (or citizen ID)",
     description="At most 10 people in the caller's scope whose name contains `q` (at least 2 characters) or "
                 "whose citizen ID is `q`, not yet in the class. Another province's class answers 404.")
async def candidates(class_id: ClassId, actor: NamedDependency[Actor],
                     q: Annotated[str, QueryParameter(description="part of the name, or a citizen ID")] = ""
                     ) -> list[CandidateOut]:
    return [CandidateOut(**r) for r in await workspace.enrol_candidates(class_id, actor, q)]
