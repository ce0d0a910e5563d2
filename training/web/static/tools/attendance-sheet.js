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
