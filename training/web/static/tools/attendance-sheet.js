// The sign-in sheet import: "Kiểm tra thử" (dry run) shows what each session would get and every row's
// problems; "Lưu" saves the same file with the dry run's fingerprint; a refused save keeps the per-row table.
const form = document.getElementById('sheet');
if (form) {
  const select = document.getElementById('class'), link = document.getElementById('template');
  select.addEventListener('change', () => { link.href = `/api/classes/${select.value}/attendance-sheet/template.xlsx`; });
  const result = document.getElementById('result');
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
  importForm(form, {
    url: (cls, commit) => `/api/classes/${cls}/attendance-sheet?dry_run=${!commit}`,
    show: render,
    saved: (body) => T.saved.replace('{count}', body.sessions.length),
    checked: (body) => T.summary.replace('{total}', body.total).replace('{error}', body.error)
      .replace('{count}', body.sessions.length),
  });
}
