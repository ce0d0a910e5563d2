// The attendance page of one session: "all present", then the exceptions, then one save through
// PUT /api/sessions/{id}/attendance. A failed save (server refusing or unreachable) leaves every mark on
// the page and says so; pressing save again retries.
const form = document.getElementById('attendance');
if (form) {
  const summary = document.getElementById('summary');
  const say = (html) => { summary.innerHTML = html; };
  const pad = (n) => String(n).padStart(2, '0');
  let edits = 0;  // changes made on the page; a save covers those made before it was sent
  document.getElementById('all-present').addEventListener('click', () => {
    form.querySelectorAll('input[type=radio][value=present]').forEach(r => { r.checked = true; });
    edits++;
    say(esc(T.unsaved));
  });
  form.addEventListener('change', () => { edits++; say(esc(T.unsaved)); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const marks = [];
    form.querySelectorAll('fieldset[data-enrolment]').forEach(fs => {
      const checked = fs.querySelector('input[type=radio]:checked');
      if (checked) marks.push({enrolment: Number(fs.dataset.enrolment), status: checked.value, note: fs.dataset.note});
    });
    if (!marks.length) { say(esc(T.none)); return; }
    say(esc(T.saving));
    const button = document.getElementById('save'), sent = edits;
    button.disabled = true;  // one save at a time; a retry is the same button once this one has answered
    let reason;
    try {
      const resp = await fetch(`/api/sessions/${form.dataset.session}/attendance`, {method: 'PUT',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf()}, credentials: 'same-origin',
        body: JSON.stringify({marks})});
      if (resp.ok) {
        const now = new Date();
        const saved = T.saved.replace('{time}', `${pad(now.getHours())}:${pad(now.getMinutes())}`);
        say(`<span class="ok">${esc(saved)}</span>` + (edits !== sent ? ` ${esc(T.unsaved)}` : ''));
        return;
      }
      let body = {};
      try { body = await resp.json(); } catch (e) { /* not the error shape: keep the status */ }
      reason = body.error ? body.error.message : `HTTP ${resp.status}`;
    } catch (e) {
      reason = T.offline;
    } finally {
      button.disabled = false;
    }
    if (!/[.!?]$/.test(reason)) reason += '.';
    say(`<span class="error">${esc(T.failed.replace('{reason}', reason))}</span>`);
  });
}
