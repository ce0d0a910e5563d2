"""Server-rendered tool pages linked from the admin's sidebar (piccolo-admin forms cannot upload files).

The page signs nothing itself: it calls the JSON API with the admin's session cookie and the
``X-CSRFToken`` header, so every rule of the API (province scoping, all-or-nothing) applies.
Templates: ``training/web/templates/tools/``; scripts: ``training/web/static/tools/`` (served at ``/tools/*.js``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from training.auth.access import scope_where
from training.classes.tables import TrainingClass
from training.core.enums import AttendanceStatus, labels
from training.core.errors import DomainError
from training.core.i18n import _
from training.web.auth import provide_actor, refuse_learners


async def class_options(request: Request, statuses: list[str]) -> list[dict[str, Any]]:
    """The classes in these statuses that the signed-in user may see (DomainError if nobody)."""
    actor = await provide_actor(request)
    query = TrainingClass.select(TrainingClass.id, TrainingClass.code, TrainingClass.course.name_vi.as_alias(
        "course")).where(TrainingClass.status.is_in(statuses)).order_by(TrainingClass.code)
    where = scope_where(TrainingClass, actor)
    if where is not None:
        query = query.where(where)
    return await query.run()


def tool_page(template: str, title: str, texts: dict, script: str, **context: Any) -> Template:
    """A tool page (``tools/layout.html``): its texts as JSON for its script, then the scripts."""
    return Template(template_name=template, context={"title": title, "texts": texts, "script": script, **context},
                    media_type="text/html")


def _import_texts() -> dict[str, str]:
    """The texts both imports' "Lưu" needs (ADR 0035)."""
    return {"check_first": _("Check this file (dry run) before saving it."),
            "fix_first": _("Correct the rows with errors and check the file again; then you can save."),
            "offline": _("The server could not be reached; check the connection and try again.")}


@get("/tools/roster", include_in_schema=False, guards=[refuse_learners])
async def roster_page(request: Request) -> Template | Redirect:
    try:
        classes = await class_options(request, ["open"])
    except DomainError:
        return Redirect("/admin/")  # sign in through the admin first
    texts = {
        "checking": _("Checking the file…"), "saving": _("Saving…"), "choose": _("Choose a class and a file."),
        "row": _("Row number"), "name": _("Full name"), "outcome": _("Outcome"), "enrolment": _("Enrolment"),
        "messages": _("Messages"), "saved": _("Saved: {total} learners enrolled."),
        "summary": _("{total} rows: {new} new, {existing} existing, {dup} possible duplicates, {error} with errors; "
                     "{confirmed} would be confirmed, {waitlisted} waitlisted."),
        "failed": _("Nothing was saved."), **_import_texts(),
    }
    return tool_page("tools/roster.html", _("Import a roster"), texts, "roster.js", classes=classes)


@get("/tools/attendance-sheet", include_in_schema=False, guards=[refuse_learners])
async def sheet_page(request: Request) -> Template | Redirect:
    try:
        classes = await class_options(request, ["open", "running"])
    except DomainError:
        return Redirect("/admin/")
    texts = {
        "choose": _("Choose a class and a file."), "saving": _("Saving…"), "failed": _("Nothing was saved."),
        "saved": _("Attendance saved for {count} session(s)."), "session": _("Session"), "column": _("Column"),
        "marked": _("Learners marked"), "counts": _("Marks"),
        "skipped": _("Column {column} is empty and was skipped."),
        "status": labels(AttendanceStatus), "checking": _("Checking the file…"),
        "row": _("Row number"), "name": _("Full name"), "outcome": _("Outcome"), "messages": _("Messages"),
        "summary": _("{total} rows: {error} with errors; {count} session(s) would be marked."), **_import_texts(),
    }
    return tool_page("tools/attendance-sheet.html", _("Import a sign-in sheet"), texts, "attendance-sheet.js",
                     classes=classes)


@get("/tools/staff", include_in_schema=False, guards=[refuse_learners])
async def staff_page(request: Request) -> Template | Redirect:
    try:
        await provide_actor(request)
    except DomainError:
        return Redirect("/admin/")
    texts = {
        "checking": _("Checking the file…"), "saving": _("Saving…"), "choose": _("Choose a file."),
        "row": _("Row number"), "name": _("Full name"), "outcome": _("Outcome"), "messages": _("Messages"),
        "saved": _("Saved: {total} rows ({new} new, {updated} updated)."),
        "summary": _("{total} rows: {new} new, {updated} updated, {unchanged} unchanged, {error} with errors."),
    }
    return tool_page("tools/staff.html", _("Import a staff list"), texts, "staff.js")
