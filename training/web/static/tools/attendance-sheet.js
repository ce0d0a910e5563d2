// The sign-in sheet import: "Kiểm tra thử" (dry run) shows what each session would get and every row's
// problems; "Lưu" saves the same file with the dry run's fingerprint; a refused save keeps the per-row table.
const form = document.getElementById('sheet');
if (form) {
  const gate = saveGate(form);
  const select = document.getElementById('class'), link = document.getElementById('template');
  select.addEventListener('change', () => { link.href = `/api/classes/${select.value}/attendance-sheet/template.xlsx`; });
  const summary = document.getElementById('summary'), result = document.getElementById('result');
  const render = (body) => {
    const head = '<tr>' + [T.session, T.column, T.marked, T.counts]
      .map(t => `<th scope="col">${esc(t)}</th>`).join('') + '</tr>';
    const lines = (body.sessions || []).map(s => `<tr><td>${esc(s.date)} ${esc(s.start_time)}</td>
      <td>${esc(s.column)}</td><td>${s.marked}</td>
      <td>${Object.entries(s.counts).map(([k, v]) => `${esc(T.status[k] || k)}: ${v}`).join(', ')}</td></tr>`).join('');
    const notes = (body.warnings || []).concat((body.skipped_columns || []).map(c => T.skipped.replace('{column}', c)));
    result.innerHTML = (lines ? `<table>${head}${lines}</table>` : '')
      + notes.map(n => `<p class="warning">${esc(n)}</p>`).join('') + rowTable(body.rows || []);
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const commit = ev.submitter && ev.submitter.dataset.commit === 'true';
    const file = document.getElementById('file').files[0];
    const cls = select.value;
    if (!file || !cls) { summary.textContent = T.choose; return; }
    if (commit && !gate.fingerprint) { summary.textContent = T.check_first; return; }
    summary.textContent = commit ? T.saving : T.checking;
    if (!commit) result.innerHTML = '';
    const {ok, status, body} = await sendFile(`/api/classes/${cls}/attendance-sheet?dry_run=${!commit}`, file,
      commit ? gate.fingerprint : null);
    if (!ok) {
      gate.reset();
      const res = body.error && body.error.result;  // its message already says nothing was saved
      const failed = commit && !res && status !== 409 ? esc(T.failed) : '';
      summary.innerHTML = `<span class="error">${esc(refusal(body, status))}</span> ${failed}`;
      if (res) render(res);  // otherwise the table shown stays as it was
      return;
    }
    if (body.committed) {
      gate.reset();
      summary.textContent = T.saved.replace('{count}', body.sessions.length);
    } else {
      summary.textContent = T.summary.replace('{total}', body.total).replace('{error}', body.error)
        .replace('{count}', body.sessions.length);
      gate.allow(body.error === 0 ? body.fingerprint : null);
      if (body.error) summary.insertAdjacentHTML('beforeend', ` <span class="error">${esc(T.fix_first)}</span>`);
    }
    render(body);
  });
}
