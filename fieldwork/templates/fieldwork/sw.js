// The service worker of 安监 (fieldwork/views.py serves it at /sw.js, scope "/").
// Pages and files are fetched from the network first; without signal, what 离线准备 cached
// (the offline page and its scripts and styles) is answered from the cache. The API is never
// cached: records wait in IndexedDB (static/js/offline.js) until they are sent.
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
