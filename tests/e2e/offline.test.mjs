// Installable and offline (web/manifest.webmanifest, web/icons/, web/sw.js written into each
// build by scripts/offline.mjs): Chromium finds the lab installable; after the first visit
// the service worker holds the build and the lab boots with the network shown while offline;
// a new build (another cache name) replaces the old cache.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIST, sharedServerAndBrowser, openPretrained, openPage, serve, screenshot } from './harness.mjs';
import { describeBuild, writeServiceWorker } from '../../scripts/offline.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Waits until a service worker controls the page; returns the lab's cache names. */
const controlled = (page) =>
  page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
    return (await caches.keys()).filter((k) => k.startsWith('flipflop-lab-'));
  });

/** Width and height of a PNG file (from its IHDR chunk). */
function pngSize(file) {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(1, 4).toString(), 'PNG', `${file} is a PNG`);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

test('the build hash covers every file of the build and nothing derived from it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flipflop-sw-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(dir, 'assets', 'a.net'), 'one');
  const first = describeBuild(dir);
  assert.deepEqual(first.files, ['/assets/a.net', '/index.html']);
  // Compressed copies and the service worker itself neither count nor change the hash.
  fs.writeFileSync(path.join(dir, 'index.html.br'), 'x');
  fs.writeFileSync(path.join(dir, 'sw.js'), 'x');
  assert.deepEqual(describeBuild(dir), first);
  // One changed byte or one renamed file is another build.
  fs.writeFileSync(path.join(dir, 'assets', 'a.net'), 'onE');
  assert.notEqual(describeBuild(dir).hash, first.hash);
  fs.renameSync(path.join(dir, 'assets', 'a.net'), path.join(dir, 'assets', 'b.net'));
  assert.notEqual(describeBuild(dir).hash, first.hash);
  // Written into sw.js, under the public URL; a stale compressed sw.js is removed.
  fs.writeFileSync(path.join(dir, 'sw.js.br'), 'stale');
  const written = writeServiceWorker(dir, '/lab/');
  const sw = fs.readFileSync(path.join(dir, 'sw.js'), 'utf8');
  assert.ok(sw.includes(JSON.stringify(written)) && written.files.includes('/lab/index.html'));
  assert.equal(fs.existsSync(path.join(dir, 'sw.js.br')), false);
  fs.rmSync(dir, { recursive: true });
});

test('installable: a manifest with icons, and a service worker holding the whole build', async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  const sizes = {};
  for (const icon of manifest.icons.filter((i) => i.type === 'image/png')) {
    const [w, h] = pngSize(path.join(DIST, icon.src));
    assert.equal(`${w}x${h}`, icon.sizes, icon.src);
    sizes[`${icon.purpose} ${icon.sizes}`] = true;
  }
  assert.deepEqual(Object.keys(sizes).sort(), ['any 192x192', 'any 512x512', 'maskable 512x512']);

  const { context, page, errors } = await openPretrained(browser, server.url, { width: 1366, height: 768 });
  const keys = await controlled(page);
  const build = JSON.parse(/const BUILD = (.*);/.exec(fs.readFileSync(path.join(DIST, 'sw.js'), 'utf8'))[1]);
  assert.deepEqual(keys, [`flipflop-lab-${build.hash}`]);
  const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), keys[0]);
  assert.deepEqual(cached.sort(), [...build.files].sort(), 'every file of the build is cached');
  for (const must of ['/index.html', '/worker_loader.js', '/worker_relaxed_bg.wasm', '/assets/pretrained.net']) {
    assert.ok(cached.includes(must), `${must} is cached`);
  }
  // Chromium's own verdict on installability.
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  // Every test context is incognito, where Chromium never installs; nothing else may be wrong.
  const problems = installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito');
  assert.deepEqual(problems, [], 'Chromium finds the lab installable');
  assert.deepEqual(errors, []);
  await context.close();
});

test('offline after the first visit: a reload boots the lab and shows the network', async () => {
  const { context, page } = await openPretrained(browser, server.url, { width: 1366, height: 768 });
  await controlled(page);
  const stepBefore = await page.getByTestId('step-count').innerText();
  await context.setOffline(true);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.reload();
  // The page, both wasm modules (the worker reports which kernels it runs) and the network.
  await page.waitForSelector('[data-testid=status][data-kernels]', { state: 'attached', timeout: 20_000 });
  await page.waitForFunction(
    () => {
      const step = document.querySelector('[data-testid=step-count]').textContent;
      return step !== '0' && document.getElementById('cube').dataset.step === step;
    },
    null,
    { timeout: 20_000 },
  );
  assert.equal(await page.getByTestId('step-count').innerText(), stepBefore, 'the same network');
  assert.equal(await page.evaluate(() => navigator.onLine), false, 'really offline');
  await screenshot(page, 'offline-01-reloaded');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a new build replaces the old cache', async () => {
  // A private copy of the build, so the test can make "the next build" of it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flipflop-build-'));
  fs.cpSync(DIST, dir, { recursive: true });
  const copy = await serve(dir);
  try {
    const { context, page } = await openPage(browser, copy.url, { width: 1366, height: 768 });
    const old = describeBuild(dir).hash;
    assert.deepEqual(await controlled(page), [`flipflop-lab-${old}`]);
    // The next build: one more file, a new sw.js.
    fs.writeFileSync(path.join(dir, 'assets', 'next-build.txt'), 'a later build');
    const next = writeServiceWorker(dir).hash;
    assert.notEqual(next, old);
    // The next build's service worker installs and activates. Not `registration.update()`:
    // Chromium held that update check back ~53 s after the first install (measured: its
    // request for sw.js reached the server 53 s after the page was controlled). Registering
    // the same file under another URL runs the same install (the new build's files into its
    // cache) and activate (the other builds' caches deleted) at once.
    const keys = await page.evaluate(async (want) => {
      await navigator.serviceWorker.register('/sw.js?next-build', { scope: '/' });
      for (let i = 0; i < 200; i++) {
        const keys = (await caches.keys()).filter((k) => k.startsWith('flipflop-lab-'));
        if (keys.length === 1 && keys[0] === want) return keys;
        await new Promise((r) => setTimeout(r, 100));
      }
      return caches.keys();
    }, `flipflop-lab-${next}`);
    assert.deepEqual(keys, [`flipflop-lab-${next}`], 'only the new build is kept');
    const hasNew = await page.evaluate(async (name) => !!(await (await caches.open(name)).match('/assets/next-build.txt')), keys[0]);
    assert.ok(hasNew, 'the new build is cached');
    await context.close();
  } finally {
    await copy.close();
    fs.rmSync(dir, { recursive: true });
  }
});
