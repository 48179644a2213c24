// Dashboard actions (docs/daemon-link.md "Form contract"). Every
// <form class="js-action" method="post" action="..."> works without
// JavaScript (the server answers a form post with a redirect and a flash
// message); this script turns it into a fetch call that asks first when
// the form has data-confirm, shows progress in the button, puts the
// outcome next to it and reloads the page (data-reload="1") so that what
// changed is shown. Text from the server is only ever set as textContent.
(function () {
  'use strict';
  var base = document.body ? document.body.getAttribute('data-base') || '' : '';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function runLink(runId, label) {
    var a = el('a', 'action-link', label || runId);
    a.href = base + '/runs/' + encodeURIComponent(runId);
    return a;
  }

  // The outcome as DOM nodes, from the JSON shapes of http.md section 5.
  function describe(j) {
    var box = el('span');
    if (typeof j.dispatched === 'number') {
      if (!j.dispatched) {
        box.appendChild(document.createTextNode('No tasks ready'));
        return box;
      }
      box.appendChild(document.createTextNode('Dispatched ' + j.dispatched + ': '));
      (j.attempts || []).forEach(function (a, i) {
        if (i) box.appendChild(document.createTextNode(', '));
        box.appendChild(runLink(a.run_id, a.task_id || a.run_id));
      });
      return box;
    }
    if (typeof j.deleted === 'number') {
      box.textContent = 'Deleted ' + j.deleted + ' container(s)' +
        (j.errors && j.errors.length ? '; not deleted: ' + j.errors.join('; ') : '');
      return box;
    }
    if (j.run_id && j.state) {
      box.appendChild(document.createTextNode(j.state === 'succeeded' ? 'Released: ' : 'Started (' + j.state + '): '));
      box.appendChild(runLink(j.run_id));
      return box;
    }
    box.textContent = 'Done';
    return box;
  }

  function resultSlot(form) {
    var next = form.nextElementSibling;
    if (next && next.classList.contains('action-result')) return next;
    var slot = el('span', 'action-result');
    slot.setAttribute('role', 'status');
    slot.setAttribute('aria-live', 'polite');
    form.parentNode.insertBefore(slot, form.nextSibling);
    return slot;
  }

  function show(form, ok, node) {
    var slot = resultSlot(form);
    slot.className = 'action-result ' + (ok ? 'action-ok' : 'action-error');
    slot.textContent = '';
    slot.appendChild(node);
  }

  function submit(ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains('js-action')) return;
    ev.preventDefault();
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) return;
    var btn = form.querySelector('button, input[type=submit]');
    var label = btn ? btn.textContent : '';
    if (btn) {
      btn.disabled = true;
      btn.textContent = form.getAttribute('data-busy') || 'Working…';
      form.setAttribute('aria-busy', 'true');
    }
    var status = 0;
    // No body: the server answers JSON (a form-encoded body means "no JS").
    fetch(form.action, { method: 'POST', credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) {
        status = r.status;
        return r.json().catch(function () { return { error: 'HTTP ' + r.status + ' ' + r.statusText }; });
      })
      .then(function (j) {
        var ok = status >= 200 && status < 300 && !j.error;
        show(form, ok, ok ? describe(j) : el('span', '', 'Error: ' + (j.error || 'HTTP ' + status)));
        if (ok && form.getAttribute('data-reload') === '1') {
          setTimeout(function () { location.reload(); }, 1200);
          return;
        }
        setTimeout(function () { if (btn) { btn.disabled = false; btn.textContent = label; } }, ok ? 3000 : 0);
      })
      .catch(function (e) {
        show(form, false, el('span', '', 'Error: ' + (e && e.message ? e.message : 'network error')));
        if (btn) { btn.disabled = false; btn.textContent = label; }
      })
      .then(function () { form.removeAttribute('aria-busy'); });
  }

  document.addEventListener('submit', submit);
})();
