"""Server-rendered tool pages linked from the admin's sidebar (piccolo-admin forms cannot upload files).

The page signs nothing itself: it calls the JSON API with the admin's session cookie and the
``X-CSRFToken`` header, so every rule of the API (province scoping, all-or-nothing) applies.
"""

from __future__ import annotations

import html
import json

from litestar import Request, get
from litestar.response import Redirect, Response

from training.access import scope_where
from training.api.auth import provide_actor, refuse_learners
from training.errors import DomainError
from training.i18n import _, get_language


def _page(title: str, body: str) -> str:
    back = html.escape(_("Back to the admin"))
    return f"""<!DOCTYPE html>
<html lang="{get_language()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}}
header{{background:#3a87cf;color:#fff;padding:.8rem 1rem}} header a{{color:#fff}}
main{{max-width:70rem;margin:1rem auto;padding:0 1rem}}
label{{display:block;margin:.8rem 0 .3rem;font-weight:600}}
select,input[type=file]{{font-size:1rem;padding:.4rem;max-width:100%}}
button{{font-size:1rem;padding:.5rem 1rem;margin:.8rem .5rem 0 0;border:0;border-radius:4px;
background:#3a87cf;color:#fff;cursor:pointer}} button.secondary{{background:#5f6b7a}}
table{{border-collapse:collapse;width:100%;background:#fff;margin-top:1rem}}
th,td{{border:1px solid #d5dbe3;padding:.4rem;text-align:left;vertical-align:top}}
.error{{color:#a4001d}} .warning{{color:#7a4a00}} .ok{{color:#0b6b2b}}
#summary{{margin-top:1rem;font-weight:600}}
</style></head><body>
<header><a href="/admin/">← {back}</a> · <strong>{html.escape(title)}</strong></header>
<main>{body}</main></body></html>"""


# Shared by the tool pages: their texts (JSON in the page), HTML escaping, the admin's CSRF token.
COMMON_JS = r"""
const T = JSON.parse(document.getElementById('texts').textContent);
function esc(s){return String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function csrf(){const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/); return m ? decodeURIComponent(m[1]) : '';}
"""

ROSTER_JS = COMMON_JS + r"""
const form = document.getElementById('roster');
if (form) form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const commit = ev.submitter && ev.submitter.dataset.commit === 'true';
  const file = document.getElementById('file').files[0];
  const cls = document.getElementById('class').value;
  const summary = document.getElementById('summary'), result = document.getElementById('result');
  if (!file || !cls) { summary.textContent = T.choose; return; }
  summary.textContent = commit ? T.saving : T.checking; result.innerHTML = '';
  const data = new FormData(); data.append('file', file);
  const resp = await fetch(`/api/classes/${cls}/roster?dry_run=${!commit}`, {method: 'POST', body: data,
    headers: {'X-CSRFToken': csrf()}, credentials: 'same-origin'});
  const body = await resp.json();
  if (!resp.ok) {
    const message = body.error ? body.error.message : resp.status;
    summary.innerHTML = `<span class="error">${esc(message)}</span> ${commit ? esc(T.failed) : ''}`;
    const rows = body.rows || (body.error && body.error.rows) || [];
    if (rows.length) render(rows);
    return;
  }
  summary.textContent = body.committed ? T.saved.replace('{total}', body.total)
    : T.summary.replace('{total}', body.total).replace('{new}', body.new).replace('{existing}', body.existing)
      .replace('{dup}', body.possible_duplicate).replace('{error}', body.error)
      .replace('{confirmed}', body.confirmed).replace('{waitlisted}', body.waitlisted);
  render(body.rows);
});
function render(rows){
  const head = '<tr>' + [T.row, T.name, T.outcome, T.enrolment, T.messages]
    .map(t => `<th scope="col">${esc(t)}</th>`).join('') + '</tr>';
  const lines = rows.map(r => `<tr><td>${r.row}</td><td>${esc(r.full_name)}</td>
    <td class="${r.status === 'error' ? 'error' : 'ok'}">${esc(r.status_label)}</td><td>${esc(r.enrolment_label)}</td>
    <td>${(r.messages || []).map(m => `<div class="${esc(m.level)}">${esc(m.text)}</div>`).join('')}</td></tr>`)
    .join('');
  document.getElementById('result').innerHTML = `<table>${head}${lines}</table>`;
}
"""


async def _class_options(request: Request, statuses: list[str]) -> str:
    """<option>s of the classes in these statuses that the signed-in user may see (DomainError if nobody)."""
    from training.tables import TrainingClass

    actor = await provide_actor(request)
    query = TrainingClass.select(TrainingClass.id, TrainingClass.code, TrainingClass.course.name_vi.as_alias(
        "course")).where(TrainingClass.status.is_in(statuses)).order_by(TrainingClass.code)
    where = scope_where(TrainingClass, actor)
    if where is not None:
        query = query.where(where)
    return "".join(
        f'<option value="{c["id"]}">{html.escape(c["code"])} — {html.escape(c["course"] or "")}</option>'
        for c in await query.run())


def _tool_page(title: str, body: str, texts: dict, script_src: str) -> Response:
    """A tool page: its texts as JSON for the script, then the script itself."""
    texts_json = json.dumps(texts, ensure_ascii=False).replace("</", "<\\/")
    script = (f'<script type="application/json" id="texts">{texts_json}</script>\n'
              f'<script src="{script_src}"></script>')
    return Response(_page(title, body + script), media_type="text/html")


@get("/tools/roster.js", include_in_schema=False, media_type="application/javascript")
async def roster_script() -> str:
    return ROSTER_JS


@get("/tools/roster", include_in_schema=False, guards=[refuse_learners])
async def roster_page(request: Request) -> Response:
    try:
        options = await _class_options(request, ["open"])
    except DomainError:
        return Redirect("/admin/")  # sign in through the admin first
    texts = {
        "checking": _("Checking the file…"), "saving": _("Saving…"), "choose": _("Choose a class and a file."),
        "row": _("Row number"), "name": _("Full name"), "outcome": _("Outcome"), "enrolment": _("Enrolment"),
        "messages": _("Messages"), "saved": _("Saved: {total} learners enrolled."),
        "summary": _("{total} rows: {new} new, {existing} existing, {dup} possible duplicates, {error} with errors; "
                     "{confirmed} would be confirmed, {waitlisted} waitlisted."),
        "failed": _("Nothing was saved."),
    }
    if not options:
        body = "<p>" + html.escape(_("No class is open for enrolment.")) + "</p>"
    else:
        intro = html.escape(_("Check the file first: every row is shown with what would happen. Saving enrols "
                              "everyone, or nobody if any row has an error."))
        labels = {key: html.escape(text) for key, text in (
            ("class", _("Class")), ("file", _("Roster file (.xlsx or .csv, at most 10 MB)")),
            ("check", _("Check (dry run)")), ("save", _("Save")))}
        body = f"""
<p>{intro}</p>
<form id="roster">
<label for="class">{labels["class"]}</label><select id="class" name="class">{options}</select>
<label for="file">{labels["file"]}</label>
<input id="file" name="file" type="file" accept=".xlsx,.csv" required>
<div><button type="submit" data-commit="false">{labels["check"]}</button>
<button type="submit" data-commit="true" class="secondary">{labels["save"]}</button></div>
</form>
<div id="summary" role="status" aria-live="polite"></div>
<div id="result"></div>"""
    return _tool_page(_("Import a roster"), body, texts, "/tools/roster.js")


SHEET_JS = COMMON_JS + r"""
const form = document.getElementById('sheet');
if (form) form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const file = document.getElementById('file').files[0];
  const cls = document.getElementById('class').value;
  const summary = document.getElementById('summary'), result = document.getElementById('result');
  if (!file || !cls) { summary.textContent = T.choose; return; }
  summary.textContent = T.saving; result.innerHTML = '';
  const data = new FormData(); data.append('file', file);
  const resp = await fetch(`/api/classes/${cls}/attendance-sheet`, {method: 'POST', body: data,
    headers: {'X-CSRFToken': csrf()}, credentials: 'same-origin'});
  const body = await resp.json();
  if (!resp.ok) {
    const message = body.error ? body.error.message : resp.status;
    summary.innerHTML = `<span class="error">${esc(message)}</span> ${esc(T.failed)}`;
    return;
  }
  summary.textContent = T.saved.replace('{count}', body.sessions.length);
  const head = '<tr>' + [T.session, T.column, T.marked, T.counts]
    .map(t => `<th scope="col">${esc(t)}</th>`).join('') + '</tr>';
  const lines = body.sessions.map(s => `<tr><td>${esc(s.date)} ${esc(s.start_time)}</td><td>${esc(s.column)}</td>
    <td>${s.marked}</td>
    <td>${Object.entries(s.counts).map(([k, v]) => `${esc(T.status[k] || k)}: ${v}`).join(', ')}</td></tr>`).join('');
  const notes = (body.warnings || []).concat(body.skipped_columns.map(c => T.skipped.replace('{column}', c)));
  result.innerHTML = `<table>${head}${lines}</table>` + notes.map(n => `<p class="warning">${esc(n)}</p>`).join('');
});
"""


@get("/tools/attendance-sheet.js", include_in_schema=False, media_type="application/javascript")
async def sheet_script() -> str:
    return SHEET_JS


@get("/tools/attendance-sheet", include_in_schema=False, guards=[refuse_learners])
async def sheet_page(request: Request) -> Response:
    from training.enums import AttendanceStatus, labels

    try:
        options = await _class_options(request, ["open", "running"])
    except DomainError:
        return Redirect("/admin/")
    texts = {
        "choose": _("Choose a class and a file."), "saving": _("Saving…"), "failed": _("Nothing was saved."),
        "saved": _("Attendance saved for {count} session(s)."), "session": _("Session"), "column": _("Column"),
        "marked": _("Learners marked"), "counts": _("Marks"),
        "skipped": _("Column {column} is empty and was skipped."),
        "status": labels(AttendanceStatus),
    }
    intro = html.escape(_("One row per learner (matched by citizen ID, else by name), one column per session headed "
                          "by its date (dd/mm/yyyy, optionally sáng/chiều or a start time). Codes: x or có = "
                          "present, M = late, P or CP = excused, V or KP or empty = absent. All or nothing."))
    labels = {key: html.escape(text) for key, text in (
        ("class", _("Class")), ("file", _("Signed sign-in sheet (.xlsx, at most 10 MB)")), ("save", _("Save")))}
    if not options:
        body = "<p>" + html.escape(_("No class is open or running.")) + "</p>"
    else:
        body = f"""
<p>{intro}</p>
<form id="sheet">
<label for="class">{labels["class"]}</label><select id="class" name="class">{options}</select>
<label for="file">{labels["file"]}</label>
<input id="file" name="file" type="file" accept=".xlsx" required>
<div><button type="submit">{labels["save"]}</button></div>
</form>
<div id="summary" role="status" aria-live="polite"></div>
<div id="result"></div>"""
    return _tool_page(_("Import a sign-in sheet"), body, texts, "/tools/attendance-sheet.js")


STAFF_JS = COMMON_JS + r"""
const form = document.getElementById('staff');
if (form) form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const commit = ev.submitter && ev.submitter.dataset.commit === 'true';
  const file = document.getElementById('file').files[0];
  const summary = document.getElementById('summary'), result = document.getElementById('result');
  if (!file) { summary.textContent = T.choose; return; }
  summary.textContent = commit ? T.saving : T.checking; result.innerHTML = '';
  const data = new FormData(); data.append('file', file);
  const resp = await fetch(`/api/staff/import?dry_run=${!commit}`, {method: 'POST', body: data,
    headers: {'X-CSRFToken': csrf()}, credentials: 'same-origin'});
  const body = await resp.json();
  const res = resp.ok ? body : (body.error && body.error.result);
  if (!resp.ok) summary.innerHTML = `<span class="error">${esc(body.error ? body.error.message : resp.status)}</span>`;
  else summary.textContent = (body.committed ? T.saved : T.summary).replace('{total}', body.total)
    .replace('{new}', body.new).replace('{updated}', body.updated).replace('{unchanged}', body.unchanged)
    .replace('{error}', body.error);
  if (!res) return;
  const head = '<tr>' + [T.row, T.name, T.outcome, T.messages].map(t => `<th scope="col">${esc(t)}</th>`).join('')
    + '</tr>';
  const lines = res.rows.map(r => `<tr><td>${r.row}</td><td>${esc(r.name)}</td>
    <td class="${r.status === 'error' ? 'error' : 'ok'}">${esc(r.status_label)}</td>
    <td>${(r.messages || []).map(m => `<div class="${esc(m.level)}">${esc(m.text)}</div>`).join('')}</td></tr>`)
    .join('');
  result.innerHTML = `<table>${head}${lines}</table>`;
});
"""


@get("/tools/staff.js", include_in_schema=False, media_type="application/javascript")
async def staff_script() -> str:
    return STAFF_JS


@get("/tools/staff", include_in_schema=False, guards=[refuse_learners])
async def staff_page(request: Request) -> Response:
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
    intro = html.escape(_("Columns: Họ và tên, Ngày sinh, Giới tính, Số CCCD, Đơn vị, Loại cán bộ, Tỉnh/Thành phố, "
                          "Xã/Phường, Ngày bắt đầu, Ngày nghỉ. Check the file first; saving stores every row, or "
                          "nothing if any row has an error."))
    labels = {key: html.escape(text) for key, text in (
        ("file", _("Staff list (.xlsx or .csv, at most 10 MB)")), ("check", _("Check (dry run)")),
        ("save", _("Save")))}
    body = f"""
<p>{intro}</p>
<form id="staff">
<label for="file">{labels["file"]}</label>
<input id="file" name="file" type="file" accept=".xlsx,.csv" required>
<div><button type="submit" data-commit="false">{labels["check"]}</button>
<button type="submit" data-commit="true" class="secondary">{labels["save"]}</button></div>
</form>
<div id="summary" role="status" aria-live="polite"></div>
<div id="result"></div>"""
    return _tool_page(_("Import a staff list"), body, texts, "/tools/staff.js")
