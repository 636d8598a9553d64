/* The duty room's large screen (targets/templates/targets/screen.html): the clock ticks every
   second; every data-refresh seconds the figures are fetched again from data-url (JSON, the
   same scope as the page) and the numbers, lights and lists are rewritten (text only, never
   HTML); a failed fetch is shown and tried again next time. Every half hour the page reloads,
   which redraws the charts. Nothing runs inline (CSP). */
(function () {
  "use strict";

  var body = document.body;
  var url = body.dataset.url;
  var refresh = Math.max(15, parseInt(body.dataset.refresh, 10) || 60) * 1000;
  var RELOAD = 30 * 60 * 1000;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var d = new Date();
    var clock = document.getElementById("clock");
    if (clock) {
      clock.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
        " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setText(id, text) {
    var node = document.getElementById(id);
    if (node) node.textContent = text;
  }

  function shown(value, unit) { return value === null || value === undefined ? "—" : value + unit; }

  function item(when, what, tag, className) {
    var li = el("li", className || "");
    li.appendChild(el("span", "when", when));
    li.appendChild(el("span", "what", what));
    li.appendChild(el("span", "tag", tag));
    return li;
  }

  function fill(list, items, empty) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (li) { list.appendChild(li); });
    if (!items.length) list.appendChild(el("li", "empty", empty));
  }

  function render(d) {
    setText("computed", d.computed.at ? d.computed.at + "（用时 " + d.computed.ms + " 毫秒）" : "尚未计算");
    d.measures.forEach(function (m) {
      var li = document.querySelector('#measures li[data-key="' + m.key + '"]');
      if (!li) return;
      li.querySelector(".dot").className = "dot light-" + m.light;
      li.querySelector(".dot").title = m.light_label;
      li.querySelector(".m-value").textContent = shown(m.value, m.unit);
      li.querySelector(".m-goal").textContent = "目标 " + (m.goal === null ? "无" : m.goal + m.unit);
    });
    d.children.forEach(function (c) {
      var row = document.querySelector('#towns tr[data-id="' + c.id + '"]');
      if (!row) return;
      row.querySelectorAll("td .dot").forEach(function (dot, i) {
        if (i < c.lights.length) dot.className = "dot light-" + c.lights[i];
      });
    });
    setText("alarm-count", d.alarms.count);
    setText("alarm-open", d.alarms.open);
    var alarms = document.getElementById("alarms");
    if (alarms) {
      fill(alarms, d.alarms.items.map(function (a) {
        return item(a.raised_at, a.enterprise + " · " + a.point + " · " + a.condition, a.state_label, "alarm state-" + a.state);
      }), "当前没有未关闭的报警");
    }
    var o = d.overdue;
    setText("overdue-hazards", o.hazards.count);
    setText("overdue-majors", o.hazards.majors);
    setText("overdue-remote", o.remote.count);
    setText("overdue-self-checks", o.self_checks.count);
    var overdue = document.getElementById("overdue");
    if (overdue) {
      var rows = o.hazards.items.map(function (h) {
        return item(h.due || "清零期限", (h.major ? "【重大】" : "") + h.enterprise + " · " + h.text, "隐患");
      }).concat(o.remote.items.map(function (r) {
        return item(r.due, r.enterprise + " · 非现场执法未按期说明", "执法");
      })).concat(o.self_checks.items.map(function (t) {
        return item(t.due, t.enterprise + " · " + t.campaign, "自查");
      }));
      fill(overdue, rows, "今日没有逾期事项");
    }
  }

  function load() {
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (d) {
        render(d);
        body.classList.remove("stale");
        var now = new Date();
        setText("status", "已于 " + pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds()) + " 刷新");
      })
      .catch(function () {
        body.classList.add("stale");
        setText("status", "数据刷新失败，稍后自动重试");
      });
  }

  tick();
  setInterval(tick, 1000);
  if (url) setInterval(load, refresh);
  setTimeout(function () { window.location.reload(); }, RELOAD);
})();
