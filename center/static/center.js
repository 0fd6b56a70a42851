// Ticket Center: live updates and local times. Without JavaScript the pages
// work as they are (times in UTC, reload to see changes).
(function () {
  "use strict";
  var body = document.body;

  // Times: the page writes UTC; show them in the browser's zone, with the zone.
  var fmt = null;
  try {
    fmt = new Intl.DateTimeFormat(undefined, {day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"});
  } catch (e) { fmt = null; }
  function localTimes(root) {
    if (!fmt) return;
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.title = el.getAttribute("datetime");
      el.textContent = fmt.format(d);
    });
  }
  localTimes(document);

  // Live updates: the server's event stream names each ticket that changed;
  // the page fetches itself again and swaps the parts marked data-live,
  // leaving forms being typed in alone.
  var feed = body.getAttribute("data-feed");
  if (!feed || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var key = body.getAttribute("data-ticket") || "";
  var news = document.getElementById("live-news");
  var others = {};
  var running = false, again = false;

  function busy(el) {
    var a = document.activeElement;
    return a && a !== document.body && el.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName);
  }

  function refresh() {
    if (running) { again = true; return; }
    running = true;
    fetch(location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (!fresh || busy(el)) return;
          var ticked = {};
          el.querySelectorAll("input[type=checkbox]:checked").forEach(function (c) { ticked[c.value] = true; });
          fresh.querySelectorAll("input[type=checkbox]").forEach(function (c) { if (ticked[c.value]) c.checked = true; });
          localTimes(fresh);
          el.replaceWith(fresh);
        });
        body.setAttribute("data-live-updates", String((+body.getAttribute("data-live-updates") || 0) + 1));
      })
      .catch(function () {})
      .then(function () {
        running = false;
        if (again) { again = false; refresh(); }
      });
  }

  var es = new EventSource("/center/live?after=" + encodeURIComponent(feed));
  es.addEventListener("open", function () { body.setAttribute("data-live-stream", "on"); });
  es.addEventListener("ticket", function (e) {
    var d;
    try { d = JSON.parse(e.data); } catch (err) { return; }
    if (!key || d.key === key) { refresh(); return; }
    if (news && d.unread) {
      others[d.key] = true;
      var n = Object.keys(others).length;
      news.textContent = n === 1 ? "1 other ticket changed" : n + " other tickets changed";
      news.hidden = false;
    }
  });
})();
