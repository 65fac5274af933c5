// Registers the lab's offline copy (sw.js, which scripts/offline.mjs writes into each build)
// after the page has loaded, so caching the build never competes with the first screen.
// The worker answers from the network whenever it can and from its cache only when the
// network fails, so a development server (`make dev`) is never shadowed by an older build.
if ('serviceWorker' in navigator) {
  addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((e) => {
      // Not an error of the lab: it works on, just not offline (e.g. a plain-http address
      // other than localhost, or storage disabled).
      console.warn(`Flip-Flop Lab will not work offline: ${e.message}`);
    });
  });
}
