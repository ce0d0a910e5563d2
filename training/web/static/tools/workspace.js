// The class workspace (/classes/{id}): schedule sessions from a pattern and enrol a person picked from a
// search, both through the JSON API (POST /api/classes/{id}/sessions, POST /api/classes/{id}/enrolments)
// with the admin's session and X-CSRFToken. After a save the page reloads to show the new roster and
// sessions; the message survives the reload (sessionStorage).
const summary = document.getElementById('summary');
const FLASH = 'workspace-flash';
if (sessionStorage.getItem(FLASH)) {
  summary.innerHTML = `<span class="ok">${esc(sessionStorage.getItem(FLASH))}</span>`;
  sessionStorage.removeItem(FLASH);
}
function failed(body, status) {
  const error = body && body.error;
  const details = error && error.errors ? error.errors.map(e => e.message) : [];
  const lines = [error ? error.message : String(status), ...details.filter(m => error && m !== error.message)];
  summary.innerHTML = `<span class="error">${esc(T.failed)} ${lines.map(esc).join(' ')}</span>`;
}
async function send(url, payload) {
  summary.textContent = T.saving;
  try {
    const resp = await fetch(url, {method: 'POST', credentials: 'same-origin', body: JSON.stringify(payload),
      headers: {'X-CSRFToken': csrf(), 'Content-Type': 'application/json'}});
    const body = await resp.json().catch(() => null);
    if (!resp.ok) { failed(body, resp.status); return null; }
    return body;
  } catch (e) { summary.innerHTML = `<span class="error">${esc(T.offline)}</span>`; return null; }
}
function done(message) { sessionStorage.setItem(FLASH, message); location.reload(); }

const schedule = document.getElementById('schedule-form');
if (schedule) schedule.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const data = new FormData(schedule);
  const trainer = data.get('trainer');
  const pattern = {start_date: data.get('start_date'), count: Number(data.get('count')),
    start_time: data.get('start_time'), end_time: data.get('end_time'), topic: data.get('topic') || '',
    weekdays: data.getAll('weekdays').map(Number), trainer: trainer ? Number(trainer) : null};
  const body = await send(`/api/classes/${schedule.dataset.class}/sessions`, {pattern});
  if (body) done(T.scheduled.replace('{count}', body.length));
});

const enrol = document.getElementById('enrol-form');
const list = document.getElementById('candidates');
let timer = null, asked = 0;
async function search() {
  const q = document.getElementById('person-q').value.trim();
  const mine = ++asked;
  if (q.length < 2) { list.innerHTML = `<li class="muted">${esc(T.short)}</li>`; return; }
  list.innerHTML = `<li class="muted">${esc(T.searching)}</li>`;
  const resp = await fetch(`/api/classes/${enrol.dataset.class}/candidates?q=${encodeURIComponent(q)}`,
    {credentials: 'same-origin'});
  if (mine !== asked) return;  // a later search answers instead
  const rows = resp.ok ? await resp.json() : [];
  if (!rows.length) { list.innerHTML = `<li class="muted">${esc(T.none)}</li>`; return; }
  list.innerHTML = rows.map(r => {
    const about = [r.organisation, r.birth_year].filter(Boolean).join(', ');
    return `<li><button type="button" data-person="${r.id}" data-name="${esc(r.name)}">` +
      `${esc(T.enrol.replace('{name}', r.name))}</button>${about ? ` <span class="muted">${esc(about)}</span>` : ''}</li>`;
  }).join('');
}
if (enrol) {
  enrol.addEventListener('submit', (ev) => { ev.preventDefault(); search(); });
  document.getElementById('person-q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  list.addEventListener('click', async (ev) => {
    const button = ev.target.closest('button[data-person]');
    if (!button) return;
    const body = await send(`/api/classes/${enrol.dataset.class}/enrolments`, {person: Number(button.dataset.person)});
    if (body) done(T.enrolled.replace('{name}', button.dataset.name)
      .replace('{status}', body.status === 'waitlisted' ? T.waitlisted : T.confirmed));
  });
}
