// The form's validation as a person meets it, and going back to a solved network that a
// too-large learning rate wrecked (headless Chromium; needs dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, openPretrained, readInt, readFloat, screenshot } from './harness.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

async function freshPage() {
  const p = await openPage(browser, `${server.url}?fresh`);
  await p.page.waitForFunction(() => document.querySelector('[data-testid=radius]')?.textContent !== '–', null, {
    timeout: 20_000,
  });
  return p;
}

async function setField(page, id, value) {
  const input = page.locator(`#${id}`);
  await input.fill(value);
  await input.dispatchEvent('change');
}

test('an invalid value is marked on its field in plain words, and Train says it was not applied', async () => {
  const { page, errors, context } = await freshPage();
  await setField(page, 'hidden', '2000');
  const input = page.locator('#hidden');
  await page.waitForFunction(() => document.getElementById('hidden').getAttribute('aria-invalid') === 'true');
  // The message the input points at names the field and the range in words.
  const describedBy = await input.getAttribute('aria-describedby');
  assert.equal(describedBy, 'hidden-message');
  const message = await page.locator(`#${describedBy}`).innerText();
  assert.match(message, /^Hidden units: “2000” is out of range: give a whole number between 2 and 1,024\.$/);
  assert.match(await page.getByTestId('error').innerText(), /between 2 and 1,024.*Not applied/);
  await screenshot(page, '20-invalid-field');
  // Train runs on the last applied settings and says so.
  await page.getByTestId('train').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=step-count]').textContent) >= 1);
  assert.match(await page.getByTestId('error').innerText(), /Not applied: training goes on with the settings last applied/);
  await page.getByTestId('train').click();
  assert.equal(await readInt(page, 'params'), 128 * 3 + 128 * 128 + 3 * 128 + 3, 'still N 128');
  // Scientific notation is a number: 1e2 hidden units rebuild the network with N 100.
  page.once('dialog', (d) => d.accept());
  await setField(page, 'hidden', '1e2');
  await page.waitForFunction(() => document.querySelector('[data-testid=params]').textContent === String(100 * 3 + 100 * 100 + 3 * 100 + 3));
  assert.equal(await input.getAttribute('aria-invalid'), null);
  assert.equal(await page.locator('#hidden-message').innerText(), '');
  assert.equal(await page.getByTestId('error').innerText(), '');
  assert.equal(await input.inputValue(), '100');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a learning rate that wrecks the solved network leaves a way back to it', async () => {
  const { page, errors, context } = await openPretrained(browser, server.url);
  const solvedStep = await readInt(page, 'step-count');
  await page.waitForFunction(() => document.querySelector('[data-testid=accuracy-value]').textContent !== '–');
  assert.ok((await readFloat(page, 'accuracy-value')) >= 99, 'the pre-trained network is solved');
  await setField(page, 'lr', '0.05');
  for (let i = 0; i < 12 && (await readFloat(page, 'accuracy-value')) >= 90; i++) {
    const before = await readInt(page, 'step-count');
    await page.getByTestId('step').click();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid=step-count]').textContent) > n,
      before,
    );
    await page.waitForFunction(() => document.getElementById('matrix').dataset.fpStep === document.querySelector('[data-testid=step-count]').textContent);
  }
  assert.ok((await readFloat(page, 'accuracy-value')) < 90, 'lr 0.05 wrecked it');
  const wreckedStep = await readInt(page, 'step-count');
  const back = page.getByTestId('restore-solved');
  await back.waitFor({ state: 'visible' });
  // The kept network is the last one a check called solved: the pre-trained one, or (the
  // network being a moving average of the weights) one a step or two after it.
  const keptStep = Number(await back.getAttribute('data-step'));
  assert.ok(keptStep >= solvedStep && keptStep < wreckedStep, `kept step ${keptStep}`);
  assert.match(await back.innerText(), new RegExp(`Go back to the solved network \\(step ${keptStep}`));
  await back.click();
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=step-count]').textContent === String(n) &&
      document.getElementById('matrix').dataset.fpStep === String(n),
    keptStep,
  );
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=accuracy-value]').textContent) >= 99);
  assert.ok(await back.isHidden());
  assert.match(await page.getByTestId('status').innerText(), /Back to the solved network of step|Solved at step /);
  assert.deepEqual(errors, []);
  await context.close();
});

test('while Train runs, the kept solved network follows the passing checks, and a wrecking rate offers the latest', async () => {
  const { page, errors, context } = await openPretrained(browser, server.url);
  const opened = await readInt(page, 'step-count');
  await page.waitForFunction(() => document.querySelector('[data-testid=accuracy-value]').textContent !== '–');
  await page.getByTestId('train').click();
  // The checks run on the checking worker while training runs; each that says solved brings
  // the weights it checked, kept at most every 2 s (before, only a snapshot of the very step
  // of a check could be kept, which the checking worker's checks never had).
  const keptOf = () => page.evaluate(() => JSON.parse(localStorage.getItem('flipflop-lab/solved/v1') ?? 'null'));
  await page.waitForFunction(
    (n) => (JSON.parse(localStorage.getItem('flipflop-lab/solved/v1') ?? 'null')?.step ?? 0) > n,
    opened,
    { timeout: 60_000 },
  );
  const kept = await keptOf();
  assert.ok(kept.accuracy >= 0.99, `kept at accuracy ${kept.accuracy}`);
  assert.equal(await page.locator('#speed').getAttribute('data-checks'), 'worker', 'checks on the checking worker');
  // A rate that wrecks it while training runs: the way back leads to a network of this run,
  // kept under the rate before (a network is kept once its settings held it solved at two
  // checks in a row), and with its own history.
  const rate = await page.locator('#lr').inputValue();
  await setField(page, 'lr', '0.05');
  const back = page.getByTestId('restore-solved');
  await back.waitFor({ state: 'visible', timeout: 60_000 });
  await page.getByTestId('train').click();
  const keptStep = Number(await back.getAttribute('data-step'));
  assert.ok(keptStep > opened, `the way back is to step ${keptStep}, trained after the opened ${opened}`);
  await back.click();
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=step-count]').textContent === String(n),
    keptStep,
  );
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=accuracy-value]').textContent) >= 99);
  assert.equal(await page.locator('#lr').inputValue(), rate, 'the kept network comes back with the rate it was solved under');
  const history = JSON.parse(await page.evaluate(() => localStorage.getItem('flipflop-lab/solved/v1'))).save.losses;
  assert.ok(history.every(([s]) => s <= keptStep), 'the kept history ends at the kept step');
  assert.deepEqual(errors, []);
  await context.close();
});
