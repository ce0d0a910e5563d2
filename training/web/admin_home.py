"""The admin's home page (``GET /admin-home``, first in the admin's sidebar): what to do today.

Today's sessions to mark, the classes waiting to be closed and the certificates waiting to be issued, with
their counts and a link each (the class workspace ``/classes/{id}``, the attendance page); scoped to the
signed-in user (a department: its province). The lists come from ``training.classes.shortcuts``.
Template: ``training/web/templates/tools/admin-home.html``.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Redirect, Template

from training.classes.shortcuts import shortcuts
from training.core.i18n import _
from training.web.auth import page_actor, refuse_learners
from training.web.pages import tool_page

SHOWN = 10  # items per list; the counts are of all


@get("/admin-home", include_in_schema=False, guards=[refuse_learners])
async def admin_home(request: Request) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")  # sign in through the admin first
    return tool_page("tools/admin-home.html", _("Today's work"), {}, "", shown=SHOWN, **await shortcuts(actor))
