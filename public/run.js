// Run page: step output opened in place, and while the run is unfinished
// a poll of /api/runs/{id} every 2 s (on a state change the whole run
// header is swapped in place, otherwise only the steps table; never a page
// reload, which would drop the live log and its one stream). Without JavaScript the output links open the
// plain-text output and a reload shows current data.
(function () {
  'use strict';
  var C = window.Cloche;
  var page = document.getElementById('run-page');
  if (!page) return;
  var runId = page.getAttribute('data-run-id');
  var state = page.getAttribute('data-state');
  var open = {};  // step index -> output text shown

  function outputRow(stepRow, create) {
    var next = stepRow.nextElementSibling;
    if (next && next.classList.contains('output-row')) return next;
    if (!create) return null;
    var tr = document.createElement('tr');
    tr.className = 'output-row';
    var td = document.createElement('td');
    td.colSpan = stepRow.children.length;
    var pre = document.createElement('pre');
    pre.className = 'step-output';
    td.appendChild(pre);
    tr.appendChild(td);
    stepRow.parentNode.insertBefore(tr, stepRow.nextSibling);
    return tr;
  }

  function show(stepRow, url) {
    var idx = stepRow.getAttribute('data-index');
    var row = outputRow(stepRow, true), pre = row.querySelector('pre');
    if (idx in open && !row.hidden && pre.textContent) {
      row.hidden = true;
      delete open[idx];
      return;
    }
    row.hidden = false;
    pre.textContent = 'Loading\u2026';
    fetch(url, { credentials: 'same-origin' }).then(function (r) {
      return r.text().then(function (t) { return r.ok ? t : 'No output available.'; });
    }).catch(function () { return 'Failed to load output.'; }).then(function (t) {
      pre.textContent = t;
      open[idx] = t;
      pre.scrollTop = pre.scrollHeight;
    });
  }

  // Live lines of a step go to its open output panel. They come from the
  // log viewer's one EventSource (window.ClocheLog): a run page never opens
  // a second stream, whatever the number of panels.
  function onLiveLine(l) {
    if (!l.step_name) return;
    Object.keys(open).forEach(function (idx) {
      var row = document.querySelector('#steps-body tr.step-row[data-index="' + idx + '"]');
      if (!row || row.getAttribute('data-step') !== l.step_name) return;
      var out = outputRow(row, false), pre = out && out.querySelector('pre');
      if (!pre || out.hidden) return;
      var atEnd = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
      pre.textContent += (pre.textContent && !/\n$/.test(pre.textContent) ? '\n' : '') + l.content + '\n';
      open[idx] = pre.textContent;
      if (atEnd) pre.scrollTop = pre.scrollHeight;
    });
  }
  if (window.ClocheLog) window.ClocheLog.onLine(onLiveLine);
  else document.addEventListener('DOMContentLoaded', function () {
    if (window.ClocheLog) window.ClocheLog.onLine(onLiveLine);
  });

  page.addEventListener('click', function (ev) {
    var a = ev.target.closest('a.step-output-link');
    if (!a) return;
    ev.preventDefault();
    show(a.closest('tr.step-row'), a.href);
  });

  function reopen() {
    Object.keys(open).forEach(function (idx) {
      var row = document.querySelector('#steps-body tr.step-row[data-index="' + idx + '"]');
      if (!row) return;
      outputRow(row, true).querySelector('pre').textContent = open[idx];
    });
  }

  function freshPage() {
    return fetch(location.href, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (html) { return new DOMParser().parseFromString(html, 'text/html'); });
  }

  // The whole #run-page block (state badge, times, error, container and its
  // buttons, child runs, steps); open output panels are kept.
  function swapPage() {
    return freshPage().then(function (doc) {
      var fresh = doc.getElementById('run-page');
      if (!fresh) return true;
      state = fresh.getAttribute('data-state');
      page.replaceChildren.apply(page, Array.prototype.map.call(fresh.childNodes, function (n) {
        return document.importNode(n, true);
      }));
      page.setAttribute('data-state', state);
      page.setAttribute('data-terminal', fresh.getAttribute('data-terminal'));
      reopen();
      return fresh.getAttribute('data-terminal') !== '1';
    });
  }

  function refreshSteps() {
    return freshPage().then(function (doc) {
      ['steps-body', 'run-token-total', 'container-status'].forEach(function (id) {
        var fresh = doc.getElementById(id), old = document.getElementById(id);
        if (!fresh || !old) return;
        var cur = old.cloneNode(true);
        Array.prototype.forEach.call(cur.querySelectorAll('.output-row'), function (x) { x.remove(); });
        if (cur.innerHTML === fresh.innerHTML) return;
        old.replaceWith(document.importNode(fresh, true));
        if (id === 'steps-body') reopen();
      });
    });
  }

  if (page.getAttribute('data-terminal') === '0') {
    C.poll(function () {
      return C.getJSON(C.url('/api/runs/', runId)).then(function (run) {
        if (run.state !== state) return swapPage();
        return refreshSteps().then(function () { return true; });
      });
    }, 2000);
  }
})();
