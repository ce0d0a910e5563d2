// Loaded by the admin's page (admin/site.py): relabels table names in the admin's menu and titles
// (piccolo-admin shows raw table names), and shows the server's own message when a sign-in is refused
// (piccolo-admin shows "Problem logging in" in English whatever the reason). Its texts come from
// /admin-labels.json: {labels: {lang: {table name: label}}, wrong_password: {lang: message},
// names: {lang: {controls: {...}, icons: {...}}}}. It also gives an accessible name to the inputs, selects
// and icon-only links piccolo-admin leaves unnamed (screen readers announce them; axe-core checks it).
// Issue 12: it replaces piccolo-admin's English that its $t does not cover (phrases, patterns: admin/phrases.py),
// in texts, attributes and confirm()/alert(); shows NULL as "—"; shows dates as dd/mm/yyyy and times as HH:mm
// in the service's time zone, and puts a dd/mm/yyyy text field in front of each date/time input (ADR 0033).
(function(){
  var L = null, W = {}, M = null, N = null, done = new WeakMap();
  var P = null, R = null, I = null, U = null, TZ = (document.currentScript && document.currentScript.dataset.timeZone) ||
    'Asia/Ho_Chi_Minh';
  // piccolo-admin's timestamp widget converts what is typed from this zone (its own setting, default UTC).
  localStorage.setItem('defaultTimezone', TZ);
  var xo = XMLHttpRequest.prototype.open, xs = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function(m, u){this.__login = /public\/login\/?$/.test(String(u));
    return xo.apply(this, arguments);};
  XMLHttpRequest.prototype.send = function(){var x = this; if (x.__login) {M = null;
    x.addEventListener('readystatechange', function(){if (x.readyState !== 4 || x.status < 400) {return;}
      try {M = JSON.parse(x.responseText).error.message;} catch (e) {M = W[lang()] || null;}});}
    return xs.apply(this, arguments);};
  function lang(){var l = localStorage.getItem('piccoloAdminDefaultLanguage') || 'vi';
    return (l === 'vi' || l === 'en') ? l : 'vi';}
  document.cookie = 'lang=' + lang() + '; path=/; SameSite=Lax' + (location.protocol==='https:'?'; Secure':'');
  var K = null; function keys(m){if (!K) {K = Object.keys(m).sort(function(a, b){return b.length - a.length;});}
    return K;}
  function fix(root){if (!L || !root) {return;} var m = L[lang()] || {}; var ks = keys(m);
    var w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT); var n;
    while ((n = w.nextNode())) {var v = n.nodeValue; var t = v.trim().toLowerCase();
      // A text this script wrote is never relabelled again: an English label can end with a table
      // name ("Class sessions" ends in "sessions"), and relabelling it would grow it for ever.
      if (!t || done.get(n) === v) {continue;}
      if (M && t === 'problem logging in') {n.nodeValue = M; continue;}
      var pv = phrase(v.trim(), n.parentNode);
      if (pv !== null) {pv = v.replace(v.trim(), pv); done.set(n, pv); if (pv !== v) {n.nodeValue = pv;} continue;}
      for (var i = 0; i < ks.length; i++) {var k = ks[i];
        if (t === k || t.slice(-k.length - 1) === ' ' + k) {var at = v.toLowerCase().lastIndexOf(k);
          // Write only a change: writing the same text is a mutation too, and the observer below
          // would call fix again for ever (English labels such as "Attendance" equal their key).
          var nv = v.slice(0, at) + m[k] + v.slice(at + k.length); done.set(n, nv);
          if (nv !== v) {n.nodeValue = nv;} break;}}}}
  function pad(x){return (x < 10 ? '0' : '') + x;}
  var F = {};
  function local(d){if (!F[TZ]) {F[TZ] = new Intl.DateTimeFormat('en-GB', {timeZone: TZ, year: 'numeric',
      month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});}
    var p = {}; F[TZ].formatToParts(d).forEach(function(x){p[x.type] = x.value;});
    return {date: p.day + '/' + p.month + '/' + p.year, time: p.hour + ':' + p.minute,
      iso: p.year + '-' + p.month + '-' + p.day + 'T' + p.hour + ':' + p.minute};}
  // A value as piccolo-admin's API gives it (ISO) -> as a coordinator reads it; null when it is not a date or time.
  function shown(v){var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v); if (m) {return m[3] + '/' + m[2] + '/' + m[1];}
    m = /^(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(v); if (m) {return m[1];}
    m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
    if (!m) {return null;}
    if (!m[8]) {return m[3] + '/' + m[2] + '/' + m[1] + ' ' + m[4] + ':' + m[5];}
    var d = new Date(v.replace(' ', 'T')); if (isNaN(d)) {return null;} var l = local(d); return l.date + ' ' + l.time;}
  // What a coordinator typed in a date/time field -> the value piccolo-admin's input takes; null when unreadable.
  function typed(kind, v){v = v.trim(); if (!v) {return '';}
    var d = /^(\d{1,2})[\/.-](\d{1,2})[\/.-](\d{4})/.exec(v), t = /(?:^|\s)(\d{1,2})[:h](\d{2})$/.exec(v);
    if (kind !== 'time' && d) {var dt = new Date(Date.UTC(+d[3], +d[2] - 1, +d[1]));
      if (dt.getUTCDate() !== +d[1] || dt.getUTCMonth() !== +d[2] - 1) {return null;}}
    if (t && (+t[1] > 23 || +t[2] > 59)) {return null;}
    if (kind === 'date') {return d && v === d[0] ? d[3] + '-' + pad(+d[2]) + '-' + pad(+d[1]) : null;}
    if (kind === 'time') {return t && v === t[0].trim() ? pad(+t[1]) + ':' + t[2] : null;}
    return d && t ? d[3] + '-' + pad(+d[2]) + '-' + pad(+d[1]) + 'T' + pad(+t[1]) + ':' + t[2] : null;}
  // piccolo-admin's English text -> ours, or null when it is not one of its phrases.
  function phrase(t, parent){var lg = lang(), p = P && P[lg], r = R && R[lg], m;
    if (t === 'NULL' || t === 'Null') {return '\u2014';}
    if (p && Object.prototype.hasOwnProperty.call(p, t)) {return p[t];}
    if (parent && parent.closest && parent.closest('td, .value, dd')) {var s = shown(t); if (s !== null) {return s;}
      if (lg === 'vi' && /^-?\d+\.\d+$/.test(t)) {return t.replace('.', ',');}}
    if (!r) {return null;}
    if ((m = /^of (\d+)$/.exec(t))) {return r.of.replace('{n}', m[1]);}
    if ((m = /^(\d+) per page$/.exec(t))) {return r.per_page.replace('{n}', m[1]);}
    if ((m = /^Are you sure you want to delete row (.+)\?$/.exec(t))) {return r.delete_row.replace('{id}', m[1]);}
    if ((m = /^Select a row from (.+)$/.exec(t))) {var k = m[1].toLowerCase(), lb = L && L[lg] && L[lg][k];
      return r.select_row.replace('{table}', lb || m[1]);}
    return null;}
  function says(t){var v = phrase(String(t).trim(), null); return v === null ? t : v;}
  var ask = window.confirm, tell = window.alert;
  window.confirm = function(t){return ask.call(window, says(t));};
  window.alert = function(t){return tell.call(window, says(t));};
  function attrs(root){if (!P || !root.querySelectorAll) {return;}
    root.querySelectorAll('[title], [placeholder], option[label]').forEach(function(el){
      ['title', 'placeholder', 'label'].forEach(function(a){var v = el.getAttribute(a); if (!v) {return;}
        var nv = (a === 'placeholder' && /^(NULL|None)$/.test(v)) ? '' : phrase(v.trim(), null);
        if (nv !== null && nv !== v) {el.setAttribute(a, nv);}});});}
  // The text of the label piccolo-admin puts above a form field (it is not tied to the input).
  function fieldLabel(el){for (var up = el.parentNode, i = 0; up && i < 4; up = up.parentNode, i++) {
      var lb = up.querySelector && up.querySelector('label'), t = lb && lb.textContent.replace(/\*/g, '').trim();
      if (t) {return t;}}
    return null;}
  // A list's true/false cell is a check or a cross: say "Yes"/"No" to screen readers and on hover.
  function yesNo(root){if (!P || !root.querySelectorAll) {return;} var p = P[lang()] || {};
    root.querySelectorAll('td span > svg.correct, td span > svg.incorrect').forEach(function(svg){
      var v = p[svg.classList.contains('correct') ? 'True' : 'False'], sp = svg.parentNode;
      if (sp.getAttribute('title') !== v) {sp.setAttribute('title', v); sp.setAttribute('role', 'img');
        sp.setAttribute('aria-label', v);}});}
  // In Vietnamese a number field of the form shows "8,5" (the server reads the comma: admin/values.py).
  function commas(root){var cols = U && U[(/^#\/([a-z_]+)\//.exec(location.hash) || [])[1]];
    if (!cols || lang() !== 'vi' || !root.querySelectorAll) {return;}
    cols.forEach(function(c){root.querySelectorAll('form input[type=text][name="' + c + '"]').forEach(function(el){
      if (document.activeElement !== el && /^-?\d+\.\d+$/.test(el.value)) {el.value = el.value.replace('.', ',');}});});}
  var D = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value'), typing = new WeakSet();
  // A text field "dd/mm/yyyy", "HH:mm" or "dd/mm/yyyy HH:mm" in front of piccolo-admin's date, time and
  // date-time inputs (the browser shows those in its own locale): what is typed is written into the hidden
  // input as ISO, with the input event piccolo-admin listens to; what piccolo-admin writes is shown back.
  function dates(root){if (!root.querySelectorAll || !I) {return;}
    root.querySelectorAll('input[type=date], input[type=time], input[type=datetime-local]').forEach(function(el){
      if (typing.has(el)) {return;} typing.add(el);
      var kind = el.type === 'date' ? 'date' : (el.type === 'time' ? 'time' : 'datetime');
      var f = document.createElement('input'); f.type = 'text'; f.className = 'typed-date';
      f.setAttribute('autocomplete', 'off');
      f.placeholder = kind === 'date' ? 'dd/mm/yyyy' : (kind === 'time' ? 'HH:mm' : 'dd/mm/yyyy HH:mm');
      var label = fieldLabel(el); if (label) {f.setAttribute('aria-label', label);}
      function show(v){if (!v) {return '';} var s = shown(v.length === 16 ? v + ':00' : v); return s === null ? v : s;}
      f.value = show(D.get.call(el));
      Object.defineProperty(el, 'value', {configurable: true, get: function(){return D.get.call(el);},
        set: function(v){D.set.call(el, v); if (document.activeElement !== f) {f.value = show(D.get.call(el));}}});
      f.addEventListener('input', function(){var v = typed(kind, f.value), msg = (I[lang()] || {})[kind] || '';
        f.setCustomValidity(v === null ? msg : ''); f.title = v === null ? msg : '';
        if (v === null) {f.setAttribute('aria-invalid', 'true'); return;} f.removeAttribute('aria-invalid');
        D.set.call(el, v); el.dispatchEvent(new Event('input', {bubbles: true}));
        el.dispatchEvent(new Event('change', {bubbles: true}));});
      el.style.display = 'none'; el.setAttribute('tabindex', '-1');
      el.parentNode.insertBefore(f, el.nextSibling);});}
  function named(el){return el.getAttribute('aria-label') || el.getAttribute('title') ||
    (el.id && document.querySelector('label[for="' + el.id + '"]')) || (el.tagName !== 'A' && el.closest('label')) ||
    (el.tagName === 'A' && el.textContent.trim());}
  function control(el){if (el.name === 'username' || el.name === 'password') {return el.name;}
    if (el.type === 'checkbox') {return el.closest('th') ? 'select_all' : (el.closest('td') ? 'select_row' : 'input');}
    if (el.type === 'number' && el.closest('.pagination, nav, ul')) {return 'page';}
    if (el.tagName === 'SELECT') {return el.closest('#page_size') ? 'page_size' : 'select';}
    return 'input';}
  function name(root){var n = N && N[lang()]; if (!n || !root || !root.querySelectorAll) {return;}
    root.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function(el){
      if (named(el)) {return;} var k = control(el), f = (k === 'input' || k === 'select') && fieldLabel(el);
      el.setAttribute('aria-label', f || n.controls[k] || n.controls.input);});
    root.querySelectorAll('a').forEach(function(el){if (named(el)) {return;}
      var icon = el.querySelector('svg[data-icon]'); var key = icon && icon.getAttribute('data-icon');
      el.setAttribute('aria-label', (key && n.icons[key]) || n.icons['ellipsis-v']);});}
  function all(){fix(document.body); attrs(document.body); dates(document.body); yesNo(document.body);
    commas(document.body); name(document.body);}
  // Only the attributes this script translates are observed (not aria-label, so naming never feeds the
  // observer back); it writes an attribute or a text only when it changes, and never writes an English key.
  new MutationObserver(all).observe(document.documentElement,
    {childList: true, subtree: true, characterData: true, attributes: true,
     attributeFilter: ['title', 'placeholder', 'label']});
  var req = new XMLHttpRequest();
  req.open('GET', '/admin-labels.json');
  req.onload = function(){if (req.status !== 200) {return;} var data = JSON.parse(req.responseText);
    L = data.labels; W = data.wrong_password; N = data.names; P = data.phrases; R = data.patterns;
    I = data.invalid; U = data.numbers; if (data.time_zone && data.time_zone !== TZ) {TZ = data.time_zone;
      localStorage.setItem('defaultTimezone', TZ);} all();};
  req.send();
  document.addEventListener('DOMContentLoaded', all);
})();
