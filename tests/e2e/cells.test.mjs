// GRU and LSTM cells in the lab (issue 14): the cell selector rebuilds the network from the
// cell's preset and turns off what gated cells lack (leak, constraints); a tiny GRU trains
// until its loss falls; the gate selector shows each gate's recurrent matrix in the
// connectivity and spectrum panels; fixed points are found on the full state; an LSTM
// imported from a Keras file shows its four gates, its cube and its fixed points (the h part
// of [h; c]). Tiny networks, short runs (needs dist/ from `trunk build --release`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sharedServerAndBrowser, openPage, readFloat, readInt, screenshot } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const KERAS = path.join(ROOT, 'crates', 'formats', 'tests', 'data', 'keras', 'gated');

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const VANILLA_ONLY = ['alpha', 'dale', 'excitatory', 'balanced', 'density', 'autapses'];
const picture = (page, id) => page.evaluate((id) => document.getElementById(id).toDataURL(), id);
const options = (page, id) =>
  page.evaluate((id) => [...document.getElementById(id).options].map((o) => o.textContent), id);

/** Changes a field's text and fires `change`, as a person typing and leaving it does. */
async function setField(page, id, value) {
  await page.locator(`#${id}`).fill(value);
  await page.locator(`#${id}`).dispatchEvent('change');
}

/** Waits until both panels show gate `gate` of the network at step `step` or later. */
async function panelsShow(page, gate, step = 0) {
  await page.waitForFunction(
    ([gate, step]) =>
      ['matrix', 'spectrum'].every((id) => {
        const c = document.getElementById(id);
        return c.dataset.gate === String(gate) && Number(c.dataset.step) >= step;
      }),
    [gate, step],
    { timeout: 20_000 },
  );
}

/** Runs a fixed-point search and returns [stable, unstable, slow]. */
async function findFixedPoints(page) {
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-summary][data-counts]', { state: 'attached', timeout: 30_000 });
  return (await page.getByTestId('fp-summary').getAttribute('data-counts')).split(',').map(Number);
}

test('GRU: the selector rebuilds from its preset, a tiny one trains, gates and fixed points show', async () => {
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`, { width: 1366, height: 900 });
  await page.waitForFunction(() => document.querySelector('[data-testid=radius]')?.textContent !== '–', null, {
    timeout: 20_000,
  });
  assert.equal(await page.locator('#gate-field').isVisible(), false, 'no gate selector for the vanilla cell');
  await page.getByTestId('cell').selectOption('gru');
  // The GRU preset is in the form, the vanilla-only controls are off with the reason shown.
  await page.waitForFunction(() => document.getElementById('alpha').disabled);
  for (const id of VANILLA_ONLY) assert.equal(await page.locator(`#${id}`).isDisabled(), true, `${id} disabled`);
  assert.match(await page.getByTestId('cell-note').innerText(), /no leak and no biological constraints/);
  assert.equal(await page.locator('#alpha').inputValue(), '1');
  // The undo bar offers the vanilla network back (an architecture change asks no dialog).
  assert.equal(await page.getByTestId('undo-bar').isVisible(), false, 'an untrained network needs no undo');
  // Tiny: N 16, short steps.
  await setField(page, 'hidden', '16');
  await page.waitForFunction(() => !document.getElementById('gate-field').hidden);
  assert.deepEqual(await options(page, 'gate'), ['z: update gate', 'r: reset gate', 'h̃: candidate state']);
  await panelsShow(page, 0);
  await page.getByTestId('train').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=step-count]').textContent) > 0);
  const first = await readFloat(page, 'loss-value');
  const t0 = Date.now();
  // Until the loss falls to 80 % of the first step's (at most 25 s).
  await page.waitForFunction(
    (first) => Number.parseFloat(document.querySelector('[data-testid=loss-value]').textContent) < 0.8 * first,
    first,
    { timeout: 25_000, polling: 200 },
  );
  const later = await readFloat(page, 'loss-value');
  const steps = await readInt(page, 'step-count');
  console.log(`# GRU N 16: loss ${first} -> ${later} after ${steps} steps, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await page.getByTestId('train').click(); // Pause
  await page.waitForSelector('[data-testid=train][data-worker-running=false]', { state: 'attached' });
  const step = await readInt(page, 'step-count');
  // Pause sends the stopped network's snapshot: the panels show that step.
  await panelsShow(page, 0, step);
  assert.match(await page.getByTestId('radius').innerText(), /^\d\.\d{3}$/);

  // Each gate's recurrent block, in both panels.
  const matrixZ = await picture(page, 'matrix');
  const spectrumZ = await picture(page, 'spectrum');
  await page.getByTestId('gate').selectOption('1');
  await panelsShow(page, 1, step);
  assert.notEqual(await picture(page, 'matrix'), matrixZ, 'the reset gate has its own matrix');
  assert.notEqual(await picture(page, 'spectrum'), spectrumZ, 'and its own eigenvalues');
  await page.getByTestId('gate').selectOption('2');
  await panelsShow(page, 2, step);

  // Fixed points on the full state, drawn on the cube; the Jacobian spectrum of one of them.
  const counts = await findFixedPoints(page);
  const total = counts.reduce((a, b) => a + b, 0);
  console.log(`# GRU N 16 fixed points: ${await page.getByTestId('fp-summary').innerText()}`);
  assert.ok(total >= 1, `points found: ${counts}`);
  await page.waitForFunction((n) => Number(document.getElementById('cube').dataset.fpDrawn) === n, total);
  await page.locator('[data-testid=fp-list] button').first().click();
  await page.getByTestId('jacobian-toggle').check();
  await page.waitForFunction(() => document.getElementById('spectrum').dataset.jacobian === '0');
  await page.getByTestId('matrix').scrollIntoViewIfNeeded();
  await screenshot(page, '70-gru-gates');
  assert.equal(await page.getByTestId('error').innerText(), '');

  // Back to the vanilla cell: its preset, controls on, no gate selector.
  await page.getByTestId('cell').selectOption('vanilla');
  await page.waitForFunction(() => !document.getElementById('alpha').disabled);
  assert.equal(await page.locator('#hidden').inputValue(), '128');
  await page.waitForFunction(() => document.getElementById('gate-field').hidden);
  assert.equal(await page.getByTestId('undo-bar').isVisible(), true, 'the trained GRU can be brought back');
  assert.deepEqual(errors, []);
  await context.close();
});

test('LSTM from a Keras file: four gates, the cube, live play and fixed points of [h; c]', async () => {
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`, { width: 1366, height: 900 });
  await page.waitForFunction(() => document.querySelector('[data-testid=radius]')?.textContent !== '–', null, {
    timeout: 20_000,
  });
  const file = path.join(KERAS, 'keras3_lstm.keras');
  await page.getByTestId('import-file').setInputFiles({
    name: 'keras3_lstm.keras',
    mimeType: 'application/octet-stream',
    buffer: fs.readFileSync(file),
  });
  await page.waitForFunction(() => /Imported/.test(document.querySelector('[data-testid=status]').textContent), null, {
    timeout: 20_000,
  });
  assert.equal(await page.getByTestId('cell').inputValue(), 'lstm');
  assert.equal(await page.locator('#hidden').inputValue(), '5');
  assert.equal(await page.locator('#dale').isDisabled(), true);
  assert.deepEqual(await options(page, 'gate'), [
    'i: input gate',
    'f: forget gate',
    'c: cell candidate',
    'o: output gate',
  ]);
  await panelsShow(page, 0);
  const pictures = [await picture(page, 'matrix')];
  for (const g of [1, 2, 3]) {
    await page.getByTestId('gate').selectOption(String(g));
    await panelsShow(page, g);
    pictures.push(await picture(page, 'matrix'));
  }
  assert.equal(new Set(pictures).size, 4, 'four different recurrent matrices');
  // The cube of h, and live play stepping the whole state.
  await page.waitForFunction(() => document.getElementById('cube').dataset.step !== undefined, null, { timeout: 20_000 });
  await page.keyboard.press('1');
  await page.waitForFunction(() => document.querySelector('[data-testid=play-bits] [data-bit="0"]') !== null);
  // Fixed points of the full state, shown on the cube at their h.
  const counts = await findFixedPoints(page);
  const total = counts.reduce((a, b) => a + b, 0);
  console.log(`# LSTM N 5 fixed points: ${await page.getByTestId('fp-summary').innerText()}`);
  assert.ok(total >= 1, `points found: ${counts}`);
  await page.waitForFunction((n) => Number(document.getElementById('cube').dataset.fpDrawn) === n, total);
  await page.locator('[data-testid=fp-list] button').first().click();
  await page.getByTestId('jacobian-toggle').check();
  await page.waitForFunction(() => document.getElementById('spectrum').dataset.jacobian === '0');
  await screenshot(page, '71-lstm-import');
  assert.equal(await page.getByTestId('error').innerText(), '');
  assert.deepEqual(errors, []);
  await context.close();
});
