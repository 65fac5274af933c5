// Registers the lab's offline copy (sw.js, which scripts/offline.mjs writes into each build)
// once the first screen is complete: after the page has loaded and the first network is
// drawn in the cube (its data-step is set; at most 20 s), then a short pause. Caching the
// build downloads it a second time (the server may forbid reuse of the first copy), so it
// must never compete with the first screen.
// The worker answers from the network whenever it can and from its cache only when the
// network fails, so a development server (`make dev`) is never shadowed by an older build.
if ('serviceWorker' in navigator) {
  const register = () =>
    navigator.serviceWorker.register('/sw.js').catch((e) => {
      // Not an error of the lab: it works on, just not offline (e.g. a plain-http address
      // other than localhost, or storage disabled).
      console.warn(`Flip-Flop Lab will not work offline: ${e.message}`);
    });
  const firstScreen = () =>
    new Promise((done) => {
      const cube = document.getElementById('cube');
      if (!cube || cube.dataset.step) return done();
      const watch = new MutationObserver(() => cube.dataset.step && done());
      watch.observe(cube, { attributes: true, attributeFilter: ['data-step'] });
      setTimeout(done, 20_000);
    });
  addEventListener('load', () => firstScreen().then(() => setTimeout(register, 3_000)));
}
