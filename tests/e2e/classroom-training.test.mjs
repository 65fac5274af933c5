// End-to-end tests of "training never surprises" (issue 12) at the laptop size, 1366×768:
// one Step on the pre-trained network keeps it solved (Adam is warm-started, not restarted);
// Reset and a setting that needs a new network act at once and one click on Undo brings the
// same weights back (no blocking dialog); opening a file says what was opened, not
// "Solved … after 0.0 s". Needs `dist/` from `trunk build --release`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedServerAndBrowser, openPretrained, readInt, screenshot } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAPTOP = { width: 1366, height: 768 };

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Weights fingerprint and the step of the snapshot it was taken from. */
const fingerprint = (page) =>
  page.evaluate(() => {
    const m = document.getElementById('matrix');
    return { fp: m.getAttribute('data-weights-fp'), step: Number(m.getAttribute('data-fp-step')) };
  });

/** Waits until the snapshot on screen is that of the step shown (and of `step` if given). */
async function settled(page, step) {
  await page.waitForFunction(
    (s) => {
      const fpStep = document.getElementById('matrix').getAttribute('data-fp-step');
      const shown = document.querySelector('[data-testid=step-count]').textContent;
      return fpStep === shown && (s === undefined || fpStep === String(s));
    },
    step,
    { timeout: 30_000 },
  );
}

/** Held-out accuracy shown, in %. */
const accuracy = async (page) => Number.parseFloat(await page.getByTestId('accuracy-value').innerText());

/** Fails the test on any dialog (alert, confirm, prompt): the page must never block. */
function forbidDialogs(page) {
  const seen = [];
  page.on('dialog', (d) => {
    seen.push(d.message());
    d.dismiss();
  });
  return seen;
}

test('one Step on the pre-trained network keeps it solved, and so do 20', async () => {
  const { page, errors, context } = await openPretrained(browser, server.url, LAPTOP);
  const start = await readInt(page, 'step-count');
  await page.waitForFunction(() => /%/.test(document.querySelector('[data-testid=accuracy-value]').textContent));
  const before = await accuracy(page);
  assert.ok(before >= 99, `the shipped network is solved: ${before} %`);
  await page.getByTestId('step').click();
  await settled(page, start + 1);
  const after1 = await accuracy(page);
  assert.ok(after1 >= 99, `one Step keeps it solved: ${before} % → ${after1} %`);
  for (let i = 2; i <= 20; i += 1) {
    await page.getByTestId('step').click();
    await settled(page, start + i);
  }
  const after20 = await accuracy(page);
  assert.ok(after20 >= 99, `20 Steps keep it solved: ${after20} %`);
  console.log(`held-out accuracy: ${before} % → ${after1} % (1 step) → ${after20} % (20 steps)`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Reset then Undo brings the same weights back; a rebuilding setting asks no question', async () => {
  const { page, errors, context } = await openPretrained(browser, server.url, LAPTOP);
  const dialogs = forbidDialogs(page);
  const start = await readInt(page, 'step-count');
  // Train a little so that the optimiser state and a loss history exist.
  await page.getByTestId('step').click();
  await settled(page, start + 1);
  const original = await fingerprint(page);
  assert.equal(original.step, start + 1);
  assert.ok(await page.getByTestId('undo-bar').isHidden(), 'no offer before a reset');

  await page.getByTestId('reset').click();
  await settled(page, 0);
  assert.notEqual((await fingerprint(page)).fp, original.fp, 'a fresh network');
  await page.getByTestId('undo-bar').waitFor({ state: 'visible' });
  assert.match(await page.getByTestId('undo-bar').innerText(), /Network reset\.\s*Undo/);
  await screenshot(page, 'classroom-undo-bar');
  await page.getByTestId('undo').click();
  await settled(page, original.step);
  assert.deepEqual(await fingerprint(page), original, 'the same weights at the same step');
  assert.ok(await page.getByTestId('undo-bar').isHidden(), 'the offer is used up');
  assert.match(await page.getByTestId('status').innerText(), /Undone/);
  // Training goes on from there (the optimiser state came back with it).
  await page.getByTestId('step').click();
  await settled(page, original.step + 1);
  assert.ok((await accuracy(page)) >= 99);

  // Another seed needs a new network: it comes at once, and Undo restores network and form.
  const kept = await fingerprint(page);
  const seed = await page.locator('#seed').inputValue();
  await page.locator('#seed').fill(String(Number(seed) + 1));
  await page.locator('#seed').dispatchEvent('change');
  await settled(page, 0);
  await page.getByTestId('undo-bar').waitFor({ state: 'visible' });
  await page.getByTestId('undo').click();
  await settled(page, kept.step);
  assert.deepEqual(await fingerprint(page), kept);
  assert.equal(await page.locator('#seed').inputValue(), seed, 'the form shows the old seed again');
  assert.deepEqual(dialogs, [], 'no blocking dialog');
  assert.deepEqual(errors, []);
  await context.close();
});

test('opening a file says which file, not "Solved after 0.0 s"', async () => {
  const { page, errors, context } = await openPretrained(browser, server.url, LAPTOP);
  const bytes = fs.readFileSync(path.join(ROOT, 'web', 'assets', 'pretrained.net'));
  await page.getByTestId('reset').click();
  await settled(page, 0);
  await page.getByTestId('import-file').setInputFiles({ name: 'class-demo.net', mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction(
    () => /Held-out check/.test(document.querySelector('[data-testid=status]').textContent),
    null,
    { timeout: 30_000 },
  );
  const status = await page.getByTestId('status').innerText();
  assert.match(status, /Imported "class-demo\.net"/, status);
  assert.match(status, /it solves the task/, status);
  assert.doesNotMatch(status, /after 0\.0 s/, status);
  assert.ok(await page.getByTestId('undo-bar').isHidden(), 'opening another network ends the undo offer');
  assert.deepEqual(errors, []);
  await context.close();
});
