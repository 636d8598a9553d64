{% load static %}// The service worker of 安监 (fieldwork/views.py serves it at /sw.js, scope "/").
// Pages and files are fetched from the network first; without signal, what 离线准备 cached
// (the offline page and its scripts and styles) is answered from the cache. The API is never
// cached: records wait in IndexedDB (static/js/offline-sync.js) until they are sent, by the
// page while it is open, or by this worker in the background when the browser has the
// Background Sync API (the page registers a "sync"; the browser fires it when the connection
// is back, even with the page closed, and again later if it fails).
importScripts("{% static 'js/offline-sync.js' %}");
const CACHE = "anjian-offline-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  event.respondWith(
    fetch(request).catch(async () => {
      const cache = await caches.open(CACHE);
      const found = await cache.match(request, { ignoreSearch: true });
      return found || Response.error();
    })
  );
});

async function syncInBackground() {
  const outcome = await self.anjianSync.syncRecords(true);
  // Open offline pages show what was sent.
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ type: "anjian-synced", outcome });
  }
  // Failed: the browser tries again later.
  if (outcome.failure) throw new Error(outcome.failure);
}

self.addEventListener("sync", (event) => {
  if (event.tag === self.anjianSync.TAG) event.waitUntil(syncInBackground());
});
