// What the console's pages share (index.html with console.js, supervisor.html with supervisor.js), loaded before
// them as window.ConsolePage: plain JavaScript over /api/, nothing fetched from elsewhere. The widget
// (bot/channels/static/widget.js) does not use it: it is embedded in other sites' pages and carries its own.
(function () {
  "use strict";

  // An element; children from the server become text nodes, never HTML: customers' words cannot inject markup.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    });
    children.flat(Infinity).forEach((child) => node.append(child instanceof Node ? child : document.createTextNode(String(child))));
    return node;
  }

  // /api + path with the session's cookie, ``body`` (if any) as JSON; the response's JSON. Options: ``csrf``, the
  // session's token, sent with anything but GET; ``onUnauthorized(path)``, called on a 401; ``failure``, how the
  // error's message starts when the server gave no reason. A refusal throws an Error with the response's
  // ``status``, and the ``problems`` (by form field) and ``warnings`` (assist's, on a reply) it named.
  async function api(method, path, body, options = {}) {
    const headers = { "Content-Type": "application/json" };
    if (method !== "GET" && options.csrf) headers["X-CSRF-Token"] = options.csrf;
    const response = await fetch("/api" + path, {
      method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && options.onUnauthorized) options.onUnauthorized(path);
    if (!response.ok) {
      const failure = new Error(data.detail && typeof data.detail === "string" ? data.detail
        : (options.failure || "操作失败") + "（" + response.status + "）");
      failure.status = response.status;
      failure.problems = data.problems || {};
      failure.warnings = data.warnings || [];
      throw failure;
    }
    return data;
  }

  window.ConsolePage = { el, api };
})();
