// Workflows panel (pages.md 2.6). The graphs are drawn by the server and
// all shown without JavaScript; this file adds the location and workflow
// tabs and the step drawer (Escape or the close button shut it).
(function () {
  'use strict';
  var panel = document.getElementById('workflows');
  if (!panel) return;

  // ---- tabs -------------------------------------------------------------
  function markActive(bar, btn) {
    if (!bar) return;
    var tabs = bar.querySelectorAll('.tab-btn');
    for (var i = 0; i < tabs.length; i++) {
      var on = tabs[i] === btn;
      tabs[i].classList.toggle('tab-active', on);
      tabs[i].setAttribute('aria-selected', on ? 'true' : 'false');
      tabs[i].tabIndex = on ? 0 : -1;
    }
  }

  function showWorkflow(group, index) {
    var graphs = group.querySelectorAll('.wf-graph');
    var bar = group.querySelector('.wf-tabs');
    for (var i = 0; i < graphs.length; i++) graphs[i].hidden = i !== index;
    if (bar) markActive(bar, bar.querySelectorAll('.tab-btn')[index]);
  }

  var groups = panel.querySelectorAll('.wf-location');
  var locBar = document.getElementById('location-tabs');

  function showLocation(loc) {
    for (var i = 0; i < groups.length; i++) {
      var on = groups[i].getAttribute('data-location') === loc;
      groups[i].hidden = !on;
      if (on) showWorkflow(groups[i], 0);
    }
    if (locBar) markActive(locBar, locBar.querySelector('[data-location="' + loc + '"]'));
  }

  // Arrow keys move between the tabs of one bar (WAI-ARIA tabs pattern).
  function tabKeys(bar) {
    bar.addEventListener('keydown', function (e) {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      var tabs = Array.prototype.slice.call(bar.querySelectorAll('.tab-btn'));
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      i = (i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length;
      tabs[i].focus();
      tabs[i].click();
      e.preventDefault();
    });
  }

  Array.prototype.forEach.call(groups, function (group) {
    var bar = group.querySelector('.wf-tabs');
    var tabs = bar ? bar.querySelectorAll('.tab-btn') : [];
    if (tabs.length < 2) return;
    bar.hidden = false;
    tabKeys(bar);
    Array.prototype.forEach.call(tabs, function (btn, i) {
      btn.addEventListener('click', function () { showWorkflow(group, i); });
    });
  });
  if (locBar) {
    locBar.hidden = false;
    tabKeys(locBar);
    locBar.addEventListener('click', function (e) {
      var btn = e.target.closest('.tab-btn');
      if (btn) showLocation(btn.getAttribute('data-location'));
    });
  }
  showLocation(panel.getAttribute('data-default-location') || 'container');

  // ---- step drawer ------------------------------------------------------
  var drawer = document.getElementById('step-drawer');
  if (!drawer) return;
  var title = drawer.querySelector('#step-drawer-title');
  var meta = drawer.querySelector('.drawer-meta');
  var loading = drawer.querySelector('.drawer-loading');
  var content = drawer.querySelector('.drawer-content');
  var closeBtn = drawer.querySelector('.drawer-close');
  var opener = null, seq = 0;
  drawer.hidden = false;   // hidden only for pages without JS; .open shows it

  function term(name, value, mono) {
    var dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = name;
    dd.textContent = value;
    if (mono) dd.className = 'mono';
    meta.appendChild(dt);
    meta.appendChild(dd);
  }

  function openDrawer(node) {
    var config = {};
    try { config = JSON.parse(node.getAttribute('data-config') || '{}'); } catch (err) { config = {}; }
    opener = node;
    title.textContent = node.getAttribute('data-step');
    meta.textContent = '';
    term('Type', node.getAttribute('data-type'));
    term('Results', node.getAttribute('data-results') || 'none');
    Object.keys(config).sort().forEach(function (k) { term(k, config[k], true); });
    content.hidden = true;
    content.textContent = '';
    loading.hidden = false;
    var mine = ++seq;
    fetch(node.getAttribute('href'), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : ''; })
      .catch(function () { return ''; })
      .then(function (text) {
        if (mine !== seq) return;
        loading.hidden = true;
        content.textContent = text;
        content.hidden = text === '';
      });
    drawer.classList.add('open');
    drawer.setAttribute('aria-hidden', 'false');
    // after the style change, or the still-hidden button refuses focus
    requestAnimationFrame(function () { closeBtn.focus(); });
  }

  function closeDrawer() {
    if (!drawer.classList.contains('open')) return;
    seq++;
    drawer.classList.remove('open');
    drawer.setAttribute('aria-hidden', 'true');
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }

  panel.addEventListener('click', function (e) {
    var node = e.target.closest && e.target.closest('a.dag-node');
    if (!node || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    openDrawer(node);
  });
  // Space opens a node like a button; Enter already follows the link (click).
  panel.addEventListener('keydown', function (e) {
    var node = e.target.closest && e.target.closest('a.dag-node');
    if (node && e.key === ' ') {
      e.preventDefault();
      openDrawer(node);
    }
  });
  closeBtn.addEventListener('click', closeDrawer);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') closeDrawer();
  });
})();
