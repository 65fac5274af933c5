// End-to-end tests of sharing, opening, persistence, import, export and the saved list
// (issue 5). Needs `dist/` from `trunk build --release`; `make test` does all of it.
// The paper's Keras files are read at run time from ../shared/reference/paper-network/ (never
// copied into the repository); the import test is skipped, visibly, when they are absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedServerAndBrowser, openPage, screenshot, readInt, readFloat, openPretrained } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PAPER = path.join(ROOT, '..', 'shared', 'reference', 'paper-network', 'trained-epoch-20.hdf5');
const XSS = '<img src=x onerror=window.__pwned=1>';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Weights fingerprint and the step it was taken at (set by the page on every snapshot). */
async function fingerprint(page) {
  return page.evaluate(() => {
    const m = document.getElementById('matrix');
    return { fp: m.getAttribute('data-weights-fp'), step: Number(m.getAttribute('data-fp-step')) };
  });
}

/** Waits until the page shows a network whose snapshot is at `step` (or any, if undefined). */
async function waitNetwork(page, step) {
  await page.waitForFunction(
    (s) => {
      const m = document.getElementById('matrix');
      const fpStep = m?.getAttribute('data-fp-step');
      const shown = document.querySelector('[data-testid=step-count]')?.textContent;
      if (fpStep === null || fpStep === undefined || fpStep !== shown) return false;
      return s === undefined || fpStep === String(s);
    },
    step,
    { timeout: 30_000 },
  );
}

/** A page in a fresh context (empty storage). Without a link, waits for the pre-trained
 *  network (adopted asynchronously at first load) so that clicks do not race with it. */
async function freshPage(url = server.url) {
  const p = await openPage(browser, url);
  if (url.includes('#net=')) {
    await waitNetwork(p.page);
  } else {
    await waitPretrained(p.page);
  }
  return p;
}

/** Waits until the pre-trained network (not the fresh one queued before it) is shown. */
async function waitPretrained(page) {
  await page.waitForFunction(
    () => {
      const status = document.querySelector('[data-testid=status]');
      const shown = document.querySelector('[data-testid=step-count]')?.textContent;
      const fpStep = document.getElementById('matrix')?.getAttribute('data-fp-step');
      return status?.getAttribute('data-pretrained') === 'true' && shown !== '0' && fpStep === shown;
    },
    null,
    { timeout: 30_000 },
  );
}

/** Takes `n` training steps with the Step button and waits for their snapshot. */
async function steps(page, n) {
  for (let i = 0; i < n; i++) {
    const before = await readInt(page, 'step-count');
    await page.getByTestId('step').click();
    await waitNetwork(page, before + 1);
  }
}

async function share(page, kind) {
  await page.getByTestId('share-kind').selectOption(kind);
  await page.getByTestId('share').click();
  await page.waitForFunction(
    (k) => {
      const i = document.querySelector('[data-testid=share-link]');
      return i.value.includes('#net=') && i.getAttribute('data-kind') === k;
    },
    kind,
    { timeout: 60_000 },
  );
  const url = await page.getByTestId('share-link').inputValue();
  const shown = await page.getByTestId('share-length').getAttribute('data-chars');
  assert.equal(Number(shown), url.length, 'the page shows the link length');
  return url;
}

test('Share → open the link in a fresh browser context → the same network', async () => {
  const { page, errors, context } = await freshPage();
  await steps(page, 2);
  const original = await fingerprint(page);
  const exact = await share(page, 'exact');
  // An exact link of a 128-unit network is far longer than chat tools keep: the dialog says
  // so and names the shorter kinds.
  const warning = page.getByTestId('share-warning');
  assert.ok(await warning.isVisible(), 'a long exact link is flagged');
  assert.match(await warning.textContent(), /characters.*compact link is much shorter/s);
  const compact = await share(page, 'compact');
  const recipe = await share(page, 'recipe');
  assert.ok(!(await warning.isVisible()), 'a short recipe link carries no warning');
  const radius = await readFloat(page, 'radius');
  console.log(
    `# link lengths at step ${original.step}, N ${await page.locator('#hidden').inputValue()}: ` +
      `exact ${exact.length}, compact ${compact.length}, recipe ${recipe.length} characters`,
  );
  // Copy puts the link on the clipboard.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await page.getByTestId('copy-link').click();
  await page.waitForFunction(() => /copied/.test(document.querySelector('[data-testid=status]').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), recipe);
  assert.ok(compact.length < exact.length, 'compact is shorter');
  assert.ok(recipe.length < compact.length, 'recipe is shortest');
  await screenshot(page, 'share-01-link');

  // Exact: bit-identical weights, same step, in a context with empty storage.
  const other = await freshPage(exact);
  await waitNetwork(other.page, original.step);
  await other.page.waitForFunction((fp) => document.getElementById('matrix').getAttribute('data-weights-fp') === fp, original.fp);
  assert.deepEqual(await fingerprint(other.page), original);
  assert.match(await other.page.getByTestId('status').innerText(), /Opened the exact link/);
  assert.equal(await other.page.getByTestId('error').innerText(), '');
  assert.ok(!other.page.url().includes('#net='), 'the fragment is dropped after opening');
  await screenshot(other.page, 'share-02-opened-exact');
  assert.deepEqual(other.errors, []);
  await other.context.close();

  // Compact: same step, spectral radius within 1e-3 (the page shows 3 decimals).
  const third = await freshPage(compact);
  await waitNetwork(third.page, original.step);
  await third.page.waitForFunction(() => /Opened the compact link/.test(document.querySelector('[data-testid=status]').textContent));
  assert.ok(Math.abs((await readFloat(third.page, 'radius')) - radius) <= 1.5e-3, 'radius kept');
  assert.deepEqual(third.errors, []);
  await third.context.close();

  // Recipe: settings and seed filled in, seeded initial weights, offers to train.
  const fourth = await freshPage(recipe);
  await fourth.page.waitForFunction(() => /recipe link/.test(document.querySelector('[data-testid=status]').textContent));
  await waitNetwork(fourth.page, 0);
  assert.match(await fourth.page.getByTestId('status').innerText(), /Press Train/);
  await fourth.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a reload keeps the network (autosave)', async () => {
  const { page, errors, context } = await freshPage();
  await steps(page, 3);
  const before = await fingerprint(page);
  await page.reload();
  await waitNetwork(page, before.step);
  await page.waitForFunction((fp) => document.getElementById('matrix').getAttribute('data-weights-fp') === fp, before.fp);
  assert.deepEqual(await fingerprint(page), before);
  assert.match(await page.getByTestId('status').innerText(), /Restored your network/);
  // The loss history came back too: the CSV holds the three training losses.
  const wait = page.waitForEvent('download');
  await page.locator('[data-export="csv"]').click();
  const csv = fs.readFileSync(await (await wait).path(), 'utf8');
  const trained = csv.trim().split('\n').slice(1).filter((row) => row.split(',')[1] !== '');
  assert.deepEqual(trained.map((r) => Number(r.split(',')[0])), [before.step - 2, before.step - 1, before.step]);
  await screenshot(page, 'share-03-reloaded');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a corrupted link shows a specific error and keeps the network', async () => {
  const { page, errors, context } = await freshPage();
  await steps(page, 1);
  const exact = await share(page, 'exact');
  const before = await fingerprint(page);
  const at = exact.indexOf('#net=') + 40;
  const flipped = exact.slice(0, at) + (exact[at] === 'A' ? 'B' : 'A') + exact.slice(at + 1);
  await page.evaluate((h) => { location.hash = h; }, flipped.slice(flipped.indexOf('#')));
  await page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('cannot be opened'));
  const message = await page.getByTestId('error').innerText();
  assert.match(message, /truncated or altered|checksum/);
  assert.match(message, /unchanged/);
  assert.equal(await page.getByRole('alert').innerText(), message);
  assert.deepEqual(await fingerprint(page), before, 'network kept');
  await screenshot(page, 'share-04-corrupted');
  await context.close();

  // Opening a truncated link in a fresh context: error, and a usable network still shows.
  const cut = await openPage(browser, exact.slice(0, exact.indexOf('#net=') + 60));
  await cut.page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('cannot be opened'));
  await waitNetwork(cut.page);
  assert.notEqual(await cut.page.getByTestId('radius').innerText(), '–');
  assert.deepEqual(cut.errors, []);
  await cut.context.close();
  assert.deepEqual(errors, []);
});

test('export npz, JSON, net, CSV and PNG; npz imports back to the same weights', async () => {
  const { page, errors, context } = await freshPage();
  await steps(page, 1);
  const before = await fingerprint(page);
  const files = {};
  for (const what of ['npz', 'json', 'net', 'csv', 'png:matrix']) {
    const wait = page.waitForEvent('download');
    await page.locator(`[data-export="${what}"]`).click();
    const dl = await wait;
    const p = await dl.path();
    files[what] = { name: dl.suggestedFilename(), bytes: fs.readFileSync(p), path: p };
  }
  assert.match(files.npz.name, /\.npz$/);
  assert.equal(files.npz.bytes.subarray(0, 2).toString(), 'PK');
  assert.equal(JSON.parse(files.json.bytes.toString()).format, 'flipflop-network');
  assert.equal(files.net.bytes.subarray(0, 8).toString(), 'FFLABNET');
  assert.match(files.csv.bytes.toString(), /^step,train_loss,heldout_mse,bit_accuracy\n/);
  assert.deepEqual([...files['png:matrix'].bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  // Drag and drop the JSON file onto the page: same weights.
  await page.getByTestId('reset').click();
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
    window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
  }, files.json.bytes.toString());
  await page.waitForFunction(() => /Imported "dropped.json"/.test(document.querySelector('[data-testid=status]').textContent));
  await page.waitForFunction((fp) => document.getElementById('matrix').getAttribute('data-weights-fp') === fp, before.fp);
  // Re-import the npz and the net file: same weights.
  for (const what of ['npz', 'net']) {
    await page.getByTestId('reset').click();
    await page.getByTestId('import-file').setInputFiles({ name: files[what].name, mimeType: 'application/octet-stream', buffer: files[what].bytes });
    await page.waitForFunction(() => /Imported/.test(document.querySelector('[data-testid=status]').textContent));
    await page.waitForFunction((fp) => document.getElementById('matrix').getAttribute('data-weights-fp') === fp, before.fp);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("import the paper's trained Keras HDF5 file", async (t) => {
  if (!fs.existsSync(PAPER)) {
    t.skip(`paper network not found at ${PAPER}`);
    return;
  }
  const { page, errors, context } = await freshPage();
  await page.getByTestId('import-file').setInputFiles(PAPER);
  await page.waitForFunction(() => document.getElementById('hidden').value === '400', null, { timeout: 30_000 });
  await page.waitForFunction(() => /Imported/.test(document.querySelector('[data-testid=status]').textContent), null, { timeout: 30_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=radius]').textContent) > 1.04, null, { timeout: 30_000 });
  const radius = await readFloat(page, 'radius');
  assert.ok(Math.abs(radius - 1.08) < 0.01, `spectral radius ${radius}`);
  assert.equal(await page.getByTestId('error').innerText(), '');
  await screenshot(page, 'share-05-imported-paper');
  // A file that is not a network: specific message, network unchanged.
  const fp = await fingerprint(page);
  await page.getByTestId('import-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('Could not import'));
  assert.match(await page.getByTestId('error').innerText(), /not a file Flip-Flop Lab can import/);
  assert.deepEqual(await fingerprint(page), fp);
  assert.deepEqual(errors, []);
  await context.close();
});

test('saved networks: save, load, delete; script payloads stay text', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // A saved entry whose name is a script payload, and a damaged entry.
  await context.addInitScript((xss) => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem(
        'flipflop-lab/saved/v1',
        JSON.stringify([{ name: xss, saved_at_ms: 0, accuracy: 0.5, step: 1, hidden: 128, net: 'AAAA' }]),
      );
    }
  }, XSS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}#net=${encodeURIComponent(XSS)}`);
  await waitNetwork(page);
  await page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('cannot be opened'));
  await page.getByTestId('save-name').fill(`${XSS}<script>window.__pwned=2</script>`);
  await page.getByTestId('save-net').click();
  await page.getByTestId('import-file').setInputFiles({ name: `${XSS}.json`, mimeType: 'application/json', buffer: Buffer.from('{"format":"x"}') });
  await page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('Could not import'));
  const items = page.getByTestId('saved-item');
  assert.equal(await items.count(), 2);
  assert.equal(await items.nth(0).locator('.saved-name').innerText(), XSS);
  await items.nth(0).getByRole('button', { name: /^Load/ }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('damaged'));
  // The good entry loads; deleting the bad one leaves one.
  const fp = await fingerprint(page);
  await steps(page, 1);
  await items.nth(1).getByRole('button', { name: /^Load/ }).click();
  await page.waitForFunction((f) => document.getElementById('matrix').getAttribute('data-weights-fp') === f, fp.fp);
  await items.nth(0).getByRole('button', { name: /^Delete/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=saved-item]').length === 1);
  await screenshot(page, 'share-06-saved-xss');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0, 'no element was created');
  assert.equal(await page.evaluate(() => document.querySelectorAll('#saved-list script, #saved-list img').length), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('full browser storage gives a message, not a crash', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    Storage.prototype.setItem = function () {
      throw new DOMException('full', 'QuotaExceededError');
    };
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await waitPretrained(page);
  await steps(page, 1);
  await page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('storage is full'));
  await page.getByTestId('save-net').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.includes('Could not save'));
  await steps(page, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

/** The files the page hands to the browser, taken at the download anchor's click: a dozen
 * downloads in a row are at the mercy of Chromium's download manager under load (the real
 * download path is covered by the export test). Returns `get(what)`, which presses the
 * `data-export=what` button and resolves to the file's { name, bytes }. */
async function downloadsAtAnchor(page) {
  await page.evaluate(() => {
    window.__downloads = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function () {
      if (this.download) window.__downloads.push({ name: this.download, href: this.href });
      else click.call(this);
    };
  });
  return async (what) => {
    const before = await page.evaluate(() => window.__downloads.length);
    await page.locator(`[data-export="${what}"]`).click();
    await page.waitForFunction((n) => window.__downloads.length > n, before).catch(async (e) => {
      throw new Error(`${what}: no file (${e.message}); error region: ${await page.getByTestId('error').innerText()}`);
    });
    const { name, b64 } = await page.evaluate(async () => {
      const d = window.__downloads.at(-1);
      const bytes = new Uint8Array(await (await fetch(d.href)).arrayBuffer());
      let s = '';
      for (const x of bytes) s += String.fromCharCode(x);
      return { name: d.name, b64: btoa(s) };
    });
    return { name, bytes: Buffer.from(b64, 'base64') };
  };
}

test('a pre-trained network\'s loss chart says it has no history and shows its held-out check', async () => {
  const { page, errors, context } = await openPretrained(browser, server.url);
  const get = await downloadsAtAnchor(page);
  const svg = (await get('svg:loss-chart')).bytes.toString('utf8');
  const steps = await page.getByTestId('step-count').innerText();
  assert.ok(svg.includes(`Trained for ${steps} steps before it came here:`), 'the chart explains the missing history');
  assert.ok(!svg.includes('Press Train or Step'));
  // The one held-out check (loss and accuracy) as dots.
  assert.ok((svg.match(/<circle/g) ?? []).length >= 2, 'held-out loss and accuracy drawn as dots');
  await page.getByTestId('step').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=loss-value]').textContent !== '–');
  const after = (await get('svg:loss-chart')).bytes.toString('utf8');
  assert.ok(!after.includes('before it came here'), 'with a loss to draw, the note goes');
  assert.deepEqual(errors, []);
  await context.close();
});

test('every panel exports as PNG and as SVG (fixed points included); live play as CSV', async () => {
  const { page, errors, context } = await openPretrained(browser, server.url);
  await page.getByTestId('step').click(); // a loss history to draw
  await page.waitForFunction(() => document.querySelector('[data-testid=loss-value]').textContent !== '–');
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-summary][data-counts]', { state: 'attached', timeout: 30_000 });
  await page.locator('[data-testid=fp-list] button[data-kind=saddle]').first().click();
  await page.getByTestId('jacobian-toggle').check();
  const get = await downloadsAtAnchor(page);
  const panels = ['loss-chart', 'matrix', 'spectrum', 'traces', 'cube', 'play-trace'];
  for (const id of panels) {
    const png = await get(`png:${id}`);
    assert.match(png.name, new RegExp(`^flipflop-${id}-step\\d+\\.png$`));
    assert.deepEqual([...png.bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${id} PNG`);
    const svg = await get(`svg:${id}`);
    assert.match(svg.name, new RegExp(`^flipflop-${id}-step\\d+\\.svg$`));
    const text = svg.bytes.toString();
    // Well-formed SVG with drawing in it (parsed by the browser's XML parser).
    const parsed = await page.evaluate((t) => {
      const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
      if (doc.querySelector('parsererror') || doc.documentElement.nodeName !== 'svg') return null;
      const n = (sel) => doc.querySelectorAll(sel).length;
      return { shapes: n('path') + n('rect') + n('circle') + n('polyline') + n('line') + n('polygon'), texts: n('text'), images: n('image') };
    }, text);
    assert.ok(parsed, `${id}: a well-formed SVG document`);
    // Live play without a recent pulse: the background, then per bit its levels and output.
    const least = id === 'play-trace' ? 7 : 10;
    assert.ok(parsed.shapes >= least && parsed.texts > 0, `${id}: ${JSON.stringify(parsed)}`);
    if (id === 'matrix') assert.ok(text.includes('href="data:image/png;base64,'), 'W_rec cells embedded as a PNG');
    if (id === 'cube') {
      assert.match(text, />\+1 -1 \+1</, 'state labels');
      assert.ok(parsed.shapes > 100, `cube with trajectory and fixed points: ${parsed.shapes} shapes`);
      fs.mkdirSync(path.join(ROOT, 'tests', 'e2e', 'screenshots'), { recursive: true });
      fs.writeFileSync(path.join(ROOT, 'tests', 'e2e', 'screenshots', 'share-20-cube.svg'), text);
    }
    if (id === 'spectrum') assert.match(text, /Jacobian at fixed point #\d+/, 'the Jacobian overlay is exported too');
  }
  const csv = (await get('play-csv')).bytes.toString().trim().split('\n');
  assert.equal(csv[0], 'step,input_0,input_1,input_2,output_0,output_1,output_2');
  assert.ok(csv.length > 10, `${csv.length - 1} rows`);
  const row = csv.at(-1).split(',').map(Number);
  assert.equal(row.length, 7);
  assert.ok(row.every(Number.isFinite));
  assert.ok(Math.abs(row[4]) > 0.5, 'a settled output');
  // Look at the exported cube as a browser renders it.
  const view = await context.newPage();
  await view.setContent(fs.readFileSync(path.join(ROOT, 'tests', 'e2e', 'screenshots', 'share-20-cube.svg'), 'utf8'));
  await screenshot(view, 'share-20-cube-svg');
  assert.equal(await page.getByTestId('error').innerText(), '');
  assert.deepEqual(errors, []);
  await context.close();
});
