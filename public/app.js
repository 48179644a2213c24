// Cloche dashboard: behaviour shared by every page. Pages work without it;
// it only adds conveniences. No inline script anywhere (CSP).
(function () {
  'use strict';
  var base = document.body ? document.body.getAttribute('data-base') || '' : '';
  window.Cloche = {
    base: base,
    // A URL inside the dashboard; each segment is encoded as one path segment.
    url: function () {
      var out = base;
      for (var i = 0; i < arguments.length; i++) {
        var part = arguments[i];
        out += (i % 2 === 0) ? part : encodeURIComponent(part);
      }
      return out;
    },
    getJSON: function (url) {
      return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
    },
    // Repeats fn every ms while the tab is visible, never overlapping.
    // fn may return false (or a promise of false) to stop polling.
    poll: function (fn, ms) {
      var busy = false, timer = setInterval(function () {
        if (busy || document.hidden) return;
        busy = true;
        Promise.resolve().then(fn).catch(function () {}).then(function (more) {
          busy = false;
          if (more === false) clearInterval(timer);
        });
      }, ms);
    }
  };
  // Drop the flash parameters from the address bar once they have been shown.
  if (window.history && /[?&]flash(_error)?=/.test(location.search)) {
    var q = location.search.replace(/[?&]flash(_error)?=[^&]*/g, '').replace(/^&/, '?');
    history.replaceState(null, '', location.pathname + (q === '?' ? '' : q) + location.hash);
  }
})();
