"""The coordinators' certificate page (linked from the admin sidebar): issue a class's certificates
with a progress bar, download them as ZIP or one PDF, and download the register book.

It calls the JSON API with the admin session and CSRF header, like the other tool pages.
"""

from __future__ import annotations

import datetime as dt

from litestar import Request, get
from litestar.response import Redirect, Template

from certificates.tables import IssuerProfile
from training.auth.access import scope_where
from training.core.errors import DomainError
from training.core.i18n import _
from training.web.auth import provide_actor, refuse_learners
from training.web.pages import class_options, tool_page


async def _issuer_options(request: Request) -> list[dict]:
    actor = await provide_actor(request)
    query = IssuerProfile.select(IssuerProfile.organisation, IssuerProfile.organisation.name.as_alias("name")
                                 ).order_by(IssuerProfile.organisation.name)
    where = scope_where(IssuerProfile, actor)
    if where is not None:
        query = query.where(where)
    return await query.run()


@get("/tools/certificates", include_in_schema=False, guards=[refuse_learners])
async def certificates_page(request: Request) -> Template | Redirect:
    try:
        classes = await class_options(request, ["closed"])
        issuers = await _issuer_options(request)
    except DomainError:
        return Redirect("/admin/")
    texts = {
        "working": _("Issuing…"), "records": _("Numbering and signing: {done}/{total}"),
        "pdfs": _("Making PDFs: {done}/{total}"), "zip": _("Download all (ZIP)"),
        "pdf": _("Download all in one PDF for printing"), "none": _("This class has no certificates yet."),
        "number": _("Certificate No."), "code": _("Verification code"), "register": _("Register No."),
        "name": _("Full name"),
        "classification": _("Classification"), "status": _("Status"), "file": _("File"),
    }
    return tool_page("issue.html", _("Issue certificates"), texts, "certificates.js", classes=classes,
                     issuers=issuers, year=dt.date.today().year)
