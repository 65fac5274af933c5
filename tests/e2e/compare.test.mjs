// End-to-end test of the Compare view (issue 13): four tiny networks of the training panel's
// recipe train in parallel workers, then the spectra grid (Fig. 5), the cube grid (Fig. 7),
// the distance matrices, the map and the topology table appear; the set link reopens the
// same four networks (same spectral radii); axe finds nothing serious. Needs dist/ from
// `trunk build --release`; `make test` does it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, axeCheck, SCREENSHOTS } from './harness.mjs';
import path from 'node:path';
import fs from 'node:fs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

async function setField(page, id, value) {
  const input = page.locator(`#${id}`);
  await input.fill(value);
  await input.dispatchEvent('change');
}

/** Non-white pixels of every canvas under `#id`. */
const inkedAll = (page, id) =>
  page.evaluate((id) =>
    [...document.getElementById(id).querySelectorAll('canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) n++;
      return n;
    }), id);

const matrix = async (page, measure) =>
  (await page.locator(`[data-testid=cmp-matrix-${measure}]`).getAttribute('data-matrix'))
    .split(';')
    .map((r) => r.split(',').map(Number));

const radii = (page) =>
  page.evaluate(() => [...document.querySelectorAll('#cmp-table tr[data-radius]')].map((r) => Number(r.dataset.radius)));

async function shot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.locator('#compare').screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

test('four tiny networks train in parallel and compare; the set link reopens them', async () => {
  const t0 = Date.now();
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`, { width: 1366, height: 768 });
  await page.waitForFunction(() => document.querySelector('[data-testid=radius]')?.textContent !== '–', null, {
    timeout: 20_000,
  });
  // The first screen is untouched: Train is still visible without scrolling.
  assert.ok(await page.getByTestId('train').isVisible());
  const trainBox = await page.getByTestId('train').boundingBox();
  assert.ok(trainBox.y + trainBox.height <= 768, `Train at y ${trainBox.y}`);
  // A tiny recipe: N 8, small batches; 20 steps per network.
  await setField(page, 'hidden', '8');
  await setField(page, 'batch', '8');
  await page.getByTestId('compare-link').click();
  await page.getByTestId('cmp-count').fill('4');
  await page.getByTestId('cmp-seed').fill('1');
  await page.getByTestId('cmp-steps').fill('20');
  await page.getByTestId('cmp-train').click();
  // Several workers at once (as many as the machine reports, at most 4).
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await page.waitForFunction(() => Number(document.getElementById('compare').dataset.workers) >= 1);
  await page.waitForSelector('#compare[data-state=done]', { timeout: 50_000 });
  console.log(`# compare: trained, searched and compared in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const workers = Number(await page.locator('#compare').getAttribute('data-workers'));
  assert.equal(workers, Math.min(4, Math.max(1, cores)), `${workers} workers on ${cores} cores`);
  const steps = await page.evaluate(() => [...document.querySelectorAll('#cmp-progress li')].map((l) => Number(l.dataset.step)));
  assert.equal(steps.length, 4);
  for (const s of steps) assert.ok(s >= 20, `trained ${s} steps`);

  // Fig. 5 and Fig. 7 grids: four canvases each, drawn.
  await page.waitForSelector('#cmp-spectra[data-drawn="4"]');
  await page.waitForSelector('#cmp-cubes[data-drawn="4"]');
  for (const id of ['cmp-spectra', 'cmp-cubes']) {
    const ink = await inkedAll(page, id);
    assert.equal(ink.length, 4, id);
    for (const n of ink) assert.ok(n > 500, `${id}: ${ink}`);
  }
  // The matrices: 4 × 4, zero diagonal, symmetric, other networks at a positive distance.
  for (const m of ['procrustes', 'cka']) {
    const d = await matrix(page, m);
    assert.equal(d.length, 4, m);
    for (let i = 0; i < 4; i++) {
      assert.equal(d[i].length, 4);
      assert.equal(d[i][i], 0, `${m} diagonal`);
      for (let j = 0; j < 4; j++) {
        assert.equal(d[i][j], d[j][i], `${m} symmetric`);
        if (i !== j) assert.ok(d[i][j] > 1e-4, `${m}[${i}][${j}] = ${d[i][j]}`);
      }
    }
  }
  const before = await radii(page);
  assert.equal(before.length, 4);
  assert.equal(await page.locator('#cmp-table').getAttribute('data-rows'), '4');
  // The spectra grid shows the same radii as the table.
  const drawnRadii = await page.evaluate(() => [...document.querySelectorAll('#cmp-spectra canvas')].map((c) => Number(c.dataset.radius)));
  drawnRadii.forEach((r, i) => assert.ok(Math.abs(r - before[i]) < 1e-4, `${r} vs ${before[i]}`));
  // Toggling "unaligned" redraws the cubes in their own axes.
  const cubeBefore = await page.evaluate(() => document.querySelectorAll('#cmp-cubes canvas')[1].toDataURL());
  await page.getByTestId('cmp-unaligned').check();
  await page.waitForSelector('#cmp-cubes[data-aligned=false]');
  // Dragging one cube rotates all of them (the first one too).
  const first = await page.evaluate(() => document.querySelectorAll('#cmp-cubes canvas')[0].toDataURL());
  await page.locator('#cmp-cubes canvas').nth(1).scrollIntoViewIfNeeded();
  const box = await page.locator('#cmp-cubes canvas').nth(1).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 10, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction((a) => document.querySelectorAll('#cmp-cubes canvas')[0].toDataURL() !== a, first);
  assert.notEqual(await page.evaluate(() => document.querySelectorAll('#cmp-cubes canvas')[1].toDataURL()), cubeBefore);

  await axeCheck(page, 'compare view');
  await shot(page, 'compare-1366');
  const link = await page.getByTestId('cmp-set-link').inputValue();
  assert.match(link, /#set=[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){3}$/);
  console.log(`# compare: 4 networks trained and compared in ${((Date.now() - t0) / 1000).toFixed(1)} s; set link ${link.length} characters`);
  assert.deepEqual(errors, []);
  await context.close();

  // The set link, opened on a phone-sized screen, brings back the same four networks.
  const second = await openPage(browser, link, { width: 375, height: 800 });
  await second.page.waitForSelector('#compare[data-state=done]', { timeout: 40_000 });
  const after = await radii(second.page);
  assert.equal(after.length, 4);
  // Compact links round weights to a few digits: the radii agree closely, not bit for bit.
  after.forEach((r, i) => assert.ok(Math.abs(r - before[i]) < 0.01 * before[i], `network ${i + 1}: ${r} vs ${before[i]}`));
  await second.page.waitForSelector('#cmp-cubes[data-drawn="4"]');
  await shot(second.page, 'compare-375');
  const overflow = await second.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the screen by ${overflow} px`);
  assert.deepEqual(second.errors, []);
  await second.context.close();
});
