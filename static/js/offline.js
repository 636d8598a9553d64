// Field work without signal (离线检查, fieldwork/): the offline page's script.
// 离线准备 keeps an enterprise's forms (its checklist, its self-inspection items, the hazard
// sources) and the open hazards the user may take a step on in IndexedDB, and the page's files
// in the service worker's cache. Records filled offline, photos included, wait in IndexedDB,
// each with the id made here (client_id); they are sent (static/js/offline-sync.js) when the
// connection returns, again and again with a growing pause while the page is open and the
// server cannot be reached, and by the service worker in the background where the browser has
// Background Sync. A record the server refuses (the checklist or the hazard changed, a field at
// fault) stays as a conflict until the user resubmits or discards it: nothing is dropped on its
// own.
(() => {
  "use strict";
  const app = document.getElementById("offline-app");
  if (!app || !self.anjianSync) return;

  const CACHE = app.dataset.cache;
  const ASSETS = app.dataset.assets.split(" ").filter(Boolean);
  const { TAG, put, remove, all, get, send, syncRecords } = self.anjianSync;
  // The pause before the next try while records wait and the server cannot be reached: from
  // the first to the longest, doubling.
  const RETRY_FIRST_MS = 3000;
  const RETRY_LONGEST_MS = 5 * 60 * 1000;
  const status = document.getElementById("offline-status");
  const formArea = document.getElementById("record-form");

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }

  // --- DOM helpers -------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key === "text") node.textContent = value;
      else if (key === "on") for (const [name, fn] of Object.entries(value)) node.addEventListener(name, fn);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) if (child) node.append(child);
    return node;
  }
  const today = () => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };
  const when = (iso) => new Date(iso).toLocaleString("zh-CN", { hour12: false });
  function csrf() {
    const found = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
  }
  function field(label, control, help) {
    return el("div", { class: "mb-2" }, el("label", { class: "form-label small", for: control.id, text: label }), control,
      help ? el("div", { class: "form-text", text: help }) : null);
  }
  function input(id, attrs) {
    return el("input", { class: "form-control form-control-sm", id, name: id, ...attrs });
  }
  function select(id, options, chosen) {
    return el("select", { class: "form-select form-select-sm", id, name: id },
      options.map((o) => el("option", { value: o.value, selected: o.value === chosen, text: o.label })));
  }
  function radios(name, options) {
    return el("div", { class: "btn-group btn-group-sm flex-wrap", role: "group" }, options.map((o) => [
      el("input", { type: "radio", class: "btn-check", name, id: `${name}_${o.value}`, value: o.value, autocomplete: "off" }),
      el("label", { class: "btn btn-outline-secondary", for: `${name}_${o.value}`, text: o.label }),
    ]));
  }
  const chosen = (name) => (formArea.querySelector(`input[name="${name}"]:checked`) || {}).value || "";
  const value = (id) => document.getElementById(id).value.trim();
  const photosOf = (id) => Array.from(document.getElementById(id).files || [], (f) => ({ blob: f, name: f.name }));

  // --- status ------------------------------------------------------------------------------------
  async function showStatus() {
    const records = await all("records");
    const conflicts = records.filter((r) => r.state === "conflict").length;
    const pending = records.length - conflicts;
    const parts = [];
    if (!navigator.onLine) parts.push("离线");
    if (pending) parts.push(`待同步 ${pending} 条`);
    // How the last try went (by this page or by the worker), while records still wait.
    const last = (await get("meta", "sync")) || {};
    const failed = navigator.onLine && pending && last.failure && last.failure !== "离线";
    if (failed) parts.push(`同步失败（${last.failure}）`);
    if (conflicts) parts.push(`冲突 ${conflicts} 条待处理`);
    if (navigator.onLine && !pending && !conflicts) parts.push("已同步");
    status.textContent = parts.join(" · ");
    const tone = conflicts || failed ? "danger" : !navigator.onLine ? "secondary" : pending ? "warning" : "success";
    status.className = `badge text-bg-${tone}`;
  }

  // --- prepare -----------------------------------------------------------------------------------
  async function prepare() {
    const chooser = document.getElementById("prepare-enterprise");
    const result = document.getElementById("prepare-result");
    if (!chooser.value) return;
    result.textContent = "正在准备…";
    let bundle;
    try {
      const response = await fetch(`/api/v1/offline/enterprises/${chooser.value}`, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      bundle = await response.json().catch(() => ({}));
      if (!response.ok) {
        result.textContent = bundle.detail || `准备失败（${response.status}）`;
        return;
      }
    } catch (error) {
      result.textContent = "无法连接服务器，请在有网络时进行离线准备";
      return;
    }
    await put("bundles", { key: String(bundle.enterprise.id), ...bundle });
    let cached = true;
    try {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
    } catch (error) {
      cached = false;
    }
    const count = bundle.inspection ? bundle.inspection.sections.reduce((n, s) => n + s.items.length, 0) : 0;
    const open = (bundle.open_hazards || []).length;
    result.textContent = `已准备：${bundle.enterprise.name}` + (bundle.inspection ? `（检查清单 ${count} 项）` : "") +
      (open ? `；可办理的隐患 ${open} 条` : "") +
      (cached ? "" : "；本页未能缓存，离线时请勿关闭本页");
    await renderPrepared();
  }

  async function renderPrepared() {
    const list = document.getElementById("prepared");
    const bundles = await all("bundles");
    list.replaceChildren();
    if (!bundles.length) list.append(el("div", { class: "list-group-item text-muted small", text: "尚未准备任何企业" }));
    for (const bundle of bundles) {
      const open = (kind) => () => showForm(kind, bundle.key);
      list.append(el("div", { class: "list-group-item d-flex flex-wrap align-items-center gap-2", "data-enterprise": bundle.key },
        el("span", { class: "me-auto" }, el("strong", { text: bundle.enterprise.name }),
          el("span", { class: "small text-muted ms-2", text: `准备于 ${when(bundle.prepared_at)}` })),
        bundle.inspection ? el("button", { type: "button", class: "btn btn-sm btn-primary", "data-open": "inspection", text: "执法检查", on: { click: open("inspection") } }) : null,
        bundle.self_check ? el("button", { type: "button", class: "btn btn-sm btn-primary", "data-open": "self_check", text: "企业自查", on: { click: open("self_check") } }) : null,
        bundle.hazard ? el("button", { type: "button", class: "btn btn-sm btn-outline-primary", "data-open": "hazard", text: "上报隐患", on: { click: open("hazard") } }) : null,
        (bundle.open_hazards || []).length ? el("button", { type: "button", class: "btn btn-sm btn-outline-primary", "data-open": "hazards",
          text: `隐患整改与复查（${bundle.open_hazards.length}）`, on: { click: () => showHazards(bundle.key) } }) : null,
        el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", text: "移除", on: { click: async () => { await remove("bundles", bundle.key); renderPrepared(); } } }),
      ));
    }
  }

  // --- forms -------------------------------------------------------------------------------------
  const RESULTS = [
    { value: "compliant", label: "符合" },
    { value: "not_compliant", label: "不符合" },
    { value: "not_applicable", label: "不适用" },
  ];

  async function showForm(kind, key) {
    const bundle = await get("bundles", key);
    const enterprise = bundle.enterprise;
    const error = el("div", { class: "alert alert-danger d-none", id: "form-error", role: "alert" });
    const body = [];
    let collect;
    if (kind === "inspection") {
      const form = bundle.inspection;
      body.push(
        field("检查方式", select("kind", form.kinds, form.kinds[0].value)),
        field("检查日期", input("inspected_on", { type: "date", value: today() })),
        field("检查场所", input("place", { maxlength: 200 })),
        el("fieldset", { class: "mb-2" }, el("legend", { class: "form-label small", text: "执法人员（不少于 2 名）" }),
          form.inspectors.map((i) => el("div", { class: "form-check form-check-inline" },
            el("input", { class: "form-check-input", type: "checkbox", name: "inspector", id: `inspector-${i.id}`, value: i.id, checked: i.me }),
            el("label", { class: "form-check-label", for: `inspector-${i.id}`, text: i.name })))),
        el("button", { type: "button", class: "btn btn-sm btn-outline-secondary mb-2", id: "all-compliant", text: "未作答的条目全部填为符合",
          on: { click: () => formArea.querySelectorAll('input[value="compliant"]').forEach((r) => { if (!chosen(r.name)) r.checked = true; }) } }),
      );
      for (const section of form.sections) {
        body.push(el("h3", { class: "h6 mt-3", text: section.name }));
        for (const item of section.items) {
          body.push(el("div", { class: "border rounded p-2 mb-2", "data-item": item.id },
            el("div", { class: "small" }, `${item.index}. ${item.text}`, item.major ? el("span", { class: "badge text-bg-danger ms-1", text: "重大隐患判定" }) : null),
            el("div", { class: "small text-muted mb-1", text: `依据：${item.legal_basis}` }),
            radios(`r${item.id}`, RESULTS),
            input(`note-${item.id}`, { maxlength: 500, placeholder: "情况说明（不符合时必填）", class: "form-control form-control-sm mt-1" }),
            el("input", { type: "file", class: "form-control form-control-sm mt-1", id: `photo-${item.id}`, accept: "image/*", multiple: true, "aria-label": "照片" }),
          ));
        }
      }
      collect = () => {
        const answers = [];
        const files = [];
        for (const section of form.sections) {
          for (const item of section.items) {
            const result = chosen(`r${item.id}`);
            const note = value(`note-${item.id}`);
            const photos = photosOf(`photo-${item.id}`);
            if (!result) {
              if (photos.length || note) throw new Error(`第 ${item.index} 项：请先选择检查结果`);
              continue;
            }
            if (result === "not_compliant" && !note) throw new Error(`第 ${item.index} 项不符合，请写明具体问题`);
            answers.push({ item_id: item.id, result, note, photos: photos.length });
            files.push(...photos);
          }
        }
        const inspectors = Array.from(formArea.querySelectorAll('input[name="inspector"]:checked'), (c) => Number(c.value));
        return {
          title: `执法检查 · ${enterprise.name}（已答 ${answers.length} 项）`,
          body: { enterprise_id: enterprise.id, version: form.version, kind: value("kind"), inspected_on: value("inspected_on"),
            inspector_ids: inspectors, place: value("place"), answers, accept_changes: false },
          files,
        };
      };
    } else if (kind === "hazard") {
      const form = bundle.hazard;
      body.push(
        field("来源", select("source", form.sources, form.sources[0] && form.sources[0].value)),
        field("隐患描述", el("textarea", { class: "form-control form-control-sm", id: "description", rows: 3, maxlength: 2000 })),
        field("部位/场所", input("hazard-place", { maxlength: 100 })),
        field("发现日期", input("found_on", { type: "date", value: today() })),
        field("照片", el("input", { type: "file", class: "form-control form-control-sm", id: "hazard-photos", accept: "image/*", multiple: true })),
      );
      collect = () => {
        const description = value("description");
        if (!description) throw new Error("请填写隐患描述");
        return {
          title: `上报隐患 · ${enterprise.name}：${description.slice(0, 20)}`,
          body: { enterprise_id: enterprise.id, source: value("source"), description, place: value("hazard-place"), found_on: value("found_on") },
          files: photosOf("hazard-photos"),
        };
      };
    } else {
      const form = bundle.self_check;
      body.push(
        field("检查日期", input("checked_on", { type: "date", value: today() })),
        field("带队人", input("led_by", { maxlength: 40 })),
        el("div", { class: "form-check mb-2" }, el("input", { class: "form-check-input", type: "checkbox", id: "led_by_principal" }),
          el("label", { class: "form-check-label", for: "led_by_principal", text: "主要负责人带队" })),
      );
      for (const criterion of form.criteria) {
        body.push(el("div", { class: "border rounded p-2 mb-2", "data-criterion": criterion.id },
          el("div", { class: "small", text: `${criterion.label}：${criterion.text}` }),
          radios(`c${criterion.id}`, form.answers),
          input(`cnote-${criterion.id}`, { maxlength: 200, placeholder: "说明（存在隐患时必填）", class: "form-control form-control-sm mt-1" })));
      }
      body.push(field("备注", el("textarea", { class: "form-control form-control-sm", id: "self-note", rows: 2 })));
      collect = () => {
        if (!value("led_by")) throw new Error("请填写带队人");
        const answers = form.criteria.map((c) => {
          const answer = chosen(`c${c.id}`);
          if (!answer) throw new Error(`${c.label}尚未作答`);
          const note = value(`cnote-${c.id}`);
          if (answer === "hazard" && !note) throw new Error(`${c.label}存在隐患，请描述具体情况`);
          return { criterion_id: c.id, answer, note };
        });
        return {
          title: `企业自查 · ${enterprise.name}`,
          body: { enterprise_id: enterprise.id, version: form.version, checked_on: value("checked_on"), led_by: value("led_by"),
            led_by_principal: document.getElementById("led_by_principal").checked, note: value("self-note"), answers, accept_changes: false },
          files: [],
        };
      };
    }
    const heading = { inspection: "执法检查", hazard: "上报隐患", self_check: "企业自查" }[kind];
    const save = async () => {
      let made;
      try {
        made = collect();
      } catch (problem) {
        refuse(error, problem.message);
        return;
      }
      await keep(kind, made);
    };
    showCard(`${heading}：${enterprise.name}`, error, body, save);
  }

  function showCard(heading, error, body, save) {
    formArea.replaceChildren(el("div", { class: "card" }, el("div", { class: "card-body" },
      el("h2", { class: "h6", text: heading }), error, ...body,
      el("div", { class: "d-flex gap-2 mt-3" },
        el("button", { type: "button", class: "btn btn-primary", id: "save-record", text: "保存到本机并同步", on: { click: save } }),
        el("button", { type: "button", class: "btn btn-outline-secondary", text: "取消", on: { click: () => formArea.replaceChildren() } })))));
    formArea.scrollIntoView({ block: "start" });
  }

  function refuse(error, message) {
    error.textContent = message;
    error.classList.remove("d-none");
    error.scrollIntoView({ block: "center" });
  }

  // A record made: into the queue, and on its way if there is a connection.
  async function keep(kind, made) {
    const client_id = crypto.randomUUID();
    await put("records", { client_id, kind, title: made.title, created_at: new Date().toISOString(), state: "pending",
      detail: "", body: { client_id, ...made.body }, files: made.files, ...(made.extra || {}) });
    formArea.replaceChildren(el("div", { class: "alert alert-info", id: "saved-note", role: "status",
      text: navigator.onLine ? "已保存到本机，正在同步…" : "已保存到本机，恢复网络后自动同步" }));
    await render();
    syncSoon();
  }

  // --- steps on an existing hazard ---------------------------------------------------------------
  const NOTES = {
    start: ["说明", false],
    submit: ["整改情况说明（必填）", true],
    close: ["复查意见", false],
    return: ["退回理由（必填）", true],
  };

  async function showHazards(key) {
    const bundle = await get("bundles", key);
    const waiting = new Set((await all("records")).filter((r) => r.kind === "step").map((r) => r.hazard_id));
    const rows = (bundle.open_hazards || []).map((hazard) => el("div", { class: "border rounded p-2 mb-2", "data-hazard": hazard.id },
      el("div", { class: "small" }, hazard.is_major ? el("span", { class: "badge text-bg-danger me-1", text: "重大" }) : null,
        hazard.description),
      el("div", { class: "small text-muted", text: `${hazard.state_label}` + (hazard.place ? ` · ${hazard.place}` : "") +
        (hazard.deadline ? ` · 整改期限 ${hazard.deadline}` : "") }),
      hazard.evidence ? el("div", { class: "small text-muted", text: `整改情况：${hazard.evidence}` }) : null,
      waiting.has(hazard.id)
        ? el("div", { class: "small text-warning-emphasis mt-1", text: "已有离线办理的步骤待同步或待处理" })
        : hazard.steps.length
          ? el("div", { class: "d-flex flex-wrap gap-2 mt-1" }, hazard.steps.map((step) => el("button", {
            type: "button", class: "btn btn-sm btn-outline-primary", "data-step": step.value, text: step.label,
            on: { click: () => showStep(key, hazard.id, step.value) } })))
          : el("div", { class: "small text-muted mt-1", text: "现在没有可由您办理的步骤" })));
    formArea.replaceChildren(el("div", { class: "card" }, el("div", { class: "card-body" },
      el("h2", { class: "h6", text: `隐患整改与复查：${bundle.enterprise.name}` }),
      el("p", { class: "small text-muted", text: "离线办理的步骤在同步时按隐患的正常流程办理；其间隐患已有新的办理的，列为冲突。" }),
      rows.length ? rows : el("div", { class: "small text-muted", text: "没有可办理的隐患" }),
      el("button", { type: "button", class: "btn btn-outline-secondary btn-sm", text: "关闭", on: { click: () => formArea.replaceChildren() } }))));
    formArea.scrollIntoView({ block: "start" });
  }

  async function showStep(key, hazardId, action) {
    const bundle = await get("bundles", key);
    const hazard = bundle.open_hazards.find((h) => h.id === hazardId);
    const step = hazard.steps.find((s) => s.value === action);
    const [noteLabel, required] = NOTES[action];
    const error = el("div", { class: "alert alert-danger d-none", id: "form-error", role: "alert" });
    const body = [
      el("p", { class: "small" }, `${hazard.description}（${hazard.state_label}）`),
      field(noteLabel, el("textarea", { class: "form-control form-control-sm", id: "step-note", rows: 3, maxlength: 2000 })),
      step.photos ? field("照片", el("input", { type: "file", class: "form-control form-control-sm", id: "step-photos", accept: "image/*", multiple: true })) : null,
    ];
    const save = async () => {
      const note = value("step-note");
      if (required && !note) return refuse(error, `请填写${noteLabel.replace("（必填）", "")}`);
      const files = step.photos ? photosOf("step-photos") : [];
      await keep("step", {
        title: `${step.label} · ${bundle.enterprise.name}：${hazard.description.slice(0, 20)}`,
        body: { version: hazard.version, action, note, photos: files.length, accept_changes: false },
        files,
        extra: { hazard_id: hazard.id, was: { state_label: hazard.state_label, step: step.label, note } },
      });
    };
    showCard(`${step.label}：${bundle.enterprise.name}`, error, body, save);
  }

  // --- the lists ---------------------------------------------------------------------------------
  async function renderRecords() {
    const list = document.getElementById("pending");
    const records = (await all("records")).sort((a, b) => a.created_at.localeCompare(b.created_at));
    list.replaceChildren();
    if (!records.length) list.append(el("div", { class: "list-group-item text-muted small", text: "没有待同步的记录" }));
    for (const record of records) {
      const conflict = record.state === "conflict";
      list.append(el("div", { class: "list-group-item", "data-record": record.client_id, "data-state": record.state },
        el("div", { class: "d-flex flex-wrap gap-2 align-items-center" },
          el("span", { class: `badge text-bg-${conflict ? "danger" : "warning"}`, text: conflict ? "冲突" : "待同步" }),
          el("span", { class: "me-auto", text: record.title }),
          el("span", { class: "small text-muted", text: `${when(record.created_at)} · 照片 ${record.files.length} 张` })),
        record.detail ? el("div", { class: `small mt-1 ${conflict ? "text-danger" : "text-muted"}`, text: record.detail }) : null,
        record.was ? el("div", { class: "small mt-1", "data-was": "" },
          `离线记录：${record.was.step}（当时隐患为“${record.was.state_label}”）` + (record.was.note ? `，说明：${record.was.note}` : "")) : null,
        conflict && record.current ? el("div", { class: "small mt-1", "data-now": "" },
          `隐患现状：${record.current.state_label}` + (record.current.steps.length
            ? `，您可办理：${record.current.steps.map((s) => s.label).join("、")}` : "，现在没有可由您办理的步骤"),
          " ", el("a", { href: record.current.url, text: "查看隐患" })) : null,
        conflict ? el("div", { class: "d-flex gap-2 mt-2" },
          el("button", { type: "button", class: "btn btn-sm btn-primary", "data-resubmit": "", text: "重新提交", on: { click: () => resubmit(record.client_id) } }),
          el("button", { type: "button", class: "btn btn-sm btn-outline-danger", "data-discard": "", text: "放弃", on: { click: () => discard(record.client_id) } })) : null));
    }
    const done = document.getElementById("synced");
    const synced = (await all("synced")).sort((a, b) => b.at.localeCompare(a.at)).slice(0, 20);
    done.replaceChildren();
    if (!synced.length) done.append(el("div", { class: "list-group-item text-muted small", text: "暂无" }));
    for (const row of synced) {
      done.append(el("a", { class: "list-group-item list-group-item-action", href: row.url, "data-synced": row.client_id },
        el("span", { text: row.title }), el("span", { class: "small text-muted ms-2", text: `${when(row.at)} · ${row.detail}` })));
    }
  }

  async function render() {
    await Promise.all([renderRecords(), showStatus()]);
  }

  async function resubmit(clientId) {
    const record = await get("records", clientId);
    if (!record) return;
    record.state = "pending";
    record.detail = "";
    if ("accept_changes" in record.body) record.body.accept_changes = true;
    await put("records", record);
    await render();
    syncSoon();
  }

  async function discard(clientId) {
    if (!window.confirm("确定要放弃这条记录吗？放弃后无法恢复。")) return;
    await remove("records", clientId);
    await render();
  }

  // --- sync --------------------------------------------------------------------------------------
  // The worker sends in the background with the CSRF token the page last saw.
  const keepToken = () => put("meta", { key: "csrf", value: csrf() });

  // Ask the worker to send the queue when the connection is back, even if this page is closed.
  async function syncInBackground() {
    if (!("serviceWorker" in navigator)) return;
    try {
      const registration = await navigator.serviceWorker.ready;
      if (registration.sync) await registration.sync.register(TAG);
    } catch (error) {
      // Not allowed or not there: the page's own retries remain.
    }
  }

  let syncing = null;
  let retryTimer = null;
  let retryPause = RETRY_FIRST_MS;
  function syncAll() {
    syncing = syncing || syncRecords(navigator.onLine).then(afterSync).finally(() => { syncing = null; });
    return syncing;
  }
  function syncSoon() {
    retryPause = RETRY_FIRST_MS;
    syncInBackground();
    return syncAll();
  }
  async function afterSync(outcome) {
    await render();
    if (outcome.sent) await renderPrepared();
    clearTimeout(retryTimer);
    retryTimer = null;
    if (!outcome.pending) { retryPause = RETRY_FIRST_MS; return; }
    if (!navigator.onLine) return; // the "online" event starts again
    // Records wait and the server could not be reached: again, later and later.
    retryTimer = setTimeout(syncAll, retryPause);
    retryPause = Math.min(retryPause * 2, RETRY_LONGEST_MS);
  }

  document.getElementById("prepare").addEventListener("click", prepare);
  document.getElementById("sync-now").addEventListener("click", () => syncSoon());
  window.addEventListener("online", () => { showStatus(); syncSoon(); });
  window.addEventListener("offline", showStatus);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") syncAll(); });
  if ("serviceWorker" in navigator) {
    // The worker has sent records in the background.
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (!event.data || event.data.type !== "anjian-synced") return;
      render();
      if (event.data.outcome && event.data.outcome.sent) renderPrepared();
    });
  }
  // The browser tests reach the queue through this (a resend of a record already synced).
  window.anjianOffline = { records: () => all("records"), send, sync: syncAll };
  renderPrepared();
  keepToken().then(render).then(() => syncSoon());
})();
