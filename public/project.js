// Project page (/projects/{name}). The page is complete without this
// script; it adds the live loop state and inline, coloured prompt diffs.
(function () {
  'use strict';

  // ---- loop state: GET .../loop/status every 5 s ----
  var state = document.getElementById('loop-state');
  var startForm = document.querySelector('form.loop-start');
  var stopForm = document.querySelector('form.loop-stop');

  function showLoop(running, d) {
    if (!state) return;
    if (d && d.source === 'flag-file') {
      // The daemon did not answer: only the flag file speaks.
      running = d.loop_stopped_flag ? false : null;
      state.textContent = d.loop_stopped_flag ? 'Loop: stopped (flag file; daemon not reachable)'
                                              : 'Loop: unknown (daemon not reachable)';
      state.className = 'loop-state';
      if (startForm) startForm.hidden = running === true;
      if (stopForm) stopForm.hidden = running === false;
      return;
    }
    if (running === true) {
      state.textContent = 'Loop: running';
      state.className = 'loop-state loop-running';
    } else if (running === false) {
      state.textContent = 'Loop: stopped';
      state.className = 'loop-state loop-stopped';
    } else {
      state.textContent = 'Loop: unknown';
      state.className = 'loop-state';
    }
    // Unknown state: offer both actions, as without JavaScript.
    if (startForm) startForm.hidden = running === true;
    if (stopForm) stopForm.hidden = running === false;
  }

  function loadLoop() {
    var url = state && state.getAttribute('data-status-url');
    if (!url) return Promise.resolve();
    return window.Cloche.getJSON(url)
      .then(function (d) { showLoop(d && typeof d.running === 'boolean' ? d.running : null, d); })
      .catch(function () { showLoop(null); });
  }

  if (state && window.Cloche) {
    loadLoop();
    window.Cloche.poll(loadLoop, 5000);
  }

  // ---- prompt diffs: a commit link toggles its diff below the entry ----
  function lineClass(line) {
    if (line.indexOf('diff --git ') === 0 || line.indexOf('index ') === 0 ||
        line.indexOf('--- ') === 0 || line.indexOf('+++ ') === 0 ||
        line.indexOf('new file mode') === 0 || line.indexOf('deleted file mode') === 0 ||
        line.indexOf('similarity index') === 0 || line.indexOf('rename ') === 0) return 'diff-meta';
    if (line.indexOf('@@') === 0) return 'diff-hunk';
    if (line.charAt(0) === '+') return 'diff-add';
    if (line.charAt(0) === '-') return 'diff-del';
    if (line.charAt(0) === '\\') return 'diff-note';
    return 'diff-ctx';
  }

  function renderDiff(pre, text) {
    pre.textContent = '';
    if (text === '') {
      pre.textContent = 'This commit did not change the file under its current name.';
      pre.className = 'diff-view diff-empty';
      return;
    }
    var lines = text.replace(/\n$/, '').split('\n');
    for (var i = 0; i < lines.length; i++) {
      var span = document.createElement('span');
      span.className = lineClass(lines[i]);
      span.textContent = lines[i] + '\n';
      pre.appendChild(span);
    }
  }

  function toggleDiff(link) {
    var li = link.parentNode;
    var pre = li.querySelector('pre.diff-view');
    if (pre) {
      pre.hidden = !pre.hidden;
      link.setAttribute('aria-expanded', pre.hidden ? 'false' : 'true');
      return;
    }
    pre = document.createElement('pre');
    pre.className = 'diff-view';
    pre.textContent = 'Loading diff...';
    li.appendChild(pre);
    link.setAttribute('aria-expanded', 'true');
    fetch(link.getAttribute('href'), { credentials: 'same-origin' })
      .then(function (r) {
        return r.text().then(function (t) {
          if (!r.ok) throw new Error(t.trim() || ('HTTP ' + r.status));
          return t;
        });
      })
      .then(function (t) { renderDiff(pre, t); })
      .catch(function (e) {
        pre.className = 'diff-view diff-error';
        pre.textContent = 'Diff not available: ' + e.message;
      });
  }

  document.addEventListener('click', function (ev) {
    var t = ev.target;
    while (t && t !== document && !(t.classList && t.classList.contains('prompt-commit'))) t = t.parentNode;
    if (!t || t === document) return;
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    toggleDiff(t);
  });

  // ---- relative times: span.ago[data-at=unix seconds] gets "(5m ago)" ----
  // The server draws only the instant, so the cached page stays valid; the
  // wording is cgi/timefmt.c fmt_ago's.
  function plural(n, unit) { return n + ' ' + unit + (n === 1 ? '' : 's') + ' ago'; }

  function ago(sec) {
    var m = Math.floor(sec / 60);
    if (m < 1) return '<1m ago';
    if (m >= 1440) return plural(Math.floor(m / 1440), 'day');
    if (m >= 60) return plural(Math.floor(m / 60), 'hour');
    if (m < 3) return '1m ago';
    if (m < 8) return '5m ago';
    if (m < 13) return '10m ago';
    if (m < 20) return '15m ago';
    if (m < 38) return '30m ago';
    if (m < 53) return '45m ago';
    return '1 hour ago';
  }

  function drawAgo() {
    var now = Date.now() / 1000;
    var els = document.querySelectorAll('span.ago[data-at]');
    for (var i = 0; i < els.length; i++) {
      var at = parseInt(els[i].getAttribute('data-at'), 10);
      if (!isNaN(at)) els[i].textContent = '(' + ago(Math.max(0, now - at)) + ')';
    }
  }

  drawAgo();
  setInterval(drawAgo, 30000);
})();
