// Shared by the tool pages: their texts (JSON in the page), HTML escaping, the admin's CSRF token.
const T = JSON.parse(document.getElementById('texts').textContent);
function esc(s){return String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function csrf(){const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/); return m ? decodeURIComponent(m[1]) : '';}
// The imports' "Lưu": enabled only once a dry run of the file now chosen found no error, disabled again when
// another file or class is chosen. The server holds the same rule: a save sends the dry run's fingerprint.
function saveGate(form){
  const save = form.querySelector('button[data-commit=true]');
  const gate = {fingerprint: null,
    reset(){ gate.fingerprint = null; save.disabled = true; },
    allow(fingerprint){ gate.fingerprint = fingerprint || null; save.disabled = !gate.fingerprint; }};
  form.querySelectorAll('input[type=file], select').forEach(el => el.addEventListener('change', () => gate.reset()));
  gate.reset();
  return gate;
}
// POST a file (and, to save, the dry run's fingerprint); the answer's status and JSON body.
async function sendFile(url, file, fingerprint){
  const data = new FormData(); data.append('file', file);
  if (fingerprint) data.append('fingerprint', fingerprint);
  try {
    const resp = await fetch(url, {method: 'POST', body: data, headers: {'X-CSRFToken': csrf()},
      credentials: 'same-origin'});
    let body = {};
    try { body = await resp.json(); } catch (e) { /* not JSON: keep the status */ }
    return {ok: resp.ok, status: resp.status, body};
  } catch (e) {
    return {ok: false, status: 0, body: {error: {message: T.offline}}};
  }
}
// The first line of a refusal: for an import with row errors, its summary ("3 dòng có lỗi …"), else the message.
function refusal(body, status){
  const err = body.error || {};
  if (err.result && err.errors && err.errors.length) return err.errors[0].message;
  return err.message || `HTTP ${status}`;
}
// The per-row table of an import (a dry run's, or a refused save's: the same rows, the same messages).
function rowTable(rows, extra){
  const cols = [T.row, T.name, T.outcome].concat(extra ? [extra.title] : []).concat([T.messages]);
  const head = '<tr>' + cols.map(t => `<th scope="col">${esc(t)}</th>`).join('') + '</tr>';
  const lines = rows.map(r => `<tr><td>${r.row}</td><td>${esc(r.full_name)}</td>
    <td class="${r.status === 'error' ? 'error' : 'ok'}">${esc(r.status_label)}</td>`
    + (extra ? `<td>${esc(extra.cell(r))}</td>` : '')
    + `<td>${(r.messages || []).map(m => `<div class="${esc(m.level)}">${esc(m.text)}</div>`).join('')}</td></tr>`)
    .join('');
  return `<table id="rows">${head}${lines}</table>`;
}
// An import page's form: "Kiểm tra thử" (dry run), then "Lưu" with the dry run's fingerprint. A refused save
// keeps the table on the page unless the refusal carries the server's own per-row answer. ``page`` says what
// differs: url(classId, commit), show(answer) draws an answer, saved(answer) and checked(answer) are the
// summary lines.
function importForm(form, page){
  const gate = saveGate(form);
  const summary = document.getElementById('summary'), result = document.getElementById('result');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const commit = ev.submitter && ev.submitter.dataset.commit === 'true';
    const file = document.getElementById('file').files[0];
    const cls = document.getElementById('class').value;
    if (!file || !cls) { summary.textContent = T.choose; return; }
    if (commit && !gate.fingerprint) { summary.textContent = T.check_first; return; }
    summary.textContent = commit ? T.saving : T.checking;
    if (!commit) result.innerHTML = '';
    const {ok, status, body} = await sendFile(page.url(cls, commit), file, commit ? gate.fingerprint : null);
    if (!ok) {
      gate.reset();
      const res = body.error && body.error.result;  // its message already says nothing was saved
      const failed = commit && !res && status !== 409 ? esc(T.failed) : '';
      summary.innerHTML = `<span class="error">${esc(refusal(body, status))}</span> ${failed}`;
      if (res) page.show(res);  // otherwise the table shown stays as it was
      return;
    }
    if (body.committed) {
      gate.reset();
      summary.textContent = page.saved(body);
    } else {
      summary.textContent = page.checked(body);
      gate.allow(body.error === 0 ? body.fingerprint : null);
      if (body.error) summary.insertAdjacentHTML('beforeend', ` <span class="error">${esc(T.fix_first)}</span>`);
    }
    page.show(body);
  });
}
