"""The coordinators' certificate page (linked from the admin sidebar): issue a class's certificates
with a progress bar, download them as ZIP or one PDF, and download the register book.

It calls the JSON API with the admin session and CSRF header, like the other tool pages.
"""

from __future__ import annotations

import datetime as dt
import html

from litestar import Request, get
from litestar.response import Redirect, Response

from training.access import scope_where
from training.api.auth import provide_actor, refuse_learners
from training.api.pages import COMMON_JS, _class_options, _tool_page
from training.errors import DomainError
from training.i18n import N_, _

CERTIFICATES_JS = COMMON_JS + r"""
const form = document.getElementById('issue');
const bar = document.getElementById('progress'), summary = document.getElementById('summary');
function links(cls){
  document.getElementById('downloads').innerHTML =
    `<a href="/api/classes/${cls}/certificates/export?format=zip">${esc(T.zip)}</a> · ` +
    `<a href="/api/classes/${cls}/certificates/export?format=pdf">${esc(T.pdf)}</a>`;
}
async function list(cls){
  const resp = await fetch(`/api/classes/${cls}/certificates`, {credentials: 'same-origin'});
  const rows = resp.ok ? await resp.json() : [];
  const out = document.getElementById('result');
  if (!rows.length) {
    out.innerHTML = `<p>${esc(T.none)}</p>`; document.getElementById('downloads').innerHTML = ''; return;
  }
  links(cls);
  const head = '<tr>' + [T.number, T.code, T.register, T.name, T.classification, T.status, T.file]
    .map(t => `<th scope="col">${esc(t)}</th>`).join('') + '</tr>';
  const verify = r => `/verify/${encodeURIComponent(r.number)}` +
    (r.verification_code ? `?code=${encodeURIComponent(r.verification_code)}` : '');
  out.innerHTML = `<table>${head}${rows.map(r => `<tr><td><a href="${esc(verify(r))}">${esc(r.number)}</a></td>
    <td>${esc(r.verification_code || '')}</td><td>${esc(r.register)}</td><td>${esc(r.holder_name)}</td>
    <td>${esc(r.classification)}</td>
    <td>${esc(r.status_label)}</td><td><a href="/api/certificates/${r.id}/pdf">PDF</a></td></tr>`).join('')}</table>`;
}
const select = document.getElementById('class');
if (select) { select.addEventListener('change', () => list(select.value)); list(select.value); }
if (form) form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const cls = select.value;
  bar.hidden = false; bar.value = 0; summary.textContent = T.working;
  const resp = await fetch(`/api/classes/${cls}/certificates`, {method: 'POST', credentials: 'same-origin',
    headers: {'X-CSRFToken': csrf(), 'Accept': 'application/x-ndjson', 'Content-Type': 'application/json'},
    body: '{}'});
  if (!resp.ok) {
    const body = await resp.json();
    bar.hidden = true;
    summary.innerHTML = `<span class="error">${esc(body.error ? body.error.message : resp.status)}</span>`;
    return;
  }
  const reader = resp.body.getReader(), decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, i)); buffer = buffer.slice(i + 1);
      if (line.stage) {
        bar.max = line.total || 1; bar.value = line.done;
        summary.textContent = (line.stage === 'pdf' ? T.pdfs : T.records)
          .replace('{done}', line.done).replace('{total}', line.total);
      } else if (line.result) {
        bar.value = bar.max; summary.textContent = line.result.message; list(cls);
      } else if (line.error) {
        summary.innerHTML = `<span class="error">${esc(line.error.message)}</span>`;
      }
    }
  }
});
"""

# Messages used inside f-strings, which Babel cannot see there: marked here for extraction.
_IN_FSTRINGS = (
    N_('Certificates go to every learner who completed the class; learners who already have one get no second one.'),
    N_('Class'),
    N_('Issue certificates'),
    N_('Progress'),
    N_('Register book'),
    N_('Issuing organisation'),
    N_('Year'),
    N_('Download the register (XLSX)'),
)


@get("/tools/certificates.js", include_in_schema=False, media_type="application/javascript")
async def certificates_script() -> str:
    return CERTIFICATES_JS


async def _issuer_options(request: Request) -> str:
    from certificates.tables import IssuerProfile

    actor = await provide_actor(request)
    query = IssuerProfile.select(IssuerProfile.organisation, IssuerProfile.organisation.name.as_alias("name")
                                 ).order_by(IssuerProfile.organisation.name)
    where = scope_where(IssuerProfile, actor)
    if where is not None:
        query = query.where(where)
    return "".join(f'<option value="{r["organisation"]}">{html.escape(r["name"])}</option>'
                   for r in await query.run())


@get("/tools/certificates", include_in_schema=False, guards=[refuse_learners])
async def certificates_page(request: Request) -> Response:
    try:
        options = await _class_options(request, ["closed"])
        issuers = await _issuer_options(request)
    except DomainError:
        return Redirect("/admin/")
    e = html.escape
    texts = {
        "working": _("Issuing…"), "records": _("Numbering and signing: {done}/{total}"),
        "pdfs": _("Making PDFs: {done}/{total}"), "zip": _("Download all (ZIP)"),
        "pdf": _("Download all in one PDF for printing"), "none": _("This class has no certificates yet."),
        "number": _("Certificate No."), "code": _("Verification code"), "register": _("Register No."),
        "name": _("Full name"),
        "classification": _("Classification"), "status": _("Status"), "file": _("File"),
    }
    if not options:
        none = _("No class is closed yet: close a class to decide completion, then issue its certificates.")
        issue = f"<p>{e(none)}</p>"
    else:
        issue = f"""<p>{e(_("Certificates go to every learner who completed the class; learners who already have "
                           "one get no second one."))}</p>
<form id="issue"><label for="class">{e(_("Class"))}</label><select id="class" name="class">{options}</select>
<div><button type="submit">{e(_("Issue certificates"))}</button></div></form>
<progress id="progress" hidden value="0" max="1" aria-label="{e(_("Progress"))}"></progress>
<div id="summary" role="status" aria-live="polite"></div>
<p id="downloads"></p><div id="result"></div>"""
    year = dt.date.today().year
    register = f"""<h2>{e(_("Register book"))}</h2>
<form method="get" action="/api/certificates/register">
<label for="organisation">{e(_("Issuing organisation"))}</label>
<select id="organisation" name="organisation">{issuers}</select>
<label for="year">{e(_("Year"))}</label>
<input id="year" name="year" type="number" min="2000" max="2100" value="{year}">
<div><button type="submit">{e(_("Download the register (XLSX)"))}</button></div></form>"""
    return _tool_page(_("Issue certificates"), issue + register, texts, "/tools/certificates.js")
