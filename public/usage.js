// Token usage: keeps server-rendered usage blocks fresh. Every element with
// data-usage-refresh="SECONDS" and an id is re-fetched from the current
// page's URL and swapped for the element with the same id in the answer.
// Without JavaScript the blocks are complete as rendered; reload updates them.
(function () {
  "use strict";

  function refresh(el) {
    if (document.hidden) return;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(el.id);
        if (fresh) el.replaceChildren.apply(el, Array.prototype.slice.call(fresh.childNodes));
      })
      .catch(function () { /* keep what is shown; the next tick retries */ });
  }

  function start() {
    var els = document.querySelectorAll("[data-usage-refresh][id]");
    Array.prototype.forEach.call(els, function (el) {
      var s = parseInt(el.getAttribute("data-usage-refresh"), 10);
      if (s >= 5) setInterval(function () { refresh(el); }, s * 1000);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
