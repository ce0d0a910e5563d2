// The scores grid of a class: one score per learner (decimal comma or point), one save through
// PUT /api/classes/{id}/scores (all or nothing). A refused or failed save leaves every typed score on the
// page, marks the rows the server named (by their line) and lists its messages.
const form = document.getElementById('scores');
if (form) {
  const summary = document.getElementById('summary'), problems = document.getElementById('problems');
  const rows = Array.from(form.querySelectorAll('tr[data-enrolment]'));
  const pad = (n) => String(n).padStart(2, '0');
  const reEsc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const [before, after] = T.line.split('{row}');
  const lineOf = new RegExp(reEsc(before) + '(\\d+)' + reEsc(after || ''), 'i');
  let edits = 0;
  const clear = () => {
    problems.innerHTML = '';
    rows.forEach(r => { r.classList.remove('wrong'); r.querySelector('input').removeAttribute('aria-invalid'); });
  };
  form.addEventListener('input', () => { edits++; summary.textContent = T.unsaved; });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = document.getElementById('save');
    if (!button) return;
    const scores = rows.map(r => ({enrolment: Number(r.dataset.enrolment), score: r.querySelector('input').value.trim() || null}));
    clear();
    summary.textContent = T.saving;
    button.disabled = true;
    const sent = edits;
    let body = null, reason = null;
    try {
      const resp = await fetch(`/api/classes/${form.dataset.class}/scores`, {method: 'PUT',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf()}, credentials: 'same-origin',
        body: JSON.stringify({scores})});
      if (resp.ok) {
        const now = new Date();
        summary.innerHTML = `<span class="ok">${esc(T.saved.replace('{time}', `${pad(now.getHours())}:${pad(now.getMinutes())}`))}</span>`
          + (edits !== sent ? ` ${esc(T.unsaved)}` : '');
        return;
      }
      try { body = await resp.json(); } catch (e) { /* not the error shape */ }
      reason = body && body.error ? null : `HTTP ${resp.status}`;
    } catch (e) {
      reason = T.offline;
    } finally {
      button.disabled = false;
    }
    summary.innerHTML = `<span class="error">${esc(T.failed)}</span>`;
    const messages = body && body.error ? body.error.errors.map(e => e.message) : [reason];
    let first = null;
    for (const message of messages) {
      const li = document.createElement('li');
      li.textContent = message;
      problems.appendChild(li);
      const m = message.match(lineOf);
      const row = m ? rows[Number(m[1]) - 1] : null;
      if (row) {
        row.classList.add('wrong');
        const input = row.querySelector('input');
        input.setAttribute('aria-invalid', 'true');
        first = first || input;
      }
    }
    if (first) first.focus();
  });
}
