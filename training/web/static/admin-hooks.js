// Loaded by the admin's page (admin/site.py), beside admin-labels.js. Three hooks into piccolo-admin:
// 1. Errors: piccolo-admin prints an error's message only for a 422 (other statuses show the raw JSON).
//    Our refusals carry their Vietnamese message as `custom_form_error` (admin/scoping.py): such a
//    response (403, 404, 405, 409, 400 ...) is shown to piccolo-admin as a 422, so it prints the message.
//    A 401 is left alone (piccolo-admin sends the user to the sign-in page).
// 2. Pickers: a custom form's field whose schema has `extra.choices` (admin/menu.py fills them in for the
//    signed-in user) becomes a select; piccolo-admin's custom forms ignore choices.
// 3. CSV: the list's "Export CSV" button downloads the server's export (admin/export.py: Vietnamese column
//    names and labels, dd/mm/yyyy dates, no formulas) with the list's filters, instead of piccolo-admin's
//    export built in the browser.
(function(){
  var xo = XMLHttpRequest.prototype.open, xs = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function(m, u){this.__api = /(^|\/)api\//.test(String(u));
    return xo.apply(this, arguments);};
  XMLHttpRequest.prototype.send = function(){var x = this;
    if (x.__api) {x.addEventListener('readystatechange', function(){
      if (x.readyState !== 4 || x.status < 400 || x.status === 401 || x.status === 422) {return;}
      if (x.responseType !== '' && x.responseType !== 'text') {return;}
      var body; try {body = JSON.parse(x.responseText);} catch (e) {return;}
      if (body && typeof body.custom_form_error === 'string') {
        delete body.detail;
        var text = JSON.stringify(body);
        Object.defineProperty(x, 'status', {get: function(){return 422;}});
        Object.defineProperty(x, 'responseText', {get: function(){return text;}});
        Object.defineProperty(x, 'response', {get: function(){return text;}});}});}
    return xs.apply(this, arguments);};

  function route(){var h = location.hash.replace(/^#/, ''); var q = h.indexOf('?');
    return {path: q < 0 ? h : h.slice(0, q), query: q < 0 ? '' : h.slice(q + 1)};}

  var schemas = {}, asked = {};
  function pickers(){var m = /^\/forms\/([^/]+)\/?$/.exec(route().path); if (!m) {return;} var slug = m[1];
    if (!(slug in asked)) {asked[slug] = true; var req = new XMLHttpRequest();
      req.open('GET', 'api/forms/' + slug + '/schema/');
      req.onload = function(){if (req.status === 200) {schemas[slug] = JSON.parse(req.responseText); pickers();}};
      req.send(); return;}
    var schema = schemas[slug]; if (!schema) {return;}
    Object.keys(schema.properties || {}).forEach(function(key){var prop = schema.properties[key];
      var choices = prop.extra && prop.extra.choices; if (!choices) {return;}
      var input = document.querySelector('form input[name="' + key + '"]'); if (!input) {return;}
      var select = document.createElement('select'); select.name = key; select.className = 'picker';
      select.setAttribute('aria-label', prop.title || key);
      var required = (schema.required || []).indexOf(key) >= 0;
      var blank = document.createElement('option'); blank.value = ''; blank.textContent = '—';
      if (required) {blank.disabled = true;} select.appendChild(blank);
      Object.keys(choices).forEach(function(k){var o = document.createElement('option');
        o.value = String(choices[k].value); o.textContent = choices[k].display_name; select.appendChild(o);});
      select.value = input.value || ''; if (required && !select.value) {select.selectedIndex = 0;}
      if (required) {select.required = true;}
      input.removeAttribute('name'); input.hidden = true; input.parentNode.insertBefore(select, input);});}

  document.addEventListener('click', function(e){var b = e.target.closest && e.target.closest('[data-uitest=csv_button]');
    if (!b) {return;} var r = route(); var table = r.path.split('/').filter(Boolean)[0]; if (!table) {return;}
    e.preventDefault(); e.stopImmediatePropagation();
    location.assign('api/export/' + encodeURIComponent(table) + '/' + (r.query ? '?' + r.query : ''));}, true);

  new MutationObserver(pickers).observe(document.documentElement, {childList: true, subtree: true});
})();
