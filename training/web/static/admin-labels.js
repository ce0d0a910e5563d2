// Loaded by the admin's page (admin/site.py): relabels table names in the admin's menu and titles
// (piccolo-admin shows raw table names), and shows the server's own message when a sign-in is refused
// (piccolo-admin shows "Problem logging in" in English whatever the reason). Its texts come from
// /admin-labels.json: {labels: {lang: {table name: label}}, wrong_password: {lang: message},
// names: {lang: {controls: {...}, icons: {...}}}}. It also gives an accessible name to the inputs, selects
// and icon-only links piccolo-admin leaves unnamed (screen readers announce them; axe-core checks it).
(function(){
  var L = null, W = {}, M = null, N = null, done = new WeakMap();
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
      for (var i = 0; i < ks.length; i++) {var k = ks[i];
        if (t === k || t.slice(-k.length - 1) === ' ' + k) {var at = v.toLowerCase().lastIndexOf(k);
          // Write only a change: writing the same text is a mutation too, and the observer below
          // would call fix again for ever (English labels such as "Attendance" equal their key).
          var nv = v.slice(0, at) + m[k] + v.slice(at + k.length); done.set(n, nv);
          if (nv !== v) {n.nodeValue = nv;} break;}}}}
  function named(el){return el.getAttribute('aria-label') || el.getAttribute('title') ||
    (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.closest('label') ||
    (el.tagName === 'A' && el.textContent.trim());}
  function control(el){if (el.name === 'username' || el.name === 'password') {return el.name;}
    if (el.type === 'checkbox') {return el.closest('th') ? 'select_all' : (el.closest('td') ? 'select_row' : 'input');}
    if (el.type === 'number' && el.closest('.pagination, nav, ul')) {return 'page';}
    if (el.tagName === 'SELECT') {return el.closest('#page_size') ? 'page_size' : 'select';}
    return 'input';}
  function name(root){var n = N && N[lang()]; if (!n || !root || !root.querySelectorAll) {return;}
    root.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function(el){
      if (!named(el)) {el.setAttribute('aria-label', n.controls[control(el)] || n.controls.input);}});
    root.querySelectorAll('a').forEach(function(el){if (named(el)) {return;}
      var icon = el.querySelector('svg[data-icon]'); var key = icon && icon.getAttribute('data-icon');
      el.setAttribute('aria-label', (key && n.icons[key]) || n.icons['ellipsis-v']);});}
  // Attribute changes are not observed, so naming never feeds the observer back.
  new MutationObserver(function(){fix(document.body); name(document.body);}).observe(document.documentElement,
    {childList: true, subtree: true, characterData: true});
  var req = new XMLHttpRequest();
  req.open('GET', '/admin-labels.json');
  req.onload = function(){if (req.status !== 200) {return;} var data = JSON.parse(req.responseText);
    L = data.labels; W = data.wrong_password; N = data.names; fix(document.body); name(document.body);};
  req.send();
  document.addEventListener('DOMContentLoaded', function(){fix(document.body); name(document.body);});
})();
