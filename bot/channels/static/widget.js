/* 消费维权在线咨询 · website chat widget.
 *
 * Embed:  <script>window.ConsumerRightsWidget = {title: "消费维权在线咨询"};</script>
 *         <script src="https://bot.example.org/chat/widget.js" defer></script>
 * Config: server (default: where this script came from), title, welcome, open (start open), storageKey.
 *
 * Plain JavaScript, no dependencies, talks only to its own server. Everything from the network is put on the
 * page with textContent / createTextNode; links are made only for http(s) URLs. Messages typed while offline
 * wait in localStorage and are sent one at a time, in order, with back-off; each carries a client message id,
 * so a retry after a lost response is recognised by the server and never handled twice.
 */
(function () {
  "use strict";
  if (window.__consumerRightsWidget) return;
  window.__consumerRightsWidget = true;

  var script = document.currentScript;
  var config = Object.assign({ title: "消费维权在线咨询", storageKey: "crw", open: false,
    welcome: "您好！我是消费维权智能助手，可以解答退货退款、维修、虚假宣传、预付卡、快递等问题，也可以帮您登记投诉。需要人工时请说“转人工”。" },
    window.ConsumerRightsWidget || {});
  var server = (config.server || new URL(script ? script.src : location.href, location.href).origin).replace(/\/+$/, "");
  var api = server + "/webhooks/web";

  // -- storage (localStorage, or memory where a browser forbids it) --------------------------------------------
  var memory = {};
  function load(name, fallback) {
    try {
      var raw = window.localStorage.getItem(config.storageKey + ":" + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return name in memory ? memory[name] : fallback; }
  }
  function save(name, value) {
    memory[name] = value;
    try { window.localStorage.setItem(config.storageKey + ":" + name, JSON.stringify(value)); } catch (e) { /* memory only */ }
  }

  var token = load("token", null);
  var outbox = load("outbox", []);
  var shown = {};

  // -- DOM helpers: text only -----------------------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  var URL_PATTERN = /https?:\/\/[^\s<>"'，。；、！？）)】]+/g;
  function safeHref(candidate) {
    try {
      var url = new URL(candidate);
      return (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
    } catch (e) { return null; }
  }
  function appendText(parent, text) {
    var last = 0, match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var href = safeHref(match[0]);
      if (!href) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = el("a", "crw-link", match[0]);
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      parent.appendChild(link);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }
  function clock(seconds) {
    var d = new Date(seconds * 1000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var today = new Date();
    var day = d.toDateString() === today.toDateString() ? "" : (d.getMonth() + 1) + "月" + d.getDate() + "日 ";
    return day + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function newId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "m" + Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // -- the panel -----------------------------------------------------------------------------------------------
  var style = el("link");
  style.rel = "stylesheet";
  style.href = server + "/chat/widget.css";
  document.head.appendChild(style);

  var root = el("div", "crw-root");
  var launcher = el("button", "crw-launcher", "在线咨询");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "打开消费维权在线咨询");
  var panel = el("section", "crw-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", config.title);
  panel.hidden = true;
  var header = el("header", "crw-header");
  var titles = el("div", "crw-titles");
  titles.appendChild(el("div", "crw-title", config.title));
  var status = el("div", "crw-status", "正在连接…");
  titles.appendChild(status);
  var closeButton = el("button", "crw-close", "×");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "关闭");
  header.appendChild(titles);
  header.appendChild(closeButton);
  var log = el("div", "crw-log");
  log.setAttribute("aria-live", "polite");
  var typing = el("div", "crw-typing");
  typing.appendChild(el("span", "crw-dots"));
  typing.appendChild(el("span", null, "正在输入…"));
  typing.hidden = true;
  var form = el("form", "crw-composer");
  var input = el("textarea", "crw-input");
  input.rows = 1;
  input.placeholder = "请输入您的问题，按回车发送";
  input.setAttribute("aria-label", "输入消息");
  input.maxLength = 20000;
  var sendButton = el("button", "crw-send", "发送");
  sendButton.type = "submit";
  form.appendChild(input);
  form.appendChild(sendButton);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);
  (document.body || document.documentElement).appendChild(root);

  function setOpen(open) {
    panel.hidden = !open;
    launcher.hidden = open;
    if (open) { input.focus(); scrollDown(); }
  }
  launcher.addEventListener("click", function () { setOpen(true); });
  closeButton.addEventListener("click", function () { setOpen(false); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send(text, null);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function setStatus(text, state) { status.textContent = text; status.setAttribute("data-state", state); }

  function renderMessage(message, ordered) {
    if (!message || !message.id || shown[message.id]) return null;
    shown[message.id] = true;
    var role = message.role === "user" ? "user" : (message.role === "agent" ? "agent" : "bot");
    var row = el("div", "crw-row crw-" + role);
    row.setAttribute("data-id", message.id);
    row.setAttribute("data-ts", String(message.timestamp || 0));
    if (role === "agent") row.appendChild(el("div", "crw-sender", "人工客服 · " + message.sender_name));
    var bubble = el("div", "crw-bubble");
    var body = el("div", "crw-text");
    appendText(body, message.text || "");
    bubble.appendChild(body);
    if (message.legal_basis) {
      var basis = el("div", "crw-basis");
      appendText(basis, message.legal_basis);
      bubble.appendChild(basis);
    }
    row.appendChild(bubble);
    if (message.notice) row.appendChild(el("div", "crw-notice", message.notice));
    if (message.buttons && message.buttons.length) {
      var choices = el("div", "crw-choices");
      message.buttons.forEach(function (button) {
        var choice = el("button", "crw-choice", button.title);
        choice.type = "button";
        choice.addEventListener("click", function () { send(button.payload || button.title, button.title); });
        choices.appendChild(choice);
      });
      row.appendChild(choices);
    }
    row.appendChild(el("time", "crw-time", clock(message.timestamp || Date.now() / 1000)));
    var before = null;
    if (ordered) {
      var rows = log.querySelectorAll(".crw-row");
      for (var i = 0; i < rows.length; i++) {
        if (parseFloat(rows[i].getAttribute("data-ts")) > (message.timestamp || 0)) { before = rows[i]; break; }
      }
    }
    log.insertBefore(row, before);
    scrollDown();
    return row;
  }

  function markPending(item, text) {
    var row = log.querySelector('[data-id="' + item.client_message_id + '"]');
    if (!row) return;
    var note = row.querySelector(".crw-pending");
    if (!text) { if (note) note.remove(); row.classList.remove("crw-unsent"); return; }
    if (!note) { note = el("div", "crw-pending"); row.appendChild(note); }
    note.textContent = text;
    row.classList.add("crw-unsent");
  }

  // -- talking to the server -----------------------------------------------------------------------------------
  // A POST of text/plain is a CORS "simple request": no preflight, so any page can embed the widget.
  function request(path, body) {
    return fetch(api + path, { method: "POST", headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(Object.assign({ token: token || undefined }, body || {})),
      cache: "no-store", credentials: "omit" });
  }

  function startSession() {
    return request("/session").then(function (response) {
      if (!response.ok) throw new Error("session " + response.status);
      return response.json();
    }).then(function (session) {
      if (load("session", null) !== session.session_id) {  // a new conversation: forget the old one's page
        save("session", session.session_id);
        resetLog();
      }
      token = session.token;
      save("token", token);
    });
  }

  function loadHistory() {
    return request("/history").then(function (response) {
      if (response.status === 401) { token = null; throw new Error("session expired"); }
      if (!response.ok) throw new Error("history " + response.status);
      return response.json();
    }).then(function (data) {
      data.messages.forEach(function (message) { renderMessage(message, true); });
      outbox.forEach(function (item) { if (shown[item.client_message_id]) markPending(item, "发送中…"); });
    });
  }

  var flushing = false, sendDelay = 1000, retryTimer = null;
  function showQueued(item) {
    renderMessage({ id: item.client_message_id, role: "user", text: item.display_text || item.message,
      timestamp: item.timestamp });
    markPending(item, "发送中…");
  }

  function send(text, displayText) {
    var item = { client_message_id: newId(), message: text, display_text: displayText, timestamp: Date.now() / 1000 };
    outbox.push(item);
    save("outbox", outbox);
    showQueued(item);
    flush();
  }

  function retryLater() {
    outbox.forEach(function (item) { markPending(item, "网络中断，恢复后自动发送"); });
    setStatus("网络中断，消息将在恢复后自动发送", "offline");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, sendDelay + Math.random() * 500);
    sendDelay = Math.min(sendDelay * 2, 30000);
  }

  function flush() {
    if (flushing || !outbox.length) return;
    if (!token) { startSession().then(flush, retryLater); return; }
    flushing = true;
    var item = outbox[0];
    typing.hidden = false;
    request("/webhook", { message: item.message, client_message_id: item.client_message_id,
      display_text: item.display_text || undefined })
      .then(function (response) {
        if (response.status === 401) { token = null; throw new Error("session expired"); }
        if (response.status >= 500) throw new Error("server " + response.status);
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        outbox.shift();
        save("outbox", outbox);
        if (result.status >= 400) {  // refused for good (too long, malformed): say so, keep the text visible
          markPending(item, "未发送：" + (result.data.message || "请求被拒绝"));
        } else {
          markPending(item, null);
          result.data.messages.forEach(function (message) { renderMessage(message); });
        }
        sendDelay = 1000;
        flushing = false;
        if (socket && socket.readyState === 1) setStatus("在线", "online");
        typing.hidden = outbox.length === 0;
        flush();
      }, function () {
        flushing = false;
        typing.hidden = true;
        retryLater();
      });
  }
  window.addEventListener("online", function () { sendDelay = 1000; flush(); connect(); });

  // -- push: replies and agents' messages as they happen --------------------------------------------------------
  var socket = null, socketDelay = 1000, socketTimer = null;
  function connect() {
    if (socket && socket.readyState <= 1) return;
    clearTimeout(socketTimer);
    if (!token) { startSession().then(connect, reconnectLater); return; }
    socket = new WebSocket(api.replace(/^http/, "ws") + "/stream");
    socket.onopen = function () { socket.send(JSON.stringify({ token: token })); };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "ready") {
        socketDelay = 1000;
        setStatus("在线", "online");
        loadHistory().then(flush, function () { flush(); });  // catch up on anything sent while we were away
      } else if (data.type === "message") {
        renderMessage(data.message);
      }
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401) token = null;
      reconnectLater();
    };
  }
  function reconnectLater() {
    setStatus(outbox.length ? "网络中断，消息将在恢复后自动发送" : "正在重新连接…", "offline");
    clearTimeout(socketTimer);
    socketTimer = setTimeout(connect, socketDelay + Math.random() * 500);
    socketDelay = Math.min(socketDelay * 2, 30000);
  }

  // -- start ---------------------------------------------------------------------------------------------------
  function resetLog() {
    log.textContent = "";
    shown = {};
    renderMessage({ id: "welcome", role: "bot", text: config.welcome, timestamp: 0 });
    log.querySelector(".crw-time").remove();  // the greeting has no time
    outbox.forEach(showQueued);
  }
  resetLog();
  // Always ask for a fresh token: the same session when ours is still valid, a new one when it is not.
  startSession().then(loadHistory).catch(function () {})
    .then(function () {
      outbox.forEach(showQueued);
      connect();
      flush();
    });
  setOpen(!!config.open);
  window.ConsumerRightsChat = { open: function () { setOpen(true); }, close: function () { setOpen(false); } };
})();
