const form = document.getElementById('issue');
const bar = document.getElementById('progress'), summary = document.getElementById('summary');
function links(cls){
  document.getElementById('downloads').innerHTML =
    `<a href="/api/classes/${cls}/certificates/export?format=zip">${esc(T.zip)}</a> · ` +
    `<a href="/api/classes/${cls}/certificates/export?format=pdf">${esc(T.pdf)}</a>`;
}
async function list(cls){
  const resp = await fetch(`/api/classes/${cls}/certificates`, {credentials: 'same-origin'});
  const rows = resp.ok ? await resp.json() : [];
  const out = document.getElementById('result');
  if (!rows.length) {
    out.innerHTML = `<p>${esc(T.none)}</p>`; document.getElementById('downloads').innerHTML = ''; return;
  }
  links(cls);
  const head = '<tr>' + [T.number, T.code, T.register, T.name, T.classification, T.status, T.file]
    .map(t => `<th scope="col">${esc(t)}</th>`).join('') + '</tr>';
  const verify = r => `/verify/${encodeURIComponent(r.number)}` +
    (r.verification_code ? `?code=${encodeURIComponent(r.verification_code)}` : '');
  out.innerHTML = `<table>${head}${rows.map(r => `<tr><td><a href="${esc(verify(r))}">${esc(r.number)}</a></td>
    <td>${esc(r.verification_code || '')}</td><td>${esc(r.register)}</td><td>${esc(r.holder_name)}</td>
    <td>${esc(r.classification)}</td>
    <td>${esc(r.status_label)}</td><td><a href="/api/certificates/${r.id}/pdf">PDF</a></td></tr>`).join('')}</table>`;
}
const select = document.getElementById('class');
if (select) { select.addEventListener('change', () => list(select.value)); list(select.value); }
if (form) form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const cls = select.value;
  bar.hidden = false; bar.value = 0; summary.textContent = T.working;
  const resp = await fetch(`/api/classes/${cls}/certificates`, {method: 'POST', credentials: 'same-origin',
    headers: {'X-CSRFToken': csrf(), 'Accept': 'application/x-ndjson', 'Content-Type': 'application/json'},
    body: '{}'});
  if (!resp.ok) {
    const body = await resp.json();
    bar.hidden = true;
    summary.innerHTML = `<span class="error">${esc(body.error ? body.error.message : resp.status)}</span>`;
    return;
  }
  const reader = resp.body.getReader(), decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, i)); buffer = buffer.slice(i + 1);
      if (line.stage) {
        bar.max = line.total || 1; bar.value = line.done;
        summary.textContent = (line.stage === 'pdf' ? T.pdfs : T.records)
          .replace('{done}', line.done).replace('{total}', line.total);
      } else if (line.result) {
        bar.value = bar.max; summary.textContent = line.result.message; list(cls);
      } else if (line.error) {
        summary.innerHTML = `<span class="error">${esc(line.error.message)}</span>`;
      }
    }
  }
});
