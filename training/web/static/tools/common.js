// Shared by the tool pages: their texts (JSON in the page), HTML escaping, the admin's CSRF token.
const T = JSON.parse(document.getElementById('texts').textContent);
function esc(s){return String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function csrf(){const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/); return m ? decodeURIComponent(m[1]) : '';}
