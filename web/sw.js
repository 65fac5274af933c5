// The lab's service worker: keeps a copy of one build so the lab opens and works offline.
// This is a template: scripts/offline.mjs writes it into every build as sw.js with BUILD set
// to { hash, base, files }: a hash of the build's files and their URLs (Trunk's hashed page and
// worker files, the relaxed-SIMD worker, the pre-trained network, icons, manifest).
//
// - install: caches every file of the build under `flipflop-lab-<hash>` and takes over at
//   once (skipWaiting), so a new build replaces the old one on the next visit;
// - activate: deletes the caches of other builds, then controls the open pages;
// - fetch: network first (the freshest build, and `make dev` is never shadowed); the cache
//   only when the network fails. Navigations fall back to the cached index.html.
const BUILD = /*BUILD*/ null;
const PREFIX = 'flipflop-lab-';
const CACHE = PREFIX + BUILD.hash;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `no-cache`: fetch from the server, never from an older HTTP-cached copy.
      await cache.addAll(BUILD.files.map((url) => new Request(url, { cache: 'no-cache' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(networkFirst(request));
});

async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    const cache = await caches.open(CACHE);
    const hit =
      (await cache.match(request, { ignoreSearch: true })) ??
      (request.mode === 'navigate' ? await cache.match(BUILD.base + 'index.html') : undefined);
    if (hit) return hit;
    throw offline;
  }
}
