// The agent console: plain JavaScript over /api/ (no build step, nothing fetched from elsewhere).
// Everything from the server is shown with textContent, never as HTML: customers' words cannot inject markup.
(function () {
  "use strict";

  const REFRESH_MS = 2000;
  const STATUS = { queued: "排队中", active: "处理中", awaiting_confirmation: "待客户确认", closed: "已结案" };
  const REASON = {
    request: "客户要求人工", injury: "人身伤害", dispute: "结果有异议", distress: "客户情绪激动",
    high_amount: "金额较大", account: "查询订单/账户", repeated_fallback: "机器人答不上", complaint: "投诉跟进",
  };
  const ACTION = {
    opened: "转入人工", claimed: "接入", transferred: "转接", agent_replied: "坐席回复", first_response: "首次回复",
    handed_back: "交回机器人", resolution_proposed: "提交处理结果", customer_confirmed: "客户确认",
    customer_disputed: "客户有异议", confirmation_attempted: "联系客户确认", closed_unconfirmed: "逾期结案",
    ownership_offered: "移交首问责任", ownership_accepted: "接受首问责任", ownership_declined: "拒绝首问责任",
    routed_to_owner: "转回首问负责人", customer_returned: "客户再次进线", callback_requested: "登记回访",
    note_added: "备注", personal_data_revealed: "查看完整信息",
    customer_message: "客户留言", complaint_linked: "关联投诉", complaint_filed: "登记投诉",
    assist_overridden: "未按提醒修改，仍然发送",
  };

  // revealed: originals shown in the open case, by event id; kept in the page only until another case opens.
  const state = { csrf: null, me: null, selected: null, seenQueue: null, revealed: {} };
  const $ = (id) => document.getElementById(id);

  const { el } = window.ConsolePage;  // page.js

  // Signed out (a 401 anywhere but the login itself): back to the login form.
  function api(method, path, body) {
    return window.ConsolePage.api(method, path, body, {
      csrf: state.csrf, failure: "操作失败", onUnauthorized: (called) => { if (called !== "/login") showLogin(); },
    });
  }

  function toast(text) {
    const box = $("status");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
  }

  function beep() {
    // A short tone made in the page: no sound file to fetch.
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.2);
    } catch (error) { /* no audio device: the badge still shows */ }
  }

  function showLogin() {
    $("workspace").hidden = true;
    $("login").hidden = false;
    state.csrf = null;
  }

  function showWorkspace(me) {
    state.me = me.agent;
    state.csrf = me.csrf_token;
    $("login").hidden = true;
    $("workspace").hidden = false;
    $("me").textContent = me.agent.display_name + (me.agent.role === "supervisor" ? "（主管）" : "");
    $("online").checked = me.agent.online;
    $("supervisor-link").hidden = me.agent.role !== "supervisor"; // the API refuses agents anyway
    refresh();
  }

  function caseItem(item, list) {
    const who = item.first_contact_owner ? "首问：" + item.first_contact_owner.display_name : "未接入";
    const now = item.current_agent ? " · 当前：" + item.current_agent.display_name : "";
    const li = el("li", { class: "priority-" + item.priority, "data-case": item.id, onclick: () => openCase(item.id) },
      el("div", {}, "#" + item.id + " " + (REASON[item.reason] || item.reason)),
      el("div", { class: "meta" }, STATUS[item.status] + " · " + item.skill + " · 等待 " + Math.round(item.waiting_minutes) + " 分钟"),
      el("div", { class: "meta" }, who + now));
    if (state.selected === item.id) li.classList.add("selected");
    list.append(li);
  }

  function fill(id, items) {
    const list = $(id);
    list.replaceChildren();
    items.forEach((item) => caseItem(item, list));
  }

  async function refresh() {
    if ($("workspace").hidden) return;
    try {
      const [queue, working, owned, notes] = await Promise.all([
        api("GET", "/queue"), api("GET", "/cases?scope=working"), api("GET", "/cases?scope=owned"), api("GET", "/notifications"),
      ]);
      const ids = new Set(queue.map((c) => c.id));
      if (state.seenQueue && [...ids].some((id) => !state.seenQueue.has(id))) {
        beep();
        toast("有新的会话进入队列");
      }
      state.seenQueue = ids;
      fill("queue", queue);
      fill("working", working);
      fill("owned", owned);
      $("queue-count").textContent = queue.length;
      const badge = $("queue-badge");
      badge.textContent = queue.length;
      badge.classList.toggle("zero", queue.length === 0);
      document.title = (queue.length ? "(" + queue.length + ") " : "") + "坐席台 · 消费维权客服";
      const list = $("notifications");
      list.replaceChildren(...notes.slice(0, 20).map((n) => el("li", {}, n.text)));
      await refreshOpenCase();
    } catch (error) { /* shown on the next user action; the loop keeps going */ }
  }

  function form(label, fields, submit) {
    const node = el("form", { class: "inline" }, el("strong", {}, label), " ",
      fields.map((field) => [field, " "]), el("button", { type: "submit" }, "确定"));
    node.addEventListener("submit", async (event) => {
      event.preventDefault();
      try { await submit(); } catch (error) { toast(error.message); }
    });
    return node;
  }

  async function act(caseId, path, body, done) {
    await api("POST", "/cases/" + caseId + path, body);
    toast(done);
    await openCase(caseId);
    refresh();
  }

  function historyItems(events) {
    return events.map((event) => {
      const original = state.revealed[event.id];
      return el("li", { class: event.action === "note_added" ? "private-note" : "" },
        el("div", { class: "who" }, event.at.replace("T", " ").slice(0, 19) + " · " + event.actor + " · " + (ACTION[event.action] || event.action)),
        original ? el("div", { class: "revealed" }, original) : event.note ? el("div", {}, event.note) : "",
        !original && event.note && event.note.includes("*") ? revealControl(event) : "");
    });
  }

  // The reason is asked inline, not with window.prompt: it goes into the case's record with the reveal.
  function revealControl(event) {
    const box = el("div", { class: "reveal" });
    box.append(el("button", { type: "button", class: "secondary", onclick: () => {
      const reason = el("input", { name: "reveal_reason", placeholder: "查看原因（必填，会记入记录）" });
      box.replaceChildren(form("显示完整信息", [reason], async () => {
        const caseId = state.selected;
        const shown = await api("POST", "/cases/" + caseId + "/events/" + event.id + "/reveal", { reason: reason.value });
        state.revealed[event.id] = shown.text;
        await redrawHistory(caseId);
      }));
      reason.focus();
    } }, "显示完整信息"));
    return box;
  }

  // Only the history: a reply being drafted in the same case stays as it is.
  async function redrawHistory(caseId) {
    const item = await api("GET", "/cases/" + caseId);
    document.querySelector("#case .history").replaceChildren(...historyItems(item.events));
  }

  // What decides which actions the open case offers; while it stays the same only the history is redrawn.
  function shape(item) {
    return [item.status, item.with_person, item.current_agent && item.current_agent.username].join("|");
  }

  function typing(within = "#case") {
    return [...document.querySelectorAll(within + " input, " + within + " textarea")].some((field) => field.value.trim() || field === document.activeElement);
  }

  // The open case follows what happens: the customer's new messages appear without a click.
  async function refreshOpenCase() {
    if (!state.selected) return;
    const item = await api("GET", "/cases/" + state.selected);
    if (shape(item) !== state.selectedShape && !typing()) { await openCase(state.selected); return; }
    const history = document.querySelector("#case .history");
    if (history && !typing("#case .history") && history.children.length !== item.events.length) {
      history.replaceChildren(...historyItems(item.events));
    }
  }

  async function openCase(caseId) {
    if (state.selected !== caseId) state.revealed = {};
    state.selected = caseId;
    let item;
    try { item = await api("GET", "/cases/" + caseId); } catch (error) { toast(error.message); return; }
    const mine = state.me && item.current_agent && item.current_agent.username === state.me.username;
    const owner = state.me && item.first_contact_owner && item.first_contact_owner.username === state.me.username;
    const pane = $("case");
    const actions = el("div", { class: "actions" });
    const extra = el("div", {});

    if (item.status === "queued") {
      actions.append(el("button", { onclick: () => act(caseId, "/claim", {}, "已接入").catch((e) => toast(e.message)) }, "接入"));
    }
    if (mine && item.status === "active" && item.with_person) {
      const text = el("textarea", { name: "reply", placeholder: "回复客户…" });
      // A canned reply goes into the box for the agent to adapt; only 发送 sends.
      const canned = el("select", { name: "canned", "aria-label": "常用回复" }, el("option", { value: "" }, "插入常用回复…"));
      api("GET", "/canned-replies?skill=" + encodeURIComponent(item.skill)).then((replies) => {
        canned.append(...replies.map((reply) => el("option", { value: reply.text }, reply.title)));
      }).catch((error) => toast(error.message));
      canned.addEventListener("change", () => {
        if (!canned.value) return;
        text.setRangeText(canned.value, text.selectionStart, text.selectionEnd, "end");
        canned.value = "";
        text.focus();
      });
      const warnings = el("div", { class: "assist-warnings" });
      text.addEventListener("input", () => warnings.replaceChildren());  // the draft changed: 发送 checks it anew
      extra.append(el("div", { class: "reply" }, canned, text, warnings,
        el("button", { onclick: () => sendReply(caseId, text, warnings) }, "发送")),
        suggestionPanel(caseId, text));
    }
    if (mine && item.status !== "closed") {
      const colleague = el("select", { name: "to_agent" });
      const reason = el("input", { name: "reason", placeholder: "转接原因（必填）" });
      api("GET", "/agents").then((agents) => {
        colleague.replaceChildren(el("option", { value: "" }, "选择同事"),
          ...agents.filter((a) => a.username !== state.me.username)
            .map((a) => el("option", { value: a.username }, a.display_name + (a.online ? "（在线）" : "（离线）"))));
      });
      extra.append(form("转接给", [colleague, reason], () =>
        act(caseId, "/transfer", { to_agent: colleague.value || null, reason: reason.value }, "已转接")));
      if (item.with_person) {
        actions.append(el("button", { class: "secondary", onclick: () => act(caseId, "/hand-back", { note: "" }, "已交回机器人").catch((e) => toast(e.message)) }, "交回机器人"));
      }
    }
    if ((mine || owner) && item.status !== "closed") {
      const note = el("input", { name: "private_note", placeholder: "仅坐席可见，不会发给客户" });
      extra.append(form("内部备注", [note], async () => {
        await api("POST", "/cases/" + caseId + "/notes", { text: note.value });
        note.value = "";
        toast("已添加备注");
        await redrawHistory(caseId);
      }));
    }
    if (mine && item.status === "active") {
      const summary = el("input", { name: "summary", placeholder: "处理结果摘要" });
      extra.append(form("提交处理结果，请客户确认", [summary], () =>
        act(caseId, "/resolution", { summary: summary.value }, "已提交，等待客户确认")));
    }
    if (owner && item.status === "awaiting_confirmation") {
      const note = el("input", { name: "note", placeholder: "如何联系了客户" });
      extra.append(form("记录确认尝试", [note], () => act(caseId, "/confirmation-attempts", { note: note.value }, "已记录")));
      actions.append(el("button", { class: "secondary", onclick: () => act(caseId, "/close", {}, "已结案").catch((e) => toast(e.message)) }, "逾期结案"));
    }

    pane.replaceChildren(
      el("h1", {}, "#" + item.id + " · " + STATUS[item.status]),
      el("p", { class: "owner" }, "首问负责人：" + (item.first_contact_owner ? item.first_contact_owner.display_name : "—") +
        "　当前处理：" + (item.current_agent ? item.current_agent.display_name : "队列") + "　渠道会话：" + item.conversation_id),
      el("p", {}, "转人工原因：" + (REASON[item.reason] || item.reason) + (item.detail ? "（" + item.detail + "）" : "")),
      actions, extra,
      el("h2", {}, "记录"),
      el("ol", { class: "history" }, historyItems(item.events)));
    state.selectedShape = shape(item);
    document.querySelectorAll(".cases li").forEach((li) => li.classList.toggle("selected", Number(li.dataset.case) === caseId));
    pane.append(await contextSection(item, mine));
  }

  // 发送 asks the server first. A reply with warnings is held, the warnings shown beside it, until the agent changes
  // it or gives a reason and clicks 仍然发送; the reason is recorded with the reply (the server refuses a warned
  // reply without one, whatever the page does).
  async function sendReply(caseId, text, box) {
    if (!text.value.trim()) return;
    const draft = text.value;
    try {
      const checked = await api("POST", "/cases/" + caseId + "/replies/check", { text: draft });
      if (checked.warnings.length) { holdReply(caseId, text, box, draft, checked.warnings); return; }
      await act(caseId, "/replies", { text: draft }, "已发送");
    } catch (error) {
      if (error.warnings && error.warnings.length) holdReply(caseId, text, box, draft, error.warnings);
      else toast(error.message);
    }
  }

  function holdReply(caseId, text, box, draft, warnings) {
    const reason = el("input", { name: "override_reason", placeholder: "仍要发送的理由（必填，会记入记录）" });
    const missing = el("span", { class: "error" });
    const override = el("form", { class: "inline override" }, reason, " ", el("button", { type: "submit" }, "仍然发送"), " ", missing);
    override.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (text.value !== draft) { await sendReply(caseId, text, box); return; }  // what was warned about is not what would go
      if (!reason.value.trim()) { missing.textContent = "请填写仍要发送的理由"; reason.focus(); return; }
      try {
        await act(caseId, "/replies", { text: draft, override_reason: reason.value }, "已发送");
      } catch (error) {
        if (error.warnings && error.warnings.length) holdReply(caseId, text, box, draft, error.warnings);
        else toast(error.message);
      }
    });
    box.replaceChildren(el("strong", {}, "发送前请注意："),
      el("ul", {}, warnings.map((warning) => el("li", { "data-code": warning.code }, warning.message))),
      el("p", { class: "hint" }, "请修改回复后再发送；确需按原文发送的，填写理由后点“仍然发送”。"), override);
  }

  // 参考答案: the knowledge base's best entries for the draft (for the customer's last message while the draft is
  // empty), and the bot's remedy assessment. 插入 puts one into the reply to adapt; only 发送 sends.
  function suggestionPanel(caseId, text) {
    const list = el("ol", {}, el("li", { class: "hint" }, "正在查找参考答案…"));
    let timer = null, latest = 0;
    async function look() {
      const asked = ++latest;
      const draft = text.value.trim();
      let found;
      try {
        found = await api("GET", "/cases/" + caseId + "/suggestions" + (draft ? "?text=" + encodeURIComponent(draft) : ""));
      } catch (error) { found = { entries: [], remedy: null, error: error.message }; }
      if (asked !== latest) return;  // the agent typed on: a newer answer is coming
      const items = found.entries.map((entry) => suggestion(entry.question, entry.score.toFixed(2), entry.text, text));
      if (found.remedy) items.push(suggestion("机器人的权益评估", null, found.remedy, text));
      list.replaceChildren(...(items.length ? items : [el("li", { class: found.error ? "error" : "hint" },
        found.error ? "参考答案读取失败：" + found.error : "没有找到参考答案；输入回复时会按内容再找。")]));
    }
    text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(look, 400); });
    look();
    return el("section", { class: "suggestions" }, el("h2", {}, "参考答案"), list);
  }

  function suggestion(title, score, answer, text) {
    return el("li", {},
      el("div", { class: "who" }, title + (score ? "（" + score + "）" : "")),
      el("div", { class: "answer" }, answer),
      el("button", { type: "button", class: "secondary", onclick: () => {
        text.setRangeText(answer, text.selectionStart, text.selectionEnd, "end");
        text.focus();
      } }, "插入"));
  }

  const ROLE = { customer: "客户", bot: "机器人", agent: "人工客服" };
  const DECISION = { answer: "直接答复", clarify: "请客户选择", fallback: "未能回答" };

  // What came before and around the case: the conversation with the bot's retrieval hits, the remedy
  // assessment, and the customer's complaints (with linking one to the case).
  async function contextSection(item, mine) {
    const section = el("section", { class: "context" });
    let found;
    try { found = await api("GET", "/cases/" + item.id + "/context"); } catch (error) {
      section.append(el("p", { class: "error" }, "背景信息读取失败：" + error.message));
      return section;
    }
    section.append(el("h2", {}, "客户与机器人的对话"));
    if (found.transcript_error) section.append(el("p", { class: "error" }, found.transcript_error));
    section.append(el("ol", { class: "transcript" }, (found.transcript || []).map((message) =>
      el("li", { class: "from-" + message.role },
        el("div", { class: "who" }, (ROLE[message.role] || message.role) + (message.sender_name ? " · " + message.sender_name : "") +
          (message.at ? " · " + message.at.replace("T", " ").slice(0, 19) : "")),
        el("div", {}, message.text),
        message.retrieval ? el("details", { class: "retrieval" },
          el("summary", {}, "机器人检索：" + (DECISION[message.retrieval.decision] || message.retrieval.decision)),
          el("ul", {}, message.retrieval.hits.map((hit) =>
            el("li", {}, hit.entry_id + " · " + hit.question + "（" + hit.score.toFixed(2) + "）")))) : ""))));
    if (found.remedy) section.append(el("h2", {}, "机器人的权益评估"), el("p", { class: "remedy" }, found.remedy));
    section.append(el("h2", {}, "投诉记录"));
    section.append(found.complaints.length
      ? el("ul", { class: "complaints" }, found.complaints.map((c) =>
        el("li", { "data-ticket": c.ticket }, c.ticket + " · " + c.status + " · " + c.business + " · " + c.product +
          (c.deadline ? " · 期限 " + c.deadline : "") + (item.complaint_ticket === c.ticket ? " · 已关联本会话" : ""))))
      : el("p", { class: "hint" }, "这位客户没有投诉记录。"));
    if (mine && item.status !== "closed") {
      const ticket = el("input", { name: "ticket", placeholder: "投诉编号，如 TS-20261202-000001" });
      section.append(form("关联投诉", [ticket], () => act(item.id, "/complaint", { ticket: ticket.value }, "已关联投诉")));
    }
    if (mine && item.status !== "closed" && !item.complaint_id) {
      const filing = el("div", { class: "filing" });
      filing.append(el("button", { type: "button", class: "secondary", onclick: async () => {
        try { filing.replaceChildren(complaintForm(item, await api("GET", "/cases/" + item.id + "/complaint-draft"))); }
        catch (error) { toast(error.message); }
      } }, "登记投诉"));
      section.append(filing);
    }
    return section;
  }

  // The agent files a complaint for the customer: the fields come prefilled from the conversation, the server
  // reads them as the bot's form would, and what it cannot read is shown beside the field.
  function complaintForm(item, draft) {
    const inputs = {}, problems = {};
    const node = el("form", { class: "complaint-form" }, el("h3", {}, "为客户登记投诉"));
    if (draft.transcript_error) node.append(el("p", { class: "error" }, draft.transcript_error + "，以下只按转人工原因预填。"));
    draft.fields.forEach((field) => {
      inputs[field.name] = el(field.name === "complaint_facts" ? "textarea" : "input", { name: field.name });
      inputs[field.name].value = field.value;
      problems[field.name] = el("div", { class: "problem", "data-problem": field.name });
      node.append(el("label", {}, el("span", {}, field.label + (field.required ? "（必填）" : "（没有可留空）")),
        inputs[field.name], problems[field.name]));
    });
    const consent = el("input", { type: "checkbox", name: "customer_consented", required: "" });
    node.append(el("label", { class: "consent" }, consent, "客户已同意保存其个人信息用于处理投诉"),
      el("button", { type: "submit" }, "提交"));
    node.addEventListener("submit", async (event) => {
      event.preventDefault();
      Object.values(problems).forEach((box) => { box.textContent = ""; });
      const fields = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value]));
      try {
        await act(item.id, "/complaints", { fields, customer_consented: consent.checked }, "已登记投诉");
      } catch (error) {
        Object.entries(error.problems || {}).forEach(([name, text]) => { if (problems[name]) problems[name].textContent = text; });
        toast(error.message);
      }
    });
    return node;
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    $("login-error").textContent = "";
    try {
      showWorkspace(await api("POST", "/login", { username: data.get("username"), password: data.get("password") }));
    } catch (error) { $("login-error").textContent = error.message; }
  });
  $("online").addEventListener("change", (event) =>
    api("PUT", "/me/presence", { online: event.target.checked }).then(refresh).catch((e) => toast(e.message)));
  $("logout").addEventListener("click", () => api("POST", "/logout", {}).finally(showLogin));

  api("GET", "/me").then(showWorkspace).catch(showLogin);
  setInterval(refresh, REFRESH_MS);
})();
