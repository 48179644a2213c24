// Run page log viewer. The server renders the last lines (works without
// JavaScript); this replaces them with a virtual-scrolling viewer that
// pages backward by byte offset (GET <logs>?before=<offset>&limit=N), so a
// 1 GB log opens with its last lines at once. One EventSource per page;
// other panels subscribe through window.ClocheLog. Log text only ever
// reaches the DOM through textContent.
(function () {
  'use strict';
  var root = document.getElementById('log');
  if (!root || !window.fetch || root.hasAttribute('data-lv-ready')) return;
  root.setAttribute('data-lv-ready', '1');

  var cfg = {
    run: root.getAttribute('data-run'),
    logs: root.getAttribute('data-logs-url'),
    raw: root.getAttribute('data-raw-url'),
    stream: root.getAttribute('data-stream-url'),
    terminal: root.getAttribute('data-terminal') === '1'
  };
  var PAGE = 1000, SHOW = 2000, OVERSCAN = 30;
  var lines = [];        // {off, ts, type, content, step, trunc, bytes, sec}
  var view = [];         // display rows: [line index, part index]
  var sections = [];
  var nextBefore = -1;   // cursor for earlier lines; 0 = start of file reached
  var loading = false, follow = true, lh = 18;
  var filterErrors = false, hl = null, search = { re: null, hits: [], cur: -1 };
  var lineCbs = [], statusCbs = [], status = '';
  var loadedEnd = 0;     // file size when the tail was loaded: stream ids up to it are known

  // ---- DOM -------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function button(text, title, fn) {
    var b = el('button', 'btn btn-secondary btn-sm', text);
    b.type = 'button';
    if (title) b.title = title;
    b.addEventListener('click', fn);
    return b;
  }
  var statusEl = root.querySelector('.logview-status') || el('span', 'logview-status');
  var bar = el('div', 'lv-bar');
  var q = el('input', 'lv-search');
  q.type = 'search'; q.placeholder = 'Search loaded lines (/)'; q.setAttribute('aria-label', 'Search log');
  var rx = el('input'); rx.type = 'checkbox'; rx.id = 'lv-regex';
  var rxl = el('label', 'lv-check'); rxl.appendChild(rx); rxl.appendChild(document.createTextNode(' regex'));
  var count = el('span', 'lv-count');
  var earlierBtn = button('Load earlier', 'Load earlier lines ([)', loadEarlier);
  var errBtn = button('Errors only', 'Only errors and failed steps (e)', function () { toggleErrors(); });
  var tsBtn = button('Timestamps', 'Show or hide timestamps (t)', function () { root.classList.toggle('lv-nots'); });
  var colBtn = button('Collapse all', 'Collapse or expand all steps (c)', collapseAll);
  var liveBtn = button('Jump to live', 'Scroll to the newest line (G)', jumpLive);
  liveBtn.hidden = true;
  bar.appendChild(q); bar.appendChild(rxl);
  bar.appendChild(button('\u2191', 'Previous match (N)', function () { step(-1); }));
  bar.appendChild(button('\u2193', 'Next match (n)', function () { step(1); }));
  [count, earlierBtn, errBtn, tsBtn, colBtn, liveBtn].forEach(function (x) { bar.appendChild(x); });

  var scroller = el('div', 'lv-scroll'); scroller.tabIndex = 0;
  scroller.setAttribute('role', 'log'); scroller.setAttribute('aria-label', 'Run log');
  var spacer = el('div', 'lv-spacer'), rowsEl = el('div', 'lv-rows');
  spacer.appendChild(rowsEl); scroller.appendChild(spacer);
  var detail = el('div', 'lv-detail'); detail.hidden = true;

  var old = root.querySelectorAll('.logview-body, .logview-earlier, .logview-latest');
  for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
  var keys = root.querySelector('.logview-keys');
  root.insertBefore(bar, keys); root.insertBefore(scroller, keys); root.insertBefore(detail, keys);

  // ---- ANSI (same rules as cgi/ansi.c) -----------------------------------
  var ESC = /\x1b(?:\[([0-?]*)[ -\/]*([@-~])|[\]P_^][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_]?)/g;
  // 256-colour and true-colour values map to the nearest of the 16 (as cgi/ansi.c).
  var PAL = [[0,0,0],[205,0,0],[0,205,0],[205,205,0],[0,0,238],[205,0,205],[0,205,205],[229,229,229],
    [127,127,127],[255,0,0],[0,255,0],[255,255,0],[92,92,255],[255,0,255],[0,255,255],[255,255,255]];
  function nearest(r, g, b) {
    var best = -1, hit = 0;
    for (var i = 0; i < 16; i++) {
      var d = (r - PAL[i][0]) * (r - PAL[i][0]) + (g - PAL[i][1]) * (g - PAL[i][1]) + (b - PAL[i][2]) * (b - PAL[i][2]);
      if (best < 0 || d < best) { best = d; hit = i; }
    }
    return hit;
  }
  function from256(n) {
    var cube = [0, 95, 135, 175, 215, 255];
    if (!(n >= 0 && n <= 255)) return -1;
    if (n < 16) return n;
    if (n < 232) { n -= 16; return nearest(cube[Math.floor(n / 36)], cube[Math.floor(n / 6) % 6], cube[n % 6]); }
    var g = 8 + (n - 232) * 10;
    return nearest(g, g, g);
  }
  function sgr(st, p) {
    var v = p === '' ? [0] : p.split(/[;:]/).map(function (x) { return parseInt(x || '0', 10); });
    for (var i = 0; i < v.length; i++) {
      var c = v[i];
      if (c === 0) { st.fg = st.bg = -1; st.b = st.d = st.i = st.u = false; }
      else if (c === 1) st.b = true; else if (c === 2) st.d = true;
      else if (c === 3) st.i = true; else if (c === 4) st.u = true;
      else if (c === 22) st.b = st.d = false; else if (c === 23) st.i = false;
      else if (c === 24) st.u = false;
      else if (c >= 30 && c <= 37) st.fg = c - 30; else if (c >= 90 && c <= 97) st.fg = c - 82;
      else if (c === 39) st.fg = -1;
      else if (c >= 40 && c <= 47) st.bg = c - 40; else if (c >= 100 && c <= 107) st.bg = c - 92;
      else if (c === 49) st.bg = -1;
      else if ((c === 38 || c === 48) && v[i + 1] === 5 && i + 2 < v.length) {
        var n = from256(v[i + 2]); i += 2;
        if (c === 38) st.fg = n; else st.bg = n;
      } else if ((c === 38 || c === 48) && v[i + 1] === 2 && i + 4 < v.length) {
        var t = v[i + 2] > 255 || v[i + 3] > 255 || v[i + 4] > 255 ? -1 : nearest(v[i + 2], v[i + 3], v[i + 4]);
        i += 4;
        if (c === 38) st.fg = t; else st.bg = t;
      } else if (c === 38 || c === 48) { i = v.length; }
    }
  }
  function cls(st) {
    var c = 'ansi';
    if (st.b) c += ' ansi-b'; if (st.d) c += ' ansi-d'; if (st.i) c += ' ansi-i'; if (st.u) c += ' ansi-u';
    if (st.fg >= 0) c += ' ansi-fg' + st.fg; if (st.bg >= 0) c += ' ansi-bg' + st.bg;
    return c === 'ansi' ? '' : c;
  }
  function plain(s) { return s.replace(ESC, ''); }
  var URL_RE = /https?:\/\/[^\s<>"'`]+/g;
  function addText(parent, text, c) {
    var box = c ? el('span', c) : parent, last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text))) {
      if (m.index > last) box.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el('a', 'lv-url', m[0]);
      try {
        var u = new URL(m[0]);
        if (u.protocol === 'http:' || u.protocol === 'https:') { a.href = u.href; a.rel = 'noopener noreferrer nofollow'; a.target = '_blank'; }
      } catch (e) { /* shown as text */ }
      box.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) box.appendChild(document.createTextNode(text.slice(last)));
    if (box !== parent) parent.appendChild(box);
  }
  function renderAnsi(parent, s) {
    var cr = s.lastIndexOf('\r');
    var st = { fg: -1, bg: -1, b: false, d: false, i: false, u: false }, last = 0, m;
    if (cr >= 0 && cr < s.length - 1) {  // a terminal shows what follows the last CR
      var head = s.slice(0, cr); ESC.lastIndex = 0;
      while ((m = ESC.exec(head))) { if (m[2] === 'm') sgr(st, m[1]); if (!m[0]) ESC.lastIndex++; }
      s = s.slice(cr + 1);
    }
    s = s.replace(/\r/g, '');
    ESC.lastIndex = 0;
    while ((m = ESC.exec(s))) {
      if (m.index > last) addText(parent, s.slice(last, m.index), cls(st));
      if (m[2] === 'm') sgr(st, m[1]);
      last = m.index + m[0].length;
      if (!m[0]) ESC.lastIndex++;
    }
    if (last < s.length) addText(parent, s.slice(last), cls(st));
  }

  // ---- model -------------------------------------------------------------
  function norm(l) {
    return { off: typeof l.offset === 'number' ? l.offset : null, ts: String(l.timestamp || ''),
      type: String(l.type || 'script'), content: String(l.content == null ? '' : l.content),
      step: l.step_name ? String(l.step_name) : '', trunc: !!l.truncated, bytes: l.bytes || 0, sec: null };
  }
  function isStart(l) { return l.type === 'status' && l.content.indexOf('step_started: ') === 0; }
  function isDone(l) { return l.type === 'status' && l.content.indexOf('step_completed: ') === 0; }
  var ERR = /\b(error|errors|fail|failed|failure|fatal|panic|exception|traceback)\b/i;
  function failedResult(r) { return r && r !== 'success' && r !== 'succeeded'; }

  function buildSections() {
    var cur = null, prevCollapsed = {};
    sections.forEach(function (s) { prevCollapsed[s.key] = s.collapsed; });
    sections = [];
    for (var i = 0; i < lines.length; i++) {
      var l = lines[i];
      if (isStart(l)) {
        cur = { key: (l.off != null ? l.off : 'live' + i), name: l.content.slice(14), head: i,
          t0: Date.parse(l.ts), t1: NaN, result: '', collapsed: false };
        cur.collapsed = !!prevCollapsed[cur.key];
        sections.push(cur);
        l.sec = cur;
      } else if (cur && (l.step === cur.name || !l.step)) {
        l.sec = cur;
        if (isDone(l)) {
          var arrow = l.content.indexOf(' -> ');
          cur.result = arrow >= 0 ? l.content.slice(arrow + 4) : '';
          cur.t1 = Date.parse(l.ts);
          cur = null;
        }
      } else {
        l.sec = null;
        if (cur && l.step) cur = null;
      }
    }
  }
  function wanted(l) {
    if (!filterErrors) return true;
    return (l.sec && failedResult(l.sec.result)) || ERR.test(l.content);
  }
  function buildView() {
    view = [];
    for (var i = 0; i < lines.length; i++) {
      var l = lines[i];
      if (l.sec && l.sec.collapsed && l.sec.head !== i) continue;
      if (!wanted(l)) continue;
      var parts = l.content.split('\n');
      if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      for (var p = 0; p < parts.length && p < 200; p++) view.push([i, p]);
    }
    spacer.style.height = (view.length * lh) + 'px';
    runSearch(false);
    paint();
  }

  // ---- painting (only the rows on screen) ----------------------------------
  function fmtDur(ms) {
    if (!(ms >= 0)) return '';
    var s = Math.round(ms / 1000);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + (s % 60) + 's';
    return Math.floor(s / 3600) + 'h' + Math.floor((s % 3600) / 60) + 'm';
  }
  function typeClass(t) { return /^[a-z]{1,16}$/.test(t) ? t : 'other'; }
  function row(vi) {
    var li = view[vi][0], part = view[vi][1], l = lines[li];
    var r = el('div', 'lv-row ll-' + typeClass(l.type));
    var text = l.content.split('\n')[part] || '';
    if (l.off != null && part === 0) r.id = 'L' + l.off;
    if (hl && l.off != null && l.off >= hl[0] && l.off <= hl[1]) r.className += ' lv-hl';
    if (search.hits.length && search.hitSet[li]) r.className += (search.hits[search.cur] === li ? ' lv-cur' : ' lv-match');
    var ts = el('a', 'll-ts', part === 0 ? l.ts : '');
    if (l.off != null) { ts.href = '#L' + l.off; ts.setAttribute('data-off', l.off); }
    r.appendChild(ts);
    if (part === 0 && l.sec && l.sec.head === li) {
      var tog = el('button', 'lv-tog', l.sec.collapsed ? '\u25b8' : '\u25be');
      tog.type = 'button'; tog.setAttribute('aria-expanded', l.sec.collapsed ? 'false' : 'true');
      tog.setAttribute('aria-label', 'toggle step ' + l.sec.name);
      tog.setAttribute('data-li', li);
      r.appendChild(tog);
      r.className += ' lv-head' + (failedResult(l.sec.result) ? ' lv-failed' : '');
    }
    r.appendChild(el('span', 'll-type', part === 0 ? '[' + l.type + '] ' : ''));
    var c = el('span', 'll-c');
    renderAnsi(c, text.length > SHOW ? text.slice(0, SHOW) : text);
    r.appendChild(c);
    if (part === 0 && l.sec && l.sec.head === li) {
      var d = isNaN(l.sec.t1) ? (l.sec.result ? '' : 'running') : fmtDur(l.sec.t1 - l.sec.t0);
      if (d) r.appendChild(el('span', 'lv-dur', d));
    }
    if (text.length > SHOW || l.trunc) {
      var more = el('button', 'lv-more', 'show all (' + (l.trunc ? l.bytes + ' bytes' : text.length + ' chars') + ')');
      more.type = 'button'; more.setAttribute('data-li', li);
      r.appendChild(more);
    }
    return r;
  }
  var painted = null;
  function paint() {
    var top = scroller.scrollTop, h = scroller.clientHeight || 400;
    var first = Math.max(0, Math.floor(top / lh) - OVERSCAN);
    var last = Math.min(view.length, Math.ceil((top + h) / lh) + OVERSCAN);
    var frag = document.createDocumentFragment();
    for (var i = first; i < last; i++) frag.appendChild(row(i));
    rowsEl.style.top = (first * lh) + 'px';
    rowsEl.textContent = '';
    rowsEl.appendChild(frag);
    painted = [first, last];
  }
  var raf = 0;
  scroller.addEventListener('scroll', function () {
    var atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2 * lh;
    follow = atBottom;
    liveBtn.hidden = atBottom || cfg.terminal;
    if (scroller.scrollTop < 5 * lh && nextBefore > 0 && !loading) loadEarlier();
    if (!raf) raf = requestAnimationFrame(function () { raf = 0; paint(); });
  });
  window.addEventListener('resize', function () { paint(); });
  function jumpLive() { follow = true; scroller.scrollTop = scroller.scrollHeight; liveBtn.hidden = true; paint(); }

  // ---- loading -------------------------------------------------------------
  function setStatus(s, kind) {
    status = s;
    statusEl.textContent = s;
    statusEl.className = 'logview-status lv-st-' + (kind || 'info');
    statusCbs.forEach(function (cb) { try { cb(s, kind); } catch (e) { /* a panel's problem */ } });
  }
  function fetchPage(before) {
    var url = cfg.logs + (before >= 0 ? '?limit=' + PAGE + '&before=' + before : '?tail=' + PAGE);
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    });
  }
  function loadEarlier() {
    if (loading || nextBefore === 0) return Promise.resolve();
    loading = true;
    earlierBtn.disabled = true; earlierBtn.textContent = 'Loading\u2026';
    return fetchPage(nextBefore).then(function (d) {
      var add = (d.lines || []).map(norm);
      var oldRows = view.length;
      lines = add.concat(lines);
      search.hits = [];
      nextBefore = d.more ? d.next_before : 0;
      buildSections(); buildView();
      scroller.scrollTop += (view.length - oldRows) * lh;
      paint();
    }).catch(function () {
      setStatus('could not load earlier lines', 'error');
    }).then(function () {
      loading = false;
      earlierBtn.disabled = nextBefore === 0;
      earlierBtn.textContent = nextBefore === 0 ? 'Start of log' : 'Load earlier';
    });
  }
  function initial() {
    var m = /[?&]log_before=(\d+)/.exec(location.search);
    var before = m ? parseInt(m[1], 10) : -1;
    loading = true;
    return fetchPage(before).then(function (d) {
      lines = (d.lines || []).map(norm);
      nextBefore = d.more ? d.next_before : 0;
      if (before < 0) loadedEnd = d.size || 0;
      if (!d.found) setStatus('no log file yet', 'info');
      buildSections(); buildView();
      loading = false;
      earlierBtn.disabled = nextBefore === 0;
      if (nextBefore === 0) earlierBtn.textContent = 'Start of log';
      return gotoHash() || jumpLive();
    }).catch(function () { loading = false; setStatus('could not load the log', 'error'); });
  }

  // ---- permalinks ----------------------------------------------------------
  function parseHash() {
    var m = /^#L(\d+)(?:-L(\d+))?$/.exec(location.hash);
    if (!m) return null;
    var a = parseInt(m[1], 10), b = m[2] ? parseInt(m[2], 10) : a;
    return [Math.min(a, b), Math.max(a, b)];
  }
  function gotoHash(tries) {
    hl = parseHash();
    if (!hl) { paint(); return false; }
    var first = lines.length && lines[0].off != null ? lines[0].off : Infinity;
    if (hl[0] < first && nextBefore > 0 && (tries || 0) < 50) {
      loadEarlier().then(function () { gotoHash((tries || 0) + 1); });
      return true;
    }
    for (var v = 0; v < view.length; v++) {
      var l = lines[view[v][0]];
      if (l.off != null && l.off >= hl[0]) {
        follow = false;
        scroller.scrollTop = Math.max(0, v * lh - scroller.clientHeight / 3);
        break;
      }
    }
    paint();
    return true;
  }
  window.addEventListener('hashchange', function () { gotoHash(); });
  var anchor = null;
  rowsEl.addEventListener('click', function (ev) {
    var t = ev.target;
    if (t.classList.contains('lv-tog')) {
      var s = lines[+t.getAttribute('data-li')].sec;
      s.collapsed = !s.collapsed; buildView(); return;
    }
    if (t.classList.contains('lv-more')) { showDetail(+t.getAttribute('data-li')); return; }
    if (t.classList.contains('ll-ts') && t.hasAttribute('data-off')) {
      var off = t.getAttribute('data-off');
      if (ev.shiftKey && anchor != null) {
        ev.preventDefault();
        var a = Math.min(anchor, +off), b = Math.max(anchor, +off);
        history.replaceState(null, '', '#L' + a + '-L' + b);
        gotoHash();
      } else {
        anchor = +off;
      }
    }
  });
  function showDetail(li) {
    var l = lines[li];
    detail.textContent = '';
    var head = el('div', 'lv-detail-head', 'Line at ' + l.ts + ' (' + l.content.length + ' characters shown) ');
    if (l.off != null && cfg.raw) {
      var a = el('a', '', 'whole line as text' + (l.trunc ? ' (' + l.bytes + ' bytes)' : ''));
      a.href = cfg.raw + '?offset=' + l.off;
      head.appendChild(a);
    }
    head.appendChild(button('Close', '', function () { detail.hidden = true; }));
    var pre = el('pre', 'lv-detail-text');
    pre.textContent = plain(l.content.length > 1048576 ? l.content.slice(0, 1048576) + '\u2026' : l.content);
    detail.appendChild(head); detail.appendChild(pre);
    detail.hidden = false;
    detail.scrollIntoView({ block: 'nearest' });
  }

  // ---- search and filters --------------------------------------------------
  function runSearch(move) {
    var text = q.value, re = null;
    search.hits = []; search.hitSet = {};
    q.classList.remove('lv-bad');
    if (text) {
      try {
        re = rx.checked ? new RegExp(text, 'i') : new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      } catch (e) { q.classList.add('lv-bad'); }
    }
    if (re) {
      var seen = {};
      for (var v = 0; v < view.length; v++) {
        var li = view[v][0];
        if (seen[li]) continue;
        seen[li] = 1;
        if (re.test(plain(lines[li].content))) { search.hits.push(li); search.hitSet[li] = 1; }
      }
    }
    if (search.cur >= search.hits.length || move) search.cur = search.hits.length ? 0 : -1;
    count.textContent = text ? (search.hits.length ? (search.cur + 1) + '/' + search.hits.length : 'no match') : '';
    if (move && search.cur >= 0) reveal(search.hits[search.cur]);
  }
  function reveal(li) {
    for (var v = 0; v < view.length; v++)
      if (view[v][0] === li) { follow = false; scroller.scrollTop = Math.max(0, v * lh - scroller.clientHeight / 2); break; }
    count.textContent = (search.cur + 1) + '/' + search.hits.length;
    paint();
  }
  function step(d) {
    if (!search.hits.length) { runSearch(true); return; }
    search.cur = (search.cur + d + search.hits.length) % search.hits.length;
    reveal(search.hits[search.cur]);
  }
  var qt = 0;
  q.addEventListener('input', function () { clearTimeout(qt); qt = setTimeout(function () { runSearch(true); }, 150); });
  rx.addEventListener('change', function () { runSearch(true); });
  q.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') { ev.preventDefault(); step(ev.shiftKey ? -1 : 1); }
    if (ev.key === 'Escape') q.blur();
  });
  function toggleErrors() {
    filterErrors = !filterErrors;
    errBtn.classList.toggle('lv-on', filterErrors);
    errBtn.setAttribute('aria-pressed', filterErrors ? 'true' : 'false');
    buildView();
  }
  function collapseAll() {
    var any = sections.some(function (s) { return !s.collapsed; });
    sections.forEach(function (s) { s.collapsed = any; });
    buildView();
  }
  document.addEventListener('keydown', function (ev) {
    var t = ev.target, tag = t && t.tagName;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    var k = ev.key, fn = {
      '/': function () { q.focus(); }, 'n': function () { step(1); }, 'N': function () { step(-1); },
      't': function () { root.classList.toggle('lv-nots'); }, 'e': toggleErrors, 'c': collapseAll,
      'g': function () { follow = false; scroller.scrollTop = 0; }, 'G': jumpLive, '[': loadEarlier
    }[k];
    if (fn) { ev.preventDefault(); fn(); }
  });

  // ---- live stream -----------------------------------------------------------
  // Our helper (docs/sse.md) gives every event an id that says where it
  // stands: on the file path the byte offset after its line (digits), on
  // the daemon's live path "<seq>.<b>.<s>.<t>" (its place in the live
  // stream and the same place in full.log). ?from=N starts at byte N, so
  // nothing we loaded from the file comes again and every event with an id
  // is new (file ids at or below N are skipped all the same). Only a
  // stream without ids (a daemon-compatible server) may replay loaded
  // lines in its first burst: incoming lines are held while they match a
  // run of loaded lines that reaches the end; a line that breaks the
  // match is new, and from then on everything is new.
  var FILE_ID = /^\d{1,18}$/, LIVE_ID = /^\d{1,18}\.\d{1,18}\.\d{1,18}\.\d{1,18}$/;
  var sync = null, synced = false;
  function same(a, b) { return a.type === b.type && a.content === b.content && a.step === b.step; }
  function appendLive(ls) {
    if (!ls.length) return;
    var base = lines.length;
    ls.forEach(function (l) { lines.push(l); });
    buildSections();
    buildView();
    if (follow) scroller.scrollTop = scroller.scrollHeight;
    paint();
    for (var i = base; i < lines.length; i++) {
      var l = lines[i], out = { timestamp: l.ts, type: l.type, content: l.content };
      if (l.step) out.step_name = l.step;
      lineCbs.forEach(function (cb) { try { cb(out); } catch (e) { /* panel */ } });
    }
  }
  // Sorts one incoming line: into out when it is new, held while it may
  // repeat loaded lines (see above).
  function onLive(l, out) {
    if (synced) { out.push(l); return; }
    if (!sync) {
      var cand = [];
      for (var j = Math.max(0, lines.length - 5000); j < lines.length; j++) if (same(lines[j], l)) cand.push(j);
      if (!cand.length) { synced = true; out.push(l); return; }
      sync = { cand: cand, held: [] };
    } else {
      sync.cand = sync.cand.filter(function (j) { return j + sync.held.length < lines.length && same(lines[j + sync.held.length], l); });
      if (!sync.cand.length) { sync.held.concat([l]).forEach(function (h) { out.push(h); }); sync = null; synced = true; return; }
    }
    sync.held.push(l);
    if (sync.cand.some(function (j) { return j + sync.held.length === lines.length; })) { sync = null; synced = true; }
  }
  // Lines arriving together (a replay after a reconnect, a burst of output)
  // are laid out once per 50 ms, not once per line.
  var batch = [], batchT = 0;
  function flush() {
    var b = batch, out = [];
    clearTimeout(batchT);
    batch = []; batchT = 0;
    b.forEach(function (x) { onLive(x, out); });
    appendLive(out);
  }
  function queue(l) {
    batch.push(l);
    if (!batchT) batchT = setTimeout(flush, 50);
  }
  function connect() {
    if (/[?&]log_before=\d/.test(location.search)) {  // an older page: live lines would not follow it
      setStatus('showing earlier lines; open the run page without log_before for live output', 'info');
      return;
    }
    if (cfg.terminal || !window.EventSource || !cfg.stream) {
      setStatus(cfg.terminal ? 'finished' : 'live output unavailable', cfg.terminal ? 'done' : 'info');
      return;
    }
    var es = new EventSource(cfg.stream + (loadedEnd > 0 ? '?from=' + loadedEnd : ''));
    setStatus('connecting\u2026', 'info');
    es.onopen = function () { if (status !== 'live output unavailable, showing completed steps') setStatus('connected', 'live'); };
    es.onmessage = function (ev) {
      var l, id = ev.lastEventId || '';
      try { l = norm(JSON.parse(ev.data)); } catch (e) { return; }
      l.off = null;
      if (FILE_ID.test(id) && +id <= loadedEnd) return;  // already loaded from the file
      if (FILE_ID.test(id) || LIVE_ID.test(id)) synced = true;
      queue(l);
    };
    // A first stream (no ?from) replays only the last lines: the meta event's
    // id is where they start, so Load Earlier can page back from there.
    es.addEventListener('meta', function (ev) {
      var id = ev.lastEventId || '';
      if (FILE_ID.test(id) && !lines.length && nextBefore === 0 && +id > 0) {
        nextBefore = +id;
        earlierBtn.disabled = false; earlierBtn.textContent = 'Load earlier';
      }
    });
    es.addEventListener('unavailable', function () {
      setStatus('live output unavailable, showing completed steps', 'warn');
    });
    es.addEventListener('done', function (ev) {
      es.close();
      flush();  // the last lines before the status says finished
      setStatus('finished' + (ev.data && ev.data !== 'completed' ? ' (' + ev.data + ')' : ''), 'done');
      liveBtn.hidden = true;
    });
    es.onerror = function () {
      if (es.readyState === 2) setStatus('disconnected; reload to retry', 'error');
      else setStatus('reconnecting\u2026', 'warn');
    };
  }

  window.ClocheLog = {
    onLine: function (cb) { lineCbs.push(cb); },
    onStatus: function (cb) { statusCbs.push(cb); if (status) cb(status); },
    lines: function (step) {
      return lines.filter(function (l) { return !step || l.step === step; })
        .map(function (l) { return { timestamp: l.ts, type: l.type, content: l.content, step_name: l.step }; });
    }
  };

  // Row height from a probe, so the virtual list lines up with CSS.
  var probe = el('div', 'lv-row', 'x');
  rowsEl.appendChild(probe);
  lh = probe.getBoundingClientRect().height || 18;
  rowsEl.textContent = '';
  initial().then(connect);
})();
