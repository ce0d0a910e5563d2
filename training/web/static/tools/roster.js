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
  for (const notice of body.notices || []) {  // rows skipped, columns ignored
    const line = document.createElement('div'); line.className = 'warning'; line.textContent = notice;
    summary.appendChild(line);
  }
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
