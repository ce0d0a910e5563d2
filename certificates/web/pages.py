"""HTML pages of certificates: the public verification page the QR code points to, the learner's
sign-in and "my certificates" pages, and the coordinators' issuing tool (with a progress bar).

Public pages never show a citizen ID or a date of birth.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from certificates import numbering, verification
from certificates.codes import display as display_code
from certificates.codes import normalize as normalize_code
from certificates.web.api import UPLOAD_LIMIT, FileIn, public_keys, upload_bytes, verify_json, verify_pdf
from training.core.config import public_rate_limit
from training.core.errors import DomainError
from training.core.i18n import N_, _, get_language
from training.web.ratelimit import shared_rate_limit

_STATUS_ONLY = {
    "valid": N_("A certificate with this number was issued by this system and is valid."),
    "revoked": N_("A certificate with this number was issued by this system and has been revoked."),
    "replaced": N_("A certificate with this number was issued by this system and has been replaced by a newer "
                   "certificate."),
    "expired": N_("A certificate with this number was issued by this system and has expired."),
}
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def page(template: str, title: str, status: int = 200, **context: Any) -> Template:
    """A page of ``certificates/web/templates/`` (they extend ``layout.html``); never cached."""
    return Template(template_name=template, context={"title": title, **context}, status_code=status,
                    media_type="text/html", headers=NO_STORE)


def _date(value: str | None) -> str:
    if not value:
        return ""
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y")


def certificate_card(v: dict[str, Any]) -> dict[str, Any]:
    """What the verification card shows: the status only (``details`` false), or the full card."""
    status = v["status"]
    if not v["details"]:
        return {"details": False, "status": status, "status_label": v["status_label"], "number": v["number"],
                "summary": _(_STATUS_ONLY[status])}
    rows = [
        (_("Certificate No."), v["number"]), (_("Register No."), v["register"]),
        (_("Holder"), v["holder_name"]),
        (_("Course"), v["course_en"] if get_language() == "en" and v["course_en"] else v["course"]),
        (_("Level"), v["level_label"]), (_("Duration"), _("{hours} hours", hours=v["hours"])),
        (_("Dates"), f"{_date(v['start_date'])} – {_date(v['end_date'])}"),
        (_("Classification"), v["classification"]), (_("Issued by"), v["issuer"]),
        (_("Date of issue"), _date(v["issued_on"])),
    ]
    if v["expires_on"]:
        rows.append((_("Valid until"), _date(v["expires_on"])))
    notes = []
    if status == "valid":
        notes.append({"css": "ok", "text": _("This certificate was issued by this system and is valid.")})
    elif status == "revoked":
        notes.append({"css": "error", "text": _("This certificate was revoked: {reason}", reason=v["revoked_reason"])})
    elif status == "replaced":
        notes.append({"css": "error", "text": _("This certificate was replaced by certificate"),
                      "link": v["replaced_by"]})
    elif status == "expired":
        notes.append({"css": "error", "text": _("This certificate has expired.")})
    if v["signature_checked"]:
        notes.append({"css": "ok", "text": _("The QR code is signed by the issuing system and matches this record.")})
    return {"details": True, "status": status, "status_label": v["status_label"], "notes": notes,
            "facts": [(k, str(val)) for k, val in rows if val]}


@get("/verify", include_in_schema=False)
async def verify_home() -> Template:
    title = _("Verify a certificate")
    return page("verify.html", title, heading=title, search="")


@get("/verify/go", include_in_schema=False)
async def verify_go(number: FromQuery[str] = "", code: FromQuery[str] = "") -> Redirect:
    target = f"/verify/{quote(numbering.clean_number(number) or '-')}"
    typed = normalize_code(code)  # what cannot be a code is dropped: it would answer as no code anyway
    return Redirect(f"{target}?code={display_code(typed)}" if typed else target)


@get("/verify/{number:str}", include_in_schema=False)
async def verify_page(number: FromPath[str], t: FromQuery[str | None] = None,
                      code: FromQuery[str | None] = None) -> Template:
    title = _("Verify a certificate")
    try:
        view = await verification.verification(number, t, code)
    except DomainError as exc:
        return page("verify.html", title, status=exc.status, heading=title, error=exc.text(), search=number)
    return page("verify.html", f"{view['number']} — {title}", heading=title, card=certificate_card(view))


@post("/verify/pdf", include_in_schema=False, status_code=200, request_max_body_size=UPLOAD_LIMIT)
async def verify_upload_page(data: Annotated[FileIn, Body(media_type=RequestEncodingType.MULTI_PART)]) -> Template:
    title = _("Verify a certificate")
    try:
        result = await verification.check_pdf(await upload_bytes(data))
    except DomainError as exc:
        return page("verify.html", title, status=exc.status, heading=title, error=exc.text(), search="")
    card = certificate_card(result["certificate"]) if result["certificate"] else None
    return page("verify.html", title, heading=title, check=result, card=card, search="")


def public_router() -> Router:
    """The public endpoints (the JSON verification API of ``certificates.web.api`` and the HTML pages
    here), rate-limited per client address, counted in the database for every worker and server."""
    limit = public_rate_limit()
    middleware = [shared_rate_limit("public", limit)] if limit else []
    return Router(path="/", route_handlers=[verify_json, verify_pdf, public_keys, verify_home, verify_go, verify_page,
                                            verify_upload_page], middleware=middleware)
