"""Admin forms for the class journeys: thin wrappers over the domain packages."""

from __future__ import annotations

import datetime as dt
import io

from piccolo_admin.endpoints import FileResponse, FormConfig
from pydantic import BaseModel, Field
from starlette.requests import Request

from training.auth.access import Actor, actor_for_user, scope_where
from training.classes import scheduling
from training.classes.attendance import reopen_class
from training.classes.sheets import results_xlsx
from training.classes.tables import TrainingClass
from training.core.errors import DomainError
from training.core.filenames import safe_filename
from training.core.i18n import N_, _

TRAINING_GROUP = N_("Training")


def picker(kind: str) -> dict:
    """A form field's pickable values (admin/menu.py fills them in for the signed-in user: ``extra.choices``)."""
    return {"extra": {"picker": kind}}


async def form_actor(request: Request):
    """The signed-in admin user's actor; a user without a role gets the form's error message."""
    actor = await actor_for_user(getattr(request.user, "user", None))
    if actor is None:
        raise ValueError(_("Your account has no role in this system."))
    return actor


async def form_call(call):
    """Await a service call; its DomainError becomes the ValueError piccolo-admin shows on the form."""
    try:
        return await call
    except DomainError as exc:
        raise ValueError(exc.text()) from exc


async def form_class_id(code: str, actor: Actor) -> int:
    """The id of the class with this code among those the actor may see: another province's class answers
    exactly as a code that does not exist (no enumeration)."""
    query = TrainingClass.select(TrainingClass.id).where(TrainingClass.code == code.strip().upper())
    where = scope_where(TrainingClass, actor)
    if where is not None:
        query = query.where(where)
    row = await query.first().run()
    if row is None:
        raise ValueError(_("There is no class with code {code}.", code=code))
    return row["id"]


def _weekdays(text: str) -> list[int]:
    """'2,4,6' in the Vietnamese way (thứ 2 = Monday … 7 = Saturday, CN = Sunday)."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip().upper().removeprefix("T").removeprefix("THỨ").strip()
        if not part:
            continue
        if part in ("CN", "8"):
            out.append(6)
        elif part.isdigit() and 2 <= int(part) <= 7:
            out.append(int(part) - 2)
        else:
            raise ValueError(_("Weekdays are written 2–7 or CN, e.g. 2,4,6 (got {value}).", value=part))
    return out


def build_forms() -> list[FormConfig]:
    class ScheduleForm(BaseModel):
        class_code: str = Field(title=_("Class"), json_schema_extra=picker("classes_open"))
        start_date: dt.date = Field(title=_("Start date"))
        count: int = Field(title=_("Number of sessions"), ge=1, le=500)
        weekdays: str = Field("2,3,4,5,6", title=_("Weekdays (2 = Monday … 7 = Saturday, CN = Sunday)"))
        start_time: dt.time = Field(dt.time(8), title=_("Start time"))
        end_time: dt.time = Field(dt.time(11, 30), title=_("End time"))
        topic: str = Field("", title=_("Topic"))
        venue: str = Field("", title=_("Venue (empty: the class's venue)"))
        trainer: int | None = Field(None, title=_("Trainer"), json_schema_extra=picker("trainers"))

    class ClosedClassForm(BaseModel):
        class_code: str = Field(title=_("Class"), json_schema_extra=picker("classes_closed"))

    class ClassCodeForm(BaseModel):
        class_code: str = Field(title=_("Class"), json_schema_extra=picker("classes_all"))

    async def schedule(request: Request, data: ScheduleForm) -> str:
        actor = await form_actor(request)
        try:
            specs = scheduling.sessions_from_pattern(
                data.start_date, data.count, data.start_time, data.end_time, _weekdays(data.weekdays),
                data.topic, data.trainer, data.venue)
        except DomainError as exc:
            raise ValueError(exc.text()) from exc
        rows = await form_call(scheduling.add_sessions(await form_class_id(data.class_code, actor), specs, actor))
        return _("{count} sessions scheduled, from {first} to {last}.", count=len(rows),
                 first=rows[0]["session_date"].strftime("%d/%m/%Y"), last=rows[-1]["session_date"].strftime("%d/%m/%Y"))

    async def reopen(request: Request, data: ClosedClassForm) -> str:
        actor = await form_actor(request)
        row = await form_call(reopen_class(await form_class_id(data.class_code, actor), actor))
        return _("Class {code} is open again; its results were cleared and the change is in the audit log.",
                 code=row["code"])

    async def results(request: Request, data: ClassCodeForm) -> FileResponse:
        actor = await form_actor(request)
        content = await form_call(results_xlsx(await form_class_id(data.class_code, actor), actor))
        name = f"ket-qua-{safe_filename(data.class_code.upper())}.xlsx"
        return FileResponse(contents=io.BytesIO(content), file_name=name,
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    group = _(TRAINING_GROUP)
    return [
        FormConfig(name=_("Schedule sessions from a pattern"), pydantic_model=ScheduleForm, endpoint=schedule,
                   description=_("Creates the sessions of a class on the chosen weekdays; refused when a "
                                 "trainer or room is already booked."), form_group=group),
        FormConfig(name=_("Download a class's results (XLSX)"), pydantic_model=ClassCodeForm, endpoint=results,
                   description=_("Attendance share, score, classification and outcome of every learner."),
                   form_group=group),
        FormConfig(name=_("Re-open a closed class"), pydantic_model=ClosedClassForm, endpoint=reopen,
                   description=_("Clears the results so the class can be corrected and closed again."),
                   form_group=group),
    ]
