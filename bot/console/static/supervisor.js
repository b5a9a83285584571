// The supervisor's view: the live desk, per-owner figures of a period, and the complaint analytics.
// Like the console: plain JavaScript over /api/, text only (textContent, never HTML), charts drawn here as SVG.
(function () {
  "use strict";

  const REFRESH_MS = 5000;
  const TOP_PROBLEMS = 5; // lines in the weekly trend chart; more would be unreadable
  const SVG_NS = "http://www.w3.org/2000/svg";
  const DEADLINE = { claim: "接入", first_response: "首次回复", next_response: "回复客户", resolution: "解决", confirmation: "客户确认" };
  const DEADLINE_STATUS = { warned: "即将超时", breached: "已超时" };
  const STATUS = { queued: "排队中", active: "处理中", awaiting_confirmation: "待客户确认" };
  const REASON = {
    request: "客户要求人工", injury: "人身伤害", dispute: "结果有异议", distress: "客户情绪激动",
    high_amount: "金额较大", account: "查询订单/账户", repeated_fallback: "机器人答不上", complaint: "投诉跟进",
  };
  const $ = (id) => document.getElementById(id);
  const shown = (value) => (value === null || value === undefined ? "—" : String(value));
  const name = (agent) => (agent ? agent.display_name : "（未接入）");

  const { el } = window.ConsolePage;  // page.js

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
    children.flat(Infinity).forEach((child) => node.append(child instanceof Node ? child : document.createTextNode(String(child))));
    return node;
  }

  const api = (path) => window.ConsolePage.api("GET", path, undefined, { failure: "读取失败" });

  // Signed out, an agent, or the desk unreachable: nothing of the board is shown, and the page says why.
  function refuse(error) {
    clearInterval(refuse.timer);
    $("board").hidden = true;
    const box = $("refused");
    box.hidden = false;
    const why = { 401: "请先登录坐席台。", 403: error.message + "：主管视图只对主管开放。" }[error.status];
    box.replaceChildren(why || "读取失败：" + error.message + "，请稍后刷新页面。", " ", el("a", { href: "/" }, "返回坐席台"));
  }
  const refusal = (error) => error.status === 401 || error.status === 403;

  function table(node, headers, rows) {
    node.replaceChildren(el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: headers.length, class: "hint" }, "无"))));
  }

  async function refreshOverview() {
    const now = await api("/supervisor/overview");
    $("board").hidden = false;
    $("queue-count").textContent = now.queue.length;
    table($("queue"), ["会话", "优先级", "技能组", "原因", "等待（分钟）", "首问"], now.queue.map((c) =>
      el("tr", { class: "priority-" + c.priority, "data-case": c.id }, el("td", {}, "#" + c.id), el("td", {}, "P" + c.priority),
        el("td", {}, c.skill), el("td", {}, REASON[c.reason] || c.reason), el("td", { class: "number" }, Math.round(c.waiting_minutes)),
        el("td", {}, c.first_contact_owner ? c.first_contact_owner.display_name : "—"))));
    table($("agents"), ["坐席", "状态", "负载", "负责未结"], now.agents.map((a) =>
      el("tr", { "data-agent": a.username, class: a.online ? "online" : "offline" },
        el("td", {}, a.display_name + (a.role === "supervisor" ? "（主管）" : "")), el("td", {}, a.online ? "在线" : "离线"),
        el("td", { class: "number" }, a.load + " / " + a.capacity), el("td", { class: "number" }, a.owned_open))));
    $("deadline-count").textContent = now.deadlines.length;
    table($("deadlines"), ["会话", "状态", "时限", "", "已用 / 时限（分钟）", "首问负责人", "当前处理"], now.deadlines.map((d) =>
      el("tr", { class: d.status, "data-case": d.case_id }, el("td", {}, "#" + d.case_id + " · P" + d.priority),
        el("td", {}, STATUS[d.case_status] || d.case_status), el("td", {}, DEADLINE[d.deadline] || d.deadline),
        el("td", { class: "state" }, DEADLINE_STATUS[d.status]),
        el("td", { class: "number" }, Math.round(d.used_minutes) + " / " + Math.round(d.limit_minutes)),
        el("td", { class: "owner" }, name(d.first_contact_owner)), el("td", {}, d.current_agent ? d.current_agent.display_name : "队列"))));
  }

  // A bar chart with one group per owner and one bar per series in it; a missing value (nobody rated) has no bar.
  function barChart(node, owners, series, max) {
    const width = 560, height = 230, left = 34, right = 8, top = 28, bottom = 34;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const scale = max || Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
    const y = (value) => top + plotHeight - (value / scale) * plotHeight;
    node.setAttribute("viewBox", "0 0 " + width + " " + height);
    node.replaceChildren();
    [0, scale / 2, scale].forEach((tick) => node.append(
      svg("line", { class: "grid", x1: left, x2: width - right, y1: y(tick), y2: y(tick) }),
      svg("text", { class: "tick", x: left - 4, y: y(tick) + 4, "text-anchor": "end" }, Number(tick.toFixed(1)))));
    const group = plotWidth / Math.max(1, owners.length);
    const bar = Math.min(26, (group * 0.7) / series.length);
    owners.forEach((owner, i) => {
      const start = left + i * group + (group - bar * series.length) / 2;
      series.forEach((s, k) => {
        const value = s.values[i];
        if (value === null) return;
        const x = start + k * bar;
        node.append(
          svg("rect", { class: "owner-bar " + s.className, "data-agent": owner.username, x: x, y: y(value), width: bar - 2,
            height: top + plotHeight - y(value) }, svg("title", {}, owner.display_name + " · " + s.name + "：" + value)),
          svg("text", { class: "value", x: x + (bar - 2) / 2, y: y(value) - 3, "text-anchor": "middle" }, value));
      });
      node.append(svg("text", { class: "tick", x: left + (i + 0.5) * group, y: height - bottom + 16, "text-anchor": "middle" },
        owner.display_name));
    });
    series.forEach((s, k) => node.append(
      svg("rect", { class: "key " + s.className, x: left + k * 110, y: 4, width: 12, height: 12 }),
      svg("text", { class: "tick", x: left + k * 110 + 16, y: 14 }, s.name)));
  }

  // Weekly complaints of the top problems, one line each; the legend below names them.
  function trendChart(node, weeks, clusters) {
    const width = 1000, height = 280, left = 34, right = 40, top = 12, bottom = 40; // room for the last week's label
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const scale = Math.max(1, ...clusters.flatMap((c) => c.trend.map((w) => w.count)));
    const x = (i) => left + (weeks.length > 1 ? (i / (weeks.length - 1)) * plotWidth : plotWidth / 2);
    const y = (count) => top + plotHeight - (count / scale) * plotHeight;
    node.setAttribute("viewBox", "0 0 " + width + " " + height);
    node.replaceChildren();
    [0, Math.round(scale / 2), scale].forEach((tick) => node.append(
      svg("line", { class: "grid", x1: left, x2: width - right, y1: y(tick), y2: y(tick) }),
      svg("text", { class: "tick", x: left - 4, y: y(tick) + 4, "text-anchor": "end" }, tick)));
    const every = Math.ceil(weeks.length / 12); // at most twelve week labels
    weeks.forEach((week, i) => {
      if (i % every === 0) node.append(svg("text", { class: "tick", x: x(i), y: height - bottom + 18, "text-anchor": "middle" }, week));
    });
    clusters.forEach((cluster, k) => {
      const points = cluster.trend.map((w, i) => x(i) + "," + y(w.count)).join(" ");
      node.append(svg("polyline", { class: "line series-" + k, points: points }, svg("title", {}, cluster.label)));
      cluster.trend.forEach((w, i) => node.append(svg("circle", { class: "point series-" + k, cx: x(i), cy: y(w.count), r: 3 },
        svg("title", {}, cluster.label + " · " + w.week + "：" + w.count + " 件"))));
    });
    $("trend-legend").replaceChildren(...clusters.map((cluster, k) =>
      el("li", {}, el("span", { class: "swatch series-" + k }), cluster.label + "（" + cluster.size + " 件）")));
  }

  async function loadFigures(since, until) {
    $("period-error").textContent = "";
    let data;
    try {
      data = await api("/supervisor/figures" + (since ? "?since=" + encodeURIComponent(since) + "&until=" + encodeURIComponent(until) : ""));
    } catch (error) {
      if (refusal(error)) refuse(error); else $("period-error").textContent = error.message;
      return;
    }
    $("since").value = data.since;
    $("until").value = data.until;
    $("csv").href = "/api/supervisor/figures.csv?since=" + data.since + "&until=" + data.until;
    table($("figures"), ["坐席", "首问接入", "经手", "首次回复 中位 / 平均（分钟）", "结案", "解决 中位 / 平均（分钟）", "超时",
      "满意度（首问）", "满意度（经手）"], data.rows.map((r) =>
      el("tr", { "data-agent": r.username }, el("td", {}, r.display_name), el("td", { class: "number" }, r.owned),
        el("td", { class: "number" }, r.handled),
        el("td", { class: "number" }, shown(r.first_response_median_minutes) + " / " + shown(r.first_response_mean_minutes)),
        el("td", { class: "number" }, r.resolved),
        el("td", { class: "number" }, shown(r.resolution_median_minutes) + " / " + shown(r.resolution_mean_minutes)),
        el("td", { class: "number breaches" }, r.breaches),
        el("td", { class: "number" }, shown(r.satisfaction_mean) + "（" + r.satisfaction_count + " 条）"),
        el("td", { class: "number" }, shown(r.handled_satisfaction_mean) + "（" + r.handled_satisfaction_count + " 条）"))));
    $("before-claim").textContent = "接入前（尚无首问负责人）的超时：" + data.breaches_before_claim + " 次，计入坐席台整体。";
    barChart($("owned-chart"), data.rows, [
      { name: "首问接入", className: "owned", values: data.rows.map((r) => r.owned) },
      { name: "超时", className: "breaches", values: data.rows.map((r) => r.breaches) },
    ]);
    barChart($("satisfaction-chart"), data.rows, [
      { name: "满意度均分", className: "satisfaction", values: data.rows.map((r) => r.satisfaction_mean) },
    ], 5);
    loadAnalytics(data.since, data.until);
  }

  async function loadAnalytics(since, until) {
    const status = $("analytics-status");
    status.textContent = "分析中…";
    let report;
    try {
      report = await api("/supervisor/analytics?since=" + since + "&until=" + until);
    } catch (error) {
      status.textContent = "投诉分析失败：" + error.message;
      return;
    }
    if ($("since").value !== since || $("until").value !== until) return; // another period was asked meanwhile
    const top = report.clusters.slice(0, TOP_PROBLEMS);
    status.textContent = report.since + " 至 " + report.until + "：投诉 " + report.complaints + " 件，转人工 " + report.handoffs +
      " 次；" + (report.clusters.length ? "高频问题 " + report.clusters.length + " 个，图中为最多的 " + top.length + " 个。" : "没有反复出现的问题。");
    trendChart($("trend-chart"), report.weeks, top);
    $("clusters").replaceChildren(...report.clusters.map((c) => el("li", {},
      el("strong", {}, c.label), " · " + c.size + " 件（" + Math.round(c.share * 100) + "%）" + (c.stable ? "" : " · ⚠ 不稳定"),
      el("div", { class: "meta" }, "被投诉最多：" + c.businesses.map((b) => b.name + " " + b.count).join("、") + " · 主题：" + c.topic),
      el("details", {}, el("summary", {}, "示例"), el("ul", {}, c.examples.map((e) =>
        el("li", {}, e.ticket + " · " + e.date + " · " + e.business + "：" + e.excerpt)))))));
  }

  function daysBefore(day, days) {
    const moment = new Date(day + "T00:00:00Z");
    moment.setUTCDate(moment.getUTCDate() - days);
    return moment.toISOString().slice(0, 10);
  }

  $("period").addEventListener("submit", (event) => {
    event.preventDefault();
    loadFigures($("since").value, $("until").value);
  });
  document.querySelectorAll("#period button[data-days]").forEach((button) => button.addEventListener("click", () => {
    const until = $("until").value;
    if (!until) return;
    loadFigures(daysBefore(until, Number(button.dataset.days) - 1), until);
  }));

  (async function start() {
    try {
      const me = await api("/me");
      $("me").textContent = me.agent.display_name + (me.agent.role === "supervisor" ? "（主管）" : "");
      await refreshOverview();
    } catch (error) {
      refuse(error);
      return;
    }
    loadFigures();
    refuse.timer = setInterval(() => refreshOverview().catch((error) => { if (refusal(error)) refuse(error); }), REFRESH_MS);
  })();
})();
