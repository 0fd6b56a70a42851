// Help desk chat widget. Paste into any page:
//   <script src="https://help.example.com/chat/widget.js" data-desk="it" async></script>
// It adds a chat button that opens the help desk chat in a panel (an iframe).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__helpdeskWidget) return;
  window.__helpdeskWidget = true;
  var origin = new URL(script.src, location.href).origin;
  var desk = script.getAttribute("data-desk") || "";
  var label = script.getAttribute("data-label") || "Help";
  var src = origin + "/?embed=1" + (desk ? "&desk=" + encodeURIComponent(desk) : "");

  var css = "" +
    ".hdw-btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:999px;background:#2456d3;color:#fff;" +
    "font:600 15px/1 system-ui,sans-serif;padding:14px 20px;box-shadow:0 4px 16px rgba(0,0,0,.2);cursor:pointer}" +
    ".hdw-btn:focus-visible{outline:3px solid #7aa2ff;outline-offset:2px}" +
    ".hdw-panel{position:fixed;right:20px;bottom:80px;z-index:2147483000;width:380px;height:min(600px,calc(100vh - 110px));" +
    "border-radius:14px;overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.25);background:#fff;display:none;flex-direction:column}" +
    ".hdw-panel.open{display:flex}.hdw-panel iframe{border:0;flex:1;width:100%}" +
    ".hdw-bar{display:flex;justify-content:space-between;align-items:center;padding:6px 10px;background:#f3f5f8;font:13px system-ui,sans-serif}" +
    ".hdw-bar a{color:#2456d3}.hdw-bar button{border:0;background:none;font-size:18px;cursor:pointer;padding:2px 6px}" +
    "@media (max-width:480px){.hdw-panel{right:0;bottom:0;width:100vw;height:100vh;border-radius:0}}";
  var style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  var panel = document.createElement("div");
  panel.className = "hdw-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Help desk chat");
  var bar = document.createElement("div");
  bar.className = "hdw-bar";
  var pop = document.createElement("a");
  pop.href = src.replace("embed=1", "embed=0");
  pop.target = "_blank";
  pop.rel = "noopener";
  pop.textContent = "Open in a new window";
  var close = document.createElement("button");
  close.type = "button";
  close.setAttribute("aria-label", "Close the chat");
  close.textContent = "×";
  bar.appendChild(pop);
  bar.appendChild(close);
  panel.appendChild(bar);

  var btn = document.createElement("button");
  btn.type = "button";
  btn.className = "hdw-btn";
  btn.textContent = label;
  btn.setAttribute("aria-expanded", "false");

  function toggle(open) {
    if (open && !panel.querySelector("iframe")) {
      var f = document.createElement("iframe");
      f.src = src;
      f.title = "Help desk chat";
      panel.appendChild(f);
    }
    panel.classList.toggle("open", open);
    btn.setAttribute("aria-expanded", String(open));
  }
  btn.addEventListener("click", function () { toggle(!panel.classList.contains("open")); });
  close.addEventListener("click", function () { toggle(false); btn.focus(); });
  function mount() { document.body.appendChild(panel); document.body.appendChild(btn); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
