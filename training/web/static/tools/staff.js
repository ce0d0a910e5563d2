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
