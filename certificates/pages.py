"""HTML pages of certificates: the public verification page the QR code points to, the learner's
sign-in and "my certificates" pages, and the coordinators' issuing tool (with a progress bar).

Public pages never show a citizen ID or a date of birth.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated, Any
from urllib.parse import quote

from litestar import get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Response

from certificates import service
from certificates.api import UPLOAD_LIMIT, FileIn
from certificates.api import upload_bytes as _upload
from certificates.codes import display as display_code
from certificates.codes import normalize as normalize_code
from training.errors import DomainError
from training.i18n import N_, _, get_language

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;background:#f5f7fa;
line-height:1.45}
header{background:#1f4e79;color:#fff;padding:.8rem 1rem} header a{color:#fff}
main{max-width:46rem;margin:1rem auto;padding:0 1rem}
h1{font-size:1.4rem;margin:.6rem 0} h2{font-size:1.15rem;margin:1.2rem 0 .4rem}
.card{background:#fff;border:1px solid #d5dbe3;border-radius:6px;padding:1rem;margin:1rem 0}
.badge{display:inline-block;padding:.35rem .8rem;border-radius:4px;font-weight:700;font-size:1.1rem}
.valid{background:#0b6b2b;color:#fff} .revoked{background:#a4001d;color:#fff}
.replaced{background:#7a4a00;color:#fff} .expired{background:#4a5562;color:#fff}
.error{color:#a4001d;font-weight:600} .ok{color:#0b6b2b;font-weight:600}
dl{display:grid;grid-template-columns:minmax(8rem,auto) 1fr;gap:.3rem .8rem;margin:0}
dt{color:#4a5562} dd{margin:0;font-weight:600}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=text],input[type=password]{font-size:1rem;padding:.5rem;width:100%;max-width:24rem;box-sizing:border-box}
button,.button{font-size:1rem;padding:.5rem 1rem;margin:.8rem .5rem 0 0;border:0;border-radius:4px;
background:#1f4e79;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d5dbe3;padding:.4rem;text-align:left;vertical-align:top}
@media (max-width:32rem){dl{grid-template-columns:1fr} dt{margin-top:.4rem}}
"""

# Messages used inside f-strings, which Babel cannot see there: marked here for extraction.
_IN_FSTRINGS = (
    N_('Social work training and certification'),
    N_('This certificate was issued by this system and is valid.'),
    N_('This certificate was replaced by certificate'),
    N_('This certificate has expired.'),
    N_('Check a certificate number'),
    N_('Certificate No.'),
    N_('Check'),
    N_('Check a PDF file'),
    N_("Upload a certificate's PDF to learn whether it is an unmodified copy of the original."),
    N_('PDF file (at most 10 MB)'),
    N_('Check the file'),
    N_('Verify a certificate'),
    N_('See the details'),
    N_('Verification code (on the certificate, next to the number)'),
    N_('Show the details'),
    N_('Verification code (optional: shows the holder and the details)'),
)


def page(title: str, body: str, status: int = 200, nav: str = "") -> Response:
    e = html.escape
    lang = get_language()
    other = "en" if lang == "vi" else "vi"
    switch = f'<a href="?lang={other}" lang="{other}">{"English" if other == "en" else "Tiếng Việt"}</a>'
    content = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title><style>{STYLE}</style></head><body>
<header><strong>{e(_("Social work training and certification"))}</strong> · {nav}{switch}</header>
<main>{body}</main></body></html>"""
    return Response(content, status_code=status, media_type="text/html",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _date(value: str | None) -> str:
    if not value:
        return ""
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y")


def certificate_card(v: dict[str, Any]) -> str:
    """The verification answer: status only (``details`` false), or the full card."""
    e = html.escape
    status = v["status"]
    if not v["details"]:
        return _status_card(v)
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
    facts = "".join(f"<dt>{e(k)}</dt><dd>{e(str(val))}</dd>" for k, val in rows if val)
    notes = []
    if status == "valid":
        notes.append(f'<p class="ok">{e(_("This certificate was issued by this system and is valid."))}</p>')
    elif status == "revoked":
        text = _("This certificate was revoked: {reason}", reason=v["revoked_reason"])
        notes.append(f'<p class="error">{e(text)}</p>')
    elif status == "replaced":
        link = f'<a href="/verify/{e(v["replaced_by"])}">{e(v["replaced_by"])}</a>'
        notes.append(f'<p class="error">{e(_("This certificate was replaced by certificate"))} {link}.</p>')
    elif status == "expired":
        notes.append(f'<p class="error">{e(_("This certificate has expired."))}</p>')
    if v["signature_checked"]:
        text = _("The QR code is signed by the issuing system and matches this record.")
        notes.append(f'<p class="ok">{e(text)}</p>')
    return (f'<div class="card"><p><span class="badge {e(status)}">{e(v["status_label"])}</span></p>'
            f'{"".join(notes)}<dl>{facts}</dl></div>')


_STATUS_ONLY = {
    "valid": N_("A certificate with this number was issued by this system and is valid."),
    "revoked": N_("A certificate with this number was issued by this system and has been revoked."),
    "replaced": N_("A certificate with this number was issued by this system and has been replaced by a newer "
                   "certificate."),
    "expired": N_("A certificate with this number was issued by this system and has expired."),
}


def _status_card(v: dict[str, Any]) -> str:
    """The number alone (or with a wrong code, which answers the same): the status and how to see more."""
    e = html.escape
    status = v["status"]
    css = "ok" if status == "valid" else "error"
    hint = _("The holder's name and the details are shown to whoever scans the certificate's QR code or types "
             "the verification code printed next to its number.")
    return (f'<div class="card"><p><span class="badge {e(status)}">{e(v["status_label"])}</span></p>'
            f'<p class="{css}" role="status">{e(_(_STATUS_ONLY[status]))}</p><p>{e(hint)}</p>'
            f'<dl><dt>{e(_("Certificate No."))}</dt><dd>{e(v["number"])}</dd></dl></div>'
            + _code_form(v["number"]))


def _code_form(number: str) -> str:
    e = html.escape
    return f"""<div class="card"><h2>{e(_("See the details"))}</h2>
<form method="get" action="/verify/go"><input type="hidden" name="number" value="{e(number)}">
<label for="code">{e(_("Verification code (on the certificate, next to the number)"))}</label>
<input id="code" name="code" type="text" required autocomplete="off" autocapitalize="characters"
spellcheck="false" maxlength="20" placeholder="XXXX-XXXX">
<button type="submit">{e(_("Show the details"))}</button></form></div>"""


def _search_form(number: str = "") -> str:
    e = html.escape
    return f"""<div class="card"><h2>{e(_("Check a certificate number"))}</h2>
<form method="get" action="/verify/go"><label for="number">{e(_("Certificate No."))}</label>
<input id="number" name="number" type="text" value="{e(number)}" required autocomplete="off">
<label for="code">{e(_("Verification code (optional: shows the holder and the details)"))}</label>
<input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false"
maxlength="20" placeholder="XXXX-XXXX">
<button type="submit">{e(_("Check"))}</button></form></div>
<div class="card"><h2>{e(_("Check a PDF file"))}</h2>
<p>{e(_("Upload a certificate's PDF to learn whether it is an unmodified copy of the original."))}</p>
<form method="post" action="/verify/pdf" enctype="multipart/form-data">
<label for="file">{e(_("PDF file (at most 10 MB)"))}</label>
<input id="file" name="file" type="file" accept="application/pdf,.pdf" required>
<button type="submit">{e(_("Check the file"))}</button></form></div>"""


@get("/verify", include_in_schema=False)
async def verify_home() -> Response:
    body = f"<h1>{html.escape(_('Verify a certificate'))}</h1>" + _search_form()
    return page(_("Verify a certificate"), body)


@get("/verify/go", include_in_schema=False)
async def verify_go(number: FromQuery[str] = "", code: FromQuery[str] = "") -> Redirect:
    target = f"/verify/{quote(service.clean_number(number) or '-')}"
    typed = normalize_code(code)  # what cannot be a code is dropped: it would answer as no code anyway
    return Redirect(f"{target}?code={display_code(typed)}" if typed else target)


@get("/verify/{number:str}", include_in_schema=False)
async def verify_page(number: FromPath[str], t: FromQuery[str | None] = None,
                      code: FromQuery[str | None] = None) -> Response:
    title = _("Verify a certificate")
    head = f"<h1>{html.escape(title)}</h1>"
    try:
        view = await service.verification(number, t, code)
    except DomainError as exc:
        body = head + f'<div class="card"><p class="error" role="alert">{html.escape(exc.text())}</p></div>'
        return page(title, body + _search_form(number), status=exc.status)
    return page(f"{view['number']} — {title}", head + certificate_card(view))


@post("/verify/pdf", include_in_schema=False, status_code=200, request_max_body_size=UPLOAD_LIMIT)
async def verify_upload_page(data: Annotated[FileIn, Body(media_type=RequestEncodingType.MULTI_PART)]) -> Response:
    title = _("Verify a certificate")
    head = f"<h1>{html.escape(title)}</h1>"
    try:
        result = await service.check_pdf(await _upload(data))
    except DomainError as exc:
        body = head + f'<div class="card"><p class="error" role="alert">{html.escape(exc.text())}</p></div>'
        return page(title, body + _search_form(), status=exc.status)
    css = "ok" if result["genuine"] else "error"
    body = head + f'<div class="card"><p class="{css}" role="status">{html.escape(result["message"])}</p></div>'
    if result["certificate"]:
        body += certificate_card(result["certificate"])
    return page(title, body + _search_form())
