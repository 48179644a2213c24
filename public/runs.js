// Runs list, task page and failed tasks: attempt accordions and the
// periodic refresh. Without JavaScript every attempt is expanded and a
// plain reload shows current data.
(function () {
  'use strict';
  var C = window.Cloche;
  var openState = {};  // "task:attempt" -> true/false, survives refreshes

  function chevron(btn, open) {
    btn.textContent = open ? '\u25BE' : '\u25B8';
    btn.title = open ? 'Collapse' : 'Expand';
    btn.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  function setRows(header, open) {
    for (var tr = header.nextElementSibling; tr; tr = tr.nextElementSibling) {
      if (!tr.classList.contains('run-child-row')) break;
      tr.hidden = !open;
    }
  }

  function applyRuns(tbody) {
    var seenTask = {};
    var headers = tbody.querySelectorAll('tr.run-attempt-header');
    for (var i = 0; i < headers.length; i++) {
      var h = headers[i];
      var task = h.getAttribute('data-task-id') || '';
      var key = task + ':' + h.getAttribute('data-attempt-num');
      if (!(key in openState)) openState[key] = !seenTask[task];
      seenTask[task] = true;
      var cell = h.firstElementChild;
      var btn = cell.querySelector('.accordion-toggle');
      if (!btn) {
        btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'accordion-toggle';
        cell.insertBefore(btn, cell.firstChild);
      }
      chevron(btn, openState[key]);
      setRows(h, openState[key]);
    }
  }

  function onRunsClick(ev) {
    var h = ev.target.closest('tr.run-attempt-header');
    if (!h || ev.target.closest('a')) return;
    var key = (h.getAttribute('data-task-id') || '') + ':' + h.getAttribute('data-attempt-num');
    openState[key] = !openState[key];
    chevron(h.querySelector('.accordion-toggle'), openState[key]);
    setRows(h, openState[key]);
  }

  // Fetches this page again and swaps the elements with the given ids.
  function refresh(ids, after) {
    return fetch(location.href, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      ids.forEach(function (id) {
        var fresh = doc.getElementById(id), old = document.getElementById(id);
        if (fresh && old && fresh.innerHTML !== old.innerHTML) old.replaceWith(document.importNode(fresh, true));
      });
      if (after) after();
    });
  }

  var table = document.getElementById('runs-table');
  if (table) {
    table.addEventListener('click', onRunsClick);
    applyRuns(document.getElementById('runs-body'));
    C.poll(function () {
      return refresh(['runs-body', 'runs-pager'], function () {
        applyRuns(document.getElementById('runs-body'));
      });
    }, Number(table.getAttribute('data-refresh')) || 3000);
  }

  // The project select jumps straight to that project's runs page.
  var sel = document.querySelector('select.js-nav-select');
  if (sel) {
    sel.addEventListener('change', function () {
      var opt = sel.options[sel.selectedIndex];
      location.href = opt.getAttribute('data-href') || (C.base + '/runs');
    });
  }

  var failed = document.getElementById('failed-live');
  if (failed) {
    C.poll(function () { return refresh(['failed-live']); },
           Number(failed.getAttribute('data-refresh')) || 5000);
  }

  // Task page: the newest attempt open, the others folded.
  var blocks = document.querySelectorAll('.attempt-block');
  Array.prototype.forEach.call(blocks, function (b, i) {
    var head = b.querySelector('.attempt-block-header');
    var body = b.querySelector('.attempt-block-body');
    var btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'accordion-toggle';
    head.insertBefore(btn, head.firstChild);
    var open = i === 0;
    chevron(btn, open);
    body.hidden = !open;
    head.addEventListener('click', function (ev) {
      if (ev.target.closest('a')) return;
      open = !open;
      chevron(btn, open);
      body.hidden = !open;
    });
  });
})();
