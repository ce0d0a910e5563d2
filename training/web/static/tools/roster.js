// The roster import: "Kiểm tra thử" (dry run) shows every row; "Lưu" saves the same file with the dry run's
// fingerprint. A refused save keeps the per-row table (the server's own, as the dry run showed it).
const form = document.getElementById('roster');
if (form) {
  const summary = document.getElementById('summary'), result = document.getElementById('result');
  importForm(form, {
    url: (cls, commit) => `/api/classes/${cls}/roster?dry_run=${!commit}`,
    show: (body) => {
      (body.notices || []).forEach(notice => {  // rows skipped, columns ignored
        const line = document.createElement('div'); line.className = 'warning'; line.textContent = notice;
        summary.appendChild(line);
      });
      result.innerHTML = rowTable(body.rows, {title: T.enrolment, cell: r => r.enrolment_label || ''});
    },
    saved: (body) => T.saved.replace('{total}', body.total - body.skipped),
    checked: (body) => T.summary.replace('{total}', body.total).replace('{new}', body.new)
      .replace('{existing}', body.existing).replace('{dup}', body.possible_duplicate).replace('{error}', body.error)
      .replace('{confirmed}', body.confirmed).replace('{waitlisted}', body.waitlisted),
  });
}
