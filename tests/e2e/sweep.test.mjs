// End-to-end test of the Sweep view (issue 17): a sweep made by the CLI
// (crates/formats/tests/data/sweep/sweep.zip: 2 × 2 grid × 2 seeds, one failed run) opens
// from the file input; the table sorts by a header (numbers as numbers, a second click
// reverses); the scatter plot draws one point per finished run; two ticked runs go to the
// Compare view, which compares those two networks; a wrong file gives a message and changes
// nothing. Needs dist/ from `trunk build --release`; `make test` does it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, axeCheck, SCREENSHOTS } from './harness.mjs';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = path.join(ROOT, 'crates', 'formats', 'tests', 'data', 'sweep', 'sweep.zip');

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** The table's column `name` as shown, row by row. */
const column = (page, name) =>
  page.evaluate((name) => {
    const t = document.getElementById('sweep-table');
    const heads = [...t.rows[0].cells].map((c) => c.textContent.replace(/[▲▼]/g, '').trim());
    const k = heads.indexOf(name);
    return [...t.rows].slice(1).map((r) => r.cells[k].textContent);
  }, name);

test('a CLI sweep opens, sorts, plots, and sends two runs to the Compare view', async () => {
  const t0 = Date.now();
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`, { width: 1366, height: 900 });
  await page.waitForFunction(() => document.querySelector('[data-testid=radius]')?.textContent !== '–', null, {
    timeout: 20_000,
  });
  await page.getByTestId('sweep-link').click();

  // A wrong file first: a message, and nothing opens.
  await page.getByTestId('sweep-file').setInputFiles({
    name: 'results.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('epoch,loss\n1,0.5\n'),
  });
  await page.waitForFunction(() => /not a sweep/.test(document.getElementById('sweep-status').textContent));
  const msg = await page.getByTestId('sweep-status').textContent();
  assert.match(msg, /lacks the columns index, name, seed, status/);
  assert.equal(await page.locator('#sweep').getAttribute('data-state'), 'empty');
  assert.equal(await page.getByTestId('sweep-table').getAttribute('data-rows'), '0');

  await page.getByTestId('sweep-file').setInputFiles(FIXTURE);
  await page.waitForSelector('#sweep[data-state=open]', { timeout: 10_000 });
  assert.equal(await page.getByTestId('sweep-table').getAttribute('data-rows'), '8');
  assert.match(await page.getByTestId('sweep-status').textContent(), /8 runs \(7 finished, 0 solved, 1 failed\), 7 with network files/);
  // The failed run is in the table with its error.
  const errorsCol = await column(page, 'error');
  assert.equal(errorsCol.filter((e) => e.includes('Is a directory')).length, 1);

  // Sort by hidden: 8 before 12 (as numbers), then reversed.
  await page.locator('#sweep-table button[data-col]', { hasText: /^hidden/ }).click();
  assert.equal(await page.getByTestId('sweep-table').getAttribute('data-sort'), 'hidden:asc');
  assert.deepEqual(await column(page, 'hidden'), ['8', '8', '8', '8', '12', '12', '12', '12']);
  await page.locator('#sweep-table button[data-col]', { hasText: /^hidden/ }).click();
  assert.equal(await page.getByTestId('sweep-table').getAttribute('data-sort'), 'hidden:desc');
  assert.deepEqual(await column(page, 'hidden'), ['12', '12', '12', '12', '8', '8', '8', '8']);
  // Sort by spectral radius: ascending numbers, the failed run (empty) last.
  await page.locator('#sweep-table button[data-col]', { hasText: /^spectral_radius/ }).click();
  const radii = await column(page, 'spectral_radius');
  assert.equal(radii[7], '');
  const nums = radii.slice(0, 7).map(Number);
  assert.deepEqual(nums, [...nums].sort((a, b) => a - b));

  // The scatter plot: hidden against accuracy, one point per finished run; then steps→radius.
  await page.waitForSelector('#sweep-plot[data-points="7"]');
  assert.equal(await page.getByTestId('sweep-plot').getAttribute('data-x'), 'hidden');
  assert.equal(await page.getByTestId('sweep-plot').getAttribute('data-y'), 'accuracy');
  await page.getByTestId('sweep-y').selectOption({ label: 'spectral_radius' });
  await page.waitForSelector('#sweep-plot[data-y=spectral_radius]');
  const ink = await page.evaluate(() => {
    const c = document.getElementById('sweep-plot');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 120 && d[i + 2] < 60) n++;
    return n;
  });
  assert.ok(ink > 50, `vermilion marks drawn: ${ink} pixels`);

  // The failed run cannot be ticked; tick the first two finished runs and compare them.
  assert.equal(await page.locator('#sweep-table tr.failed input[data-tick]').isDisabled(), true);
  const boxes = page.locator('#sweep-table tr:not(.failed) input[data-tick]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.waitForSelector('#sweep-selected[data-count="2"]');
  // The wide table scrolls in its own box: the page is no wider than the window.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the window by ${overflow} px`);
  await axeCheck(page, 'sweep view');
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.locator('#sweep').screenshot({ path: path.join(SCREENSHOTS, 'sweep-1366.png') });
  await page.getByTestId('sweep-compare').click();
  await page.waitForSelector('#compare[data-state=done]', { timeout: 30_000 });
  assert.equal(await page.locator('#cmp-table').getAttribute('data-rows'), '2');
  const labels = await page.evaluate(() => [...document.querySelectorAll('#cmp-progress li')].map((l) => l.textContent));
  assert.equal(labels.length, 2);
  for (const l of labels) assert.match(l, /^hidden-\d+_lr-0\.0\d_seed-\d\.net: step 5/);
  await page.locator('#compare').screenshot({ path: path.join(SCREENSHOTS, 'sweep-compare-1366.png') });
  console.log(`# sweep: opened, sorted, plotted and compared in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.deepEqual(errors, []);
  await context.close();
});
