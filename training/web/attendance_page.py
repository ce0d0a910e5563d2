"""The attendance page of one session (``GET /sessions/{id}/attendance``), phone-first: every learner with
a status control, "all present", then the exceptions, then one save.

Like the tool pages it signs nothing itself: its script saves through ``PUT /api/sessions/{id}/attendance``
(``training.classes.attendance.mark_session``) with the admin's session cookie and the ``X-CSRFToken``
header. ``GET /sessions/today`` lists today's sessions, each one tap from its page; it is a trainer's start page too
(after /login), with their upcoming sessions below (ADR 0031).
The page is shown only to those who may change the session's marks: the same 403/404 as the API.
Template: ``training/web/templates/tools/attendance.html``; script: ``training/web/static/tools/attendance.js``.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from training.auth.access import Actor
from training.classes.attendance import session_sheet, sessions_to_mark, today
from training.classes.trainers import UPCOMING_DAYS, upcoming_sessions
from training.core.enums import AttendanceStatus, labels
from training.core.i18n import _
from training.web.auth import page_actor, refuse_learners
from training.web.pages import tool_page
from training.web.security import CSRF_FIELD, expected_csrf_token

SessionId = Annotated[int, PathParameter(description="ID of the session")]


@get("/sessions/today", include_in_schema=False, guards=[refuse_learners], opt={"trainers": True})
async def sessions_today(request: Request) -> Template | Redirect:
    """Today's sessions the signed-in user may mark, each one tap from its attendance page."""
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")  # sign in through the admin first
    day = today()
    return tool_page("tools/sessions-today.html", _("Today's attendance"), {}, "",
                     sessions=await sessions_to_mark(actor, day), upcoming=await upcoming_sessions(actor, day),
                     upcoming_days=UPCOMING_DAYS, **trainer_header(request, actor))


@get("/sessions/{session_id:int}/attendance", include_in_schema=False, guards=[refuse_learners],
     opt={"trainers": True})
async def attendance_page(request: Request, session_id: SessionId) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")  # sign in through the admin first
    sheet = await session_sheet(session_id, actor)
    texts = {
        "saving": _("Saving…"), "saved": _("Saved at {time}."), "unsaved": _("Changes not saved yet."),
        "none": _("Nobody is marked yet."), "offline": _("The server could not be reached."),
        "failed": _("Not saved: {reason} Your marks are still on this page; press “Save attendance” to "
                    "try again."),
    }
    return tool_page("tools/attendance.html", _("Attendance"), texts, "attendance.js", sheet=sheet,
                     statuses=labels(AttendanceStatus), **trainer_header(request, actor))


def trainer_header(request: Request, actor: Actor) -> dict:
    """A trainer's pages lead back to their sessions and sign out at /logout (not to the admin)."""
    if not actor.is_trainer:
        return {}
    return {"trainer": True, "token": expected_csrf_token(request.cookies) or "", "csrf_field": CSRF_FIELD}
