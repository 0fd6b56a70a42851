// Help desk web chat. Plain JavaScript, no dependencies. Message HTML comes
// from the server already escaped and rendered (a small markdown subset);
// everything else is set as text.
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  // The chat's own labels in the visitor's language (the page's #labels,
  // from the bot's catalog); English if a label is missing.
  var L = {};
  try { L = JSON.parse(($("labels") || {}).textContent || "{}"); } catch (e) { L = {}; }
  function lbl(key, en) { return L[key] || en; }
  var desk = document.body.dataset.desk || "";
  var state = { me: null, csrf: "", chats: [], current: "", els: {}, seqs: {}, es: null, lastStart: 0 };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k === "html") e.innerHTML = attrs[k]; // server-rendered, escaped markdown only
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function toast(text) {
    var t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.hidden = true; }, 3500);
  }

  // announce tells screen readers about something the page did by itself.
  function announce(text) {
    var s = $("status");
    s.textContent = "";
    setTimeout(function () { s.textContent = text; }, 50);
  }

  function api(method, path, body) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = state.csrf;
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      if (r.status === 401) { location.href = "/"; throw new Error("signed out"); }
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var e = new Error(data.error || ("HTTP " + r.status)); e.data = data; e.status = r.status; throw e; }
        return data;
      });
    });
  }

  function initials(name) { return (name || "?").trim().charAt(0).toUpperCase() || "?"; }
  function chat(id) { for (var i = 0; i < state.chats.length; i++) if (state.chats[i].id === id) return state.chats[i]; return null; }
  function time(at) {
    var d = new Date(at);
    var now = new Date();
    var t = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return d.toDateString() === now.toDateString() ? t : d.toLocaleDateString([], { month: "short", day: "numeric" }) + " " + t;
  }

  // ---- sidebar ----
  function renderChats() {
    var ul = $("chats");
    ul.textContent = "";
    var last = "";
    state.chats.forEach(function (c) {
      var section = c.kind === "direct" ? "" : c.kind === "channel" ? lbl("agent_channels", "Agent channels") : lbl("ticket_chats", "Ticket chats");
      if (section && section !== last) ul.appendChild(el("li", { class: "section-label", "aria-hidden": "true", text: section }));
      last = section;
      var av = el("span", { class: "avatar " + (c.kind === "direct" ? "bot" : c.kind), "aria-hidden": "true", text: c.kind === "direct" ? "HD" : c.kind === "channel" ? "#" : "#" + (c.title.match(/-(\d+)/) || ["", ""])[1] });
      var label = el("span", { class: "label" }, [el("span", { class: "name", text: c.title }), el("span", { class: "sub", text: c.archived ? lbl("closed_short", "Closed") : (c.topic || "") })]);
      var b = el("button", { type: "button", class: "chat-btn" + (c.unread ? " unread" : "") + (c.archived ? " archived" : ""), "data-chat": c.id,
        "aria-current": c.id === state.current ? "true" : "false" }, [av, label, el("span", { class: "badge", "aria-label": c.unread ? "new messages" : null })]);
      b.addEventListener("click", function () { open(c.id); closeMenu(); });
      ul.appendChild(el("li", {}, [b]));
    });
  }

  function upsertChat(info) {
    var c = chat(info.id);
    var isNew = !c;
    if (c) { c.title = info.title; c.topic = info.topic; c.archived = info.archived; }
    else {
      c = info;
      // Direct chat and channels first, then ticket chats newest first.
      var i = 0;
      while (i < state.chats.length && state.chats[i].kind !== "group") i++;
      state.chats.splice(i, 0, c);
    }
    renderChats();
    if (c.id === state.current) renderHead();
    return isNew;
  }

  // ---- conversation ----
  function renderHead() {
    var c = chat(state.current);
    if (!c) return;
    $("chat-title").textContent = c.title;
    $("chat-topic").textContent = c.archived ? lbl("closed_short", "Closed") + " · " + (c.topic || "") : (c.topic || "");
    document.title = c.title + " · " + lbl("help_desk", "Help desk");
    $("composer").hidden = !!c.archived;
    $("attach").hidden = c.kind !== "group" || !!c.archived;
    $("closed-note").hidden = !c.archived;
    // A closed chat's buttons have had their moment (its End Service must
    // not end a reopened ticket): shown disabled.
    if (c.archived) $("log").querySelectorAll("button, select").forEach(function (b) { b.disabled = true; });
    $("text").placeholder = c.kind === "direct" ? lbl("ask", "Ask a question…") : c.kind === "channel" ? lbl("write_agents", "Write to the agents…") : lbl("write", "Write a message…");
  }

  function open(id) {
    state.current = id;
    state.els = {};
    state.seqs = {};
    var c = chat(id);
    if (c) c.unread = false;
    renderChats();
    renderHead();
    $("log").textContent = "";
    $("empty").hidden = true;
    var q = "?chat=" + encodeURIComponent(id) + (desk ? "&desk=" + encodeURIComponent(desk) : "");
    return api("GET", "/chat/api/history" + q).then(function (data) {
      if (state.current !== id) return;
      data.messages.forEach(function (m) { upsertMessage(m); });
      $("empty").hidden = !(data.messages.length === 0 && c && c.kind === "direct");
      scrollDown(true);
    }).catch(function (e) { toast(e.message); });
  }

  function nearBottom() {
    var w = $("log-wrap");
    return w.scrollHeight - w.scrollTop - w.clientHeight < 120;
  }
  function scrollDown(force) {
    var w = $("log-wrap");
    if (force || nearBottom()) w.scrollTop = w.scrollHeight;
  }

  function upsertMessage(m) {
    if (state.seqs[m.id] && state.seqs[m.id] >= m.seq) return;
    var stick = nearBottom();
    var node = renderMessage(m);
    var old = state.els[m.id];
    if (old) {
      old.replaceWith(node);
    } else {
      // Keep id order (a change can arrive before an older message's history).
      var log = $("log"), before = null;
      for (var i = log.children.length - 1; i >= 0; i--) {
        if (Number(log.children[i].dataset.id) > m.id) before = log.children[i]; else break;
      }
      log.insertBefore(node, before);
    }
    state.els[m.id] = node;
    state.seqs[m.id] = m.seq;
    $("empty").hidden = true;
    if (stick || m.mine) scrollDown(true);
  }

  function renderMessage(m) {
    var cls = "msg" + (m.mine ? " mine" : "") + (m.from.bot ? " bot" : "") + (m.private ? " private" : "") + (m.title ? " card" : "");
    var li = el("li", { class: cls, "data-id": m.id });
    var av = el("span", { class: "avatar" + (m.from.bot ? " bot" : ""), "aria-hidden": "true", text: m.from.bot ? "HD" : initials(m.from.name) });
    var meta = el("p", { class: "meta" });
    meta.textContent = (m.mine ? lbl("you", "You") : m.from.bot ? lbl("help_desk", m.from.name) : m.from.name) + " · " + time(m.at) + (m.private ? " · " + lbl("only_you", "only you can see this") : "");
    var bubble = el("div", { class: "bubble" });
    if (m.title) bubble.appendChild(el("h3", { text: m.title }));
    if (m.html) bubble.appendChild(el("div", { class: "text", html: m.html }));
    if (m.fields && m.fields.length) {
      var dl = el("dl", { class: "fields" });
      m.fields.forEach(function (f) { dl.appendChild(el("dt", { text: f.label })); dl.appendChild(el("dd", { html: f.html })); });
      bubble.appendChild(dl);
    }
    if (m.files && m.files.length) bubble.appendChild(renderFiles(m.files));
    if (m.form) bubble.appendChild(renderForm(m));
    var stars = (m.buttons || []).filter(function (b) { return b.star; });
    var others = (m.buttons || []).filter(function (b) { return !b.star; });
    if (stars.length) bubble.appendChild(renderStars(m, stars));
    if (others.length) {
      var row = el("div", { class: "actions" });
      others.forEach(function (b) { row.appendChild(renderButton(m, b)); });
      bubble.appendChild(row);
    }
    if (m.select) bubble.appendChild(renderSelect(m));
    var body = el("div", {}, [meta, bubble]);
    li.appendChild(av);
    li.appendChild(body);
    return li;
  }

  // Files kept with the ticket: images as thumbnails, the rest as links.
  function renderFiles(files) {
    var ul = el("ul", { class: "files" });
    files.forEach(function (f) {
      var a = el("a", { href: f.url, target: "_blank", rel: "noopener", class: "file" });
      if (f.image) a.appendChild(el("img", { src: f.url, alt: f.name, class: "thumb", loading: "lazy" }));
      a.appendChild(el("span", { text: f.name + " · " + f.size }));
      ul.appendChild(el("li", {}, [a]));
    });
    return ul;
  }

  function upload() {
    var input = $("file");
    var f = input.files && input.files[0];
    if (!f) return;
    var fd = new FormData();
    fd.append("chat", state.current);
    fd.append("file", f, f.name);
    $("attach").classList.add("busy");
    fetch("/chat/api/upload", { method: "POST", body: fd, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": state.csrf } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
      });
    }).catch(function (e) { toast(e.message); }).then(function () {
      input.value = "";
      $("attach").classList.remove("busy");
    });
  }

  function closedChat() { var c = chat(state.current); return !!(c && c.archived); }

  function pressedIs(m, id, value) { return !!m.pressed && m.pressed.id === id && (m.pressed.value || "") === (value || ""); }

  function renderButton(m, b) {
    if (b.url) {
      return el("a", { class: "btn link", href: b.url, target: "_blank", rel: "noopener noreferrer", text: b.label });
    }
    var chosen = pressedIs(m, b.id, b.value);
    var btn = el("button", { type: "button", class: "btn" + (b.style === "primary" ? " primary" : b.style === "danger" ? " danger" : "") + (chosen ? " chosen" : ""),
      text: b.label, disabled: !!m.pressed || !!m.stale || closedChat(), "aria-pressed": m.pressed ? String(chosen) : null });
    btn.addEventListener("click", function () { act(m, b.id, b.value, btn); });
    return btn;
  }

  function renderStars(m, stars) {
    var done = !!m.stale || closedChat() || stars.some(function (b) { return pressedIs(m, b.id, b.value); });
    var chosen = 0;
    stars.forEach(function (b) { if (pressedIs(m, b.id, b.value)) chosen = b.star; });
    var g = el("div", { class: "stars" + (done ? " done" : ""), role: "group", "aria-label": lbl("rate", "Rate the help you got") });
    stars.forEach(function (b) {
      var s = el("button", { type: "button", class: "star" + (b.star <= chosen ? " on" : ""), text: "★", disabled: done,
        "aria-label": b.star + (b.star === 1 ? " star" : " stars") + " of " + stars.length, "data-star": b.star });
      s.addEventListener("click", function () { act(m, b.id, b.value, s); });
      g.appendChild(s);
    });
    return g;
  }

  function renderSelect(m) {
    var id = "sel-" + m.id;
    var sel = el("select", { id: id, disabled: !!m.pressed || !!m.stale || closedChat() });
    sel.appendChild(el("option", { value: "", text: m.select.placeholder || lbl("choose_ellipsis", "Choose…") }));
    m.select.options.forEach(function (o) {
      sel.appendChild(el("option", { value: o.value, text: o.label, selected: pressedIs(m, m.select.id, o.value) }));
    });
    var ok = el("button", { type: "button", class: "btn primary", text: lbl("choose", "Choose"), disabled: !!m.pressed || !!m.stale || closedChat() });
    ok.addEventListener("click", function () {
      if (!sel.value) { sel.focus(); return; }
      act(m, m.select.id, sel.value, ok);
    });
    return el("div", { class: "select-row" }, [el("label", { for: id, class: "sr-only", text: m.select.placeholder || lbl("choose", "Choose") }), sel, ok]);
  }

  function renderForm(m) {
    var f = m.form;
    if (m.form_state !== "open") {
      var box = el("div", { class: "form-done" }, [el("h3", { text: f.title })]);
      if (m.form_state === "sent") {
        box.appendChild(el("p", { class: "state", text: "✓ Sent" }));
        var dl = el("dl", { class: "fields" });
        f.fields.forEach(function (fl) {
          var v = (m.values || {})[fl.id];
          if (v) { dl.appendChild(el("dt", { text: fl.label })); dl.appendChild(el("dd", { text: v })); }
        });
        box.appendChild(dl);
      } else {
        box.appendChild(el("p", { class: "muted", text: lbl("form_replaced", "This form was replaced by a newer one.") }));
      }
      return box;
    }
    var form = el("form", { class: "chat-form", novalidate: true, "aria-label": f.title });
    form.appendChild(el("h3", { text: f.title }));
    f.fields.forEach(function (fl) {
      var id = "f-" + m.id + "-" + fl.id;
      var label = el("label", { for: id, text: fl.label });
      if (fl.required) label.appendChild(el("span", { class: "req", "aria-hidden": "true", text: " *" }));
      var input;
      if (fl.type === "select") {
        input = el("select", { id: id, name: fl.id, required: !!fl.required });
        input.appendChild(el("option", { value: "", text: lbl("choose_ellipsis", "Choose…") }));
        fl.options.forEach(function (o) { input.appendChild(el("option", { value: o, text: o })); });
      } else if (fl.type === "paragraph") {
        input = el("textarea", { id: id, name: fl.id, required: !!fl.required, maxlength: fl.max_length || 4000, rows: 4 });
      } else {
        input = el("input", { id: id, name: fl.id, type: "text", required: !!fl.required, maxlength: fl.max_length || 4000 });
      }
      var err = el("p", { class: "err", id: id + "-err", hidden: true });
      input.setAttribute("aria-describedby", id + "-err");
      form.appendChild(el("div", { class: "field" }, [label, input, err]));
    });
    var submit = el("button", { type: "submit", class: "btn primary", text: f.submit || lbl("send", "Send") });
    form.appendChild(el("div", { class: "form-actions" }, [submit]));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var values = {}, missing = null;
      f.fields.forEach(function (fl) {
        var input = form.elements[fl.id];
        var err = $("f-" + m.id + "-" + fl.id + "-err");
        values[fl.id] = input.value;
        var bad = fl.required && !input.value.trim();
        err.hidden = !bad;
        err.textContent = bad ? lbl("fill_in", "Please fill this in.") : "";
        input.setAttribute("aria-invalid", bad ? "true" : "false");
        if (bad && !missing) missing = input;
      });
      if (missing) { missing.focus(); return; }
      submit.disabled = true;
      api("POST", "/chat/api/form", { chat: m.chat, message: m.id, values: values, desk: desk }).catch(function (e) {
        submit.disabled = false;
        var fields = (e.data && e.data.fields) || {};
        Object.keys(fields).forEach(function (k) {
          var err = $("f-" + m.id + "-" + k + "-err");
          if (err) { err.hidden = false; err.textContent = fields[k]; }
        });
        toast(e.message);
      });
    });
    return form;
  }

  function act(m, id, value, control) {
    if (control) control.disabled = true;
    if (id === "start") state.lastStart = Date.now();
    api("POST", "/chat/api/action", { chat: m.chat, message: m.id, id: id, value: value, desk: desk })
      .catch(function (e) { toast(e.message); })
      .then(function () { if (control && !m.pressed && !m.stale && !closedChat() && document.body.contains(control)) control.disabled = false; });
  }

  function send(ev) {
    ev.preventDefault();
    var t = $("text");
    var text = t.value.trim();
    if (!text) return;
    $("send").disabled = true;
    api("POST", "/chat/api/send", { chat: state.current, text: text, desk: desk }).then(function () {
      t.value = "";
      grow();
    }).catch(function (e) { toast(e.message); }).then(function () { $("send").disabled = false; t.focus(); });
  }

  function grow() {
    var t = $("text");
    t.style.height = "auto";
    t.style.height = Math.min(t.scrollHeight + 2, 160) + "px";
  }

  // ---- live updates ----
  function listen(after) {
    var es = new EventSource("/chat/api/events?after=" + after);
    state.es = es;
    var seen = after;
    es.addEventListener("message", function (e) {
      seen = Number(e.lastEventId) || seen;
      var m = JSON.parse(e.data);
      if (m.chat === state.current) { upsertMessage(m); return; }
      var c = chat(m.chat);
      if (c && !c.unread) { c.unread = true; renderChats(); }
    });
    es.addEventListener("chat", function (e) {
      seen = Number(e.lastEventId) || seen;
      var info = JSON.parse(e.data);
      var isNew = upsertChat(info);
      // A ticket chat just opened for me: go there, unless I'm typing.
      if (isNew && !info.archived && !$("text").value.trim()) {
        open(info.id);
        announce(lbl("chat_opened", "Chat opened:") + " " + info.title);
      } else if (isNew) {
        chat(info.id).unread = true;
        renderChats();
      }
    });
    document.body.dataset.live = "1";
    es.onopen = function () { document.body.dataset.live = "1"; };
    es.onerror = function () {
      document.body.dataset.live = "0";
      if (es.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
      // Refused, e.g. 429 with too many tabs open: say why, try again later.
      var ctl = new AbortController();
      fetch("/chat/api/events?after=" + seen, { signal: ctl.signal, credentials: "same-origin" }).then(function (r) {
        if (r.ok) { ctl.abort(); return; }
        return r.json().then(function (j) { toast(j.error || ("Live updates are off (" + r.status + ").")); });
      }).catch(function () {}).then(function () { setTimeout(function () { listen(seen); }, 30000); });
    };
  }

  // ---- menu (phones) ----
  function closeMenu() { $("sidebar").classList.remove("open"); $("menu-btn").setAttribute("aria-expanded", "false"); }
  $("menu-btn").addEventListener("click", function () {
    var open = $("sidebar").classList.toggle("open");
    this.setAttribute("aria-expanded", String(open));
  });

  $("composer").addEventListener("submit", send);
  $("file").addEventListener("change", upload);
  $("text").addEventListener("input", grow);
  $("text").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("composer").requestSubmit(); }
  });
  $("signout").addEventListener("click", function () {
    fetch("/auth/signout", { method: "POST", headers: { "X-CSRF-Token": state.csrf, "Accept": "application/json" }, credentials: "same-origin" })
      .then(function () { location.href = "/"; });
  });

  api("GET", "/chat/api/me").then(function (me) {
    state.me = me.user;
    state.csrf = me.csrf;
    state.chats = me.chats;
    $("me").textContent = me.user.name + (me.agent ? " · agent" : "");
    if (me.center_url) { var a = $("center-link"); a.href = me.center_url; a.hidden = false; }
    document.body.dataset.user = me.user.id;
    renderChats();
    return open(me.chats[0].id).then(function () { listen(me.seq); });
  }).catch(function (e) { toast(e.message); });
})();
