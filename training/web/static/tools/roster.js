// The roster import: "Kiểm tra thử" (dry run) shows every row; "Lưu" saves the same file with the dry run's
// fingerprint. A refused save keeps the per-row table (the server's own, as the dry run showed it).
const form = document.getElementById('roster');
if (form) {
  const gate = saveGate(form);
  const summary = document.getElementById('summary'), result = document.getElementById('result');
  const notices = (body) => (body.notices || []).forEach(notice => {  // rows skipped, columns ignored
    const line = document.createElement('div'); line.className = 'warning'; line.textContent = notice;
    summary.appendChild(line);
  });
  const render = (rows) => {
    result.innerHTML = rowTable(rows, {title: T.enrolment, cell: r => r.enrolment_label || ''});
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const commit = ev.submitter && ev.submitter.dataset.commit === 'true';
    const file = document.getElementById('file').files[0];
    const cls = document.getElementById('class').value;
    if (!file || !cls) { summary.textContent = T.choose; return; }
    if (commit && !gate.fingerprint) { summary.textContent = T.check_first; return; }
    summary.textContent = commit ? T.saving : T.checking;
    if (!commit) result.innerHTML = '';
    const {ok, status, body} = await sendFile(`/api/classes/${cls}/roster?dry_run=${!commit}`, file,
      commit ? gate.fingerprint : null);
    if (!ok) {
      gate.reset();
      const res = body.error && body.error.result;  // its message already says nothing was saved
      const failed = commit && !res && status !== 409 ? esc(T.failed) : '';
      summary.innerHTML = `<span class="error">${esc(refusal(body, status))}</span> ${failed}`;
      if (res) { notices(res); render(res.rows); }  // otherwise the table shown stays as it was
      return;
    }
    if (body.committed) {
      gate.reset();
      summary.textContent = T.saved.replace('{total}', body.total - body.skipped);
    } else {
      summary.textContent = T.summary.replace('{total}', body.total).replace('{new}', body.new)
        .replace('{existing}', body.existing).replace('{dup}', body.possible_duplicate).replace('{error}', body.error)
        .replace('{confirmed}', body.confirmed).replace('{waitlisted}', body.waitlisted);
      gate.allow(body.error === 0 ? body.fingerprint : null);
      if (body.error) summary.insertAdjacentHTML('beforeend', ` <span class="error">${esc(T.fix_first)}</span>`);
    }
    notices(body);
    render(body.rows);
  });
}
