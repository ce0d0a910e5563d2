// Closing a class: the confirmation posts the fingerprint of the preview on this page, so the class closes
// only as shown (POST /api/classes/{id}/close answers 409 when the decision changed meanwhile). After
// closing, the page reloads and shows the results.
const form = document.getElementById('close');
if (form) {
  const summary = document.getElementById('summary');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = document.getElementById('confirm');
    button.disabled = true;
    summary.textContent = T.closing;
    let reason;
    try {
      const resp = await fetch(`/api/classes/${form.dataset.class}/close`, {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf()}, credentials: 'same-origin',
        body: JSON.stringify({fingerprint: form.dataset.fingerprint})});
      if (resp.ok) { window.location.reload(); return; }
      let body = {};
      try { body = await resp.json(); } catch (e) { /* not the error shape */ }
      reason = body.error ? body.error.message : `HTTP ${resp.status}`;
    } catch (e) {
      reason = T.offline;
    }
    button.disabled = false;
    summary.innerHTML = `<span class="error">${esc(T.failed.replace('{reason}', reason))}</span> `
      + `<a href="${esc(window.location.pathname)}">${esc(T.review)}</a>`;
  });
}
