// Field work without signal (离线检查, fieldwork/): the queue of records kept on the phone and
// their sync, shared by the offline page (static/js/offline.js) and the service worker
// (/sw.js, which sends them in the background: the Background Sync API's "sync" event).
// Records wait in IndexedDB, each with the id made on the phone (client_id); the server stores
// each client_id once, so a record sent by the page and the worker at once is still stored once
// (and the Web Locks API, where there is one, keeps them from sending together). What the
// server refuses stays as a conflict until the user resubmits or discards it; what could not be
// sent (no connection, the server away, the login lost) stays pending, to be sent later.
(() => {
  "use strict";

  const NAME = "anjian-offline";
  const VERSION = 2;
  const URLS = {
    inspection: () => "/api/v1/offline/inspections",
    hazard: () => "/api/v1/offline/hazards",
    self_check: () => "/api/v1/offline/self-checks",
    step: (record) => `/api/v1/offline/hazards/${record.hazard_id}/steps`,
  };
  // The tag of the background sync the page registers and the worker answers.
  const TAG = "anjian-offline-sync";
  // django's answer to a session request without a valid CSRF token (core/views.py).
  const CSRF_REFUSED = "请求未通过 CSRF 校验";

  // --- IndexedDB --------------------------------------------------------------------------------
  let opened = null;
  function db() {
    opened = opened || new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = (event) => {
        const base = request.result;
        if (event.oldVersion < 1) {
          base.createObjectStore("bundles", { keyPath: "key" });
          base.createObjectStore("records", { keyPath: "client_id" });
          base.createObjectStore("synced", { keyPath: "client_id" });
        }
        // The CSRF token the worker sends with (the page keeps it there) and how the last
        // sync went.
        if (event.oldVersion < 2) base.createObjectStore("meta", { keyPath: "key" });
      };
      // Another tab or the worker opens a newer version: let it.
      request.onsuccess = () => {
        request.result.onversionchange = () => { request.result.close(); opened = null; };
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
    });
    return opened;
  }
  async function run(store, mode, action) {
    const base = await db();
    return new Promise((resolve, reject) => {
      const transaction = base.transaction(store, mode);
      const request = action(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
  const put = (store, value) => run(store, "readwrite", (s) => s.put(value));
  const remove = (store, key) => run(store, "readwrite", (s) => s.delete(key));
  const all = (store) => run(store, "readonly", (s) => s.getAll());
  const get = (store, key) => run(store, "readonly", (s) => s.get(key));

  // --- sending -----------------------------------------------------------------------------------
  async function send(record) {
    const token = (await get("meta", "csrf")) || {};
    const headers = { "X-CSRFToken": token.value || "", Accept: "application/json" };
    let body;
    if (record.kind === "self_check") {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(record.body);
    } else {
      body = new FormData();
      body.append("record", JSON.stringify(record.body));
      for (const file of record.files) body.append("photos", file.blob, file.name);
    }
    const response = await fetch(URLS[record.kind](record), { method: "POST", body, headers, credentials: "same-origin" });
    const data = await response.json().catch(() => ({}));
    return { status: response.status, data };
  }

  function reason(data) {
    const parts = [data.detail || "服务器拒绝了这条记录"];
    const errors = data.errors;
    if (Array.isArray(errors)) parts.push(...errors.map((e) => `${e.field}：${e.message}`));
    else if (errors && typeof errors === "object") parts.push(...Object.values(errors).flat());
    return parts.join("；");
  }

  // Why a record could not be sent now and is to be sent again later; null: the server has
  // answered about the record itself.
  function notNow(result) {
    if (result.status === 401) return "登录已过期，请重新登录";
    if (result.status === 403 && String(result.data.detail || "").startsWith(CSRF_REFUSED)) {
      return "登录状态已变化，请打开本页";
    }
    if (result.status === 429 || result.status >= 500) return `服务器暂时不可用（${result.status}）`;
    return null;
  }

  async function hazardNow(id) {
    try {
      const response = await fetch(`/api/v1/offline/hazards/${id}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      return response.ok ? await response.json() : null;
    } catch (error) {
      return null;
    }
  }

  // A step taken: the hazard as it is now replaces the one prepared.
  async function refreshHazard(hazard) {
    if (!hazard) return;
    for (const bundle of await all("bundles")) {
      const found = (bundle.open_hazards || []).findIndex((h) => h.id === hazard.id);
      if (found < 0) continue;
      bundle.open_hazards[found] = hazard;
      await put("bundles", bundle);
    }
  }

  // Send every pending record, the oldest first, and say how it went: {sent, failure (why the
  // rest waits, or null), pending (records still waiting, conflicts aside)}.
  async function sendAll(online) {
    let sent = 0;
    let failure = null;
    const records = (await all("records")).sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const record of records) {
      if (record.state === "conflict") continue;
      if (!online) { failure = "离线"; break; }
      let result;
      try {
        result = await send(record);
      } catch (error) {
        failure = "无法连接服务器";
        break; // no connection: everything stays as it is
      }
      const later = notNow(result);
      if (result.status === 200 || result.status === 201) {
        await remove("records", record.client_id);
        await put("synced", { client_id: record.client_id, title: record.title, url: result.data.url,
          detail: result.data.detail, at: new Date().toISOString() });
        if (record.kind === "step") await refreshHazard(result.data.hazard);
        sent += 1;
      } else if (later) {
        failure = later;
        record.detail = `${later}，稍后自动重试`;
        await put("records", record);
        break;
      } else {
        record.state = "conflict";
        record.detail = reason(result.data);
        if (record.kind === "step") {
          // The hazard as it is now, shown beside what was recorded offline.
          record.current = await hazardNow(record.hazard_id);
          await refreshHazard(record.current);
        }
        await put("records", record);
      }
    }
    const pending = (await all("records")).filter((r) => r.state !== "conflict").length;
    const outcome = { key: "sync", sent, failure: pending ? failure : null, pending, at: new Date().toISOString() };
    await put("meta", outcome);
    return outcome;
  }

  // One sync at a time, across the page and the worker where the browser has Web Locks.
  function syncRecords(online) {
    const locks = self.navigator && self.navigator.locks;
    if (locks) return locks.request(TAG, () => sendAll(online));
    return sendAll(online);
  }

  self.anjianSync = { TAG, db, put, remove, all, get, send, reason, syncRecords };
})();
