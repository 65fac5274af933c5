// Live play and the state space for the cognitive tasks (issue 16): compose a trial with the
// task's controls and the network's choice is said in words (and follows the coherence's
// sign once trained); the state space by condition draws one trajectory per condition, and
// the fixed-point search marks points on it. Screenshot at 1366 px (headless Chromium; needs
// dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, screenshot, inked } from './harness.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Sets a range or number control and fires its input event. */
async function setControl(page, id, value) {
  await page.locator(`#${id}`).evaluate((el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(value));
}

/** Waits until the verdict has been run more times than `runs`, and returns it. */
async function nextVerdict(page, runs) {
  await page.waitForFunction((n) => Number(document.getElementById('tp-verdict').dataset.runs) > n, runs, {
    timeout: 10_000,
  });
  return page.evaluate(() => {
    const v = document.getElementById('tp-verdict');
    return { text: v.textContent, choice: v.dataset.choice, runs: Number(v.dataset.runs) };
  });
}

test('perceptual decision: compose a trial, the verdict follows the coherence; the state space and its points draw', async () => {
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`, { width: 1366, height: 900 });
  await page.waitForFunction(() => document.getElementById('matrix').hasAttribute('data-fp-step'), null, {
    timeout: 20_000,
  });
  await page.locator('#task').selectOption('perceptual_dm');
  await page.waitForFunction(
    () => document.getElementById('task').value === 'perceptual_dm' && document.getElementById('step-count').textContent === '0',
    null,
    { timeout: 20_000 },
  );
  assert.equal(await page.getByTestId('taskplay-panel').isVisible(), true);
  assert.equal(await page.getByTestId('tp-coherence').isVisible(), true);
  assert.equal(await page.getByTestId('tp-f1').isVisible(), false, 'only the task’s controls show');
  // The slider's range is the task's: ±51.2 %.
  assert.equal(await page.locator('#tp-coherence').getAttribute('max'), '51.2');
  // The untrained network already answers, in words.
  let v = await nextVerdict(page, 0);
  assert.match(v.text, /^Chose (left|right), -?\d\.\d\d vs -?\d\.\d\d at the last step/);
  assert.ok((await inked(page, 'tp-trace')) > 500, 'the trial is drawn');
  // The state space: one trajectory per signed coherence, with a legend.
  await page.waitForFunction(() => document.getElementById('ss-canvas').dataset.trajectories === '11', null, {
    timeout: 20_000,
  });
  assert.equal(await page.locator('#ss-legend li').count(), 11);
  assert.ok((await inked(page, 'ss-canvas')) > 500, 'the trajectories are drawn');
  // Train, then the sign of the coherence decides the choice.
  await page.getByTestId('train').click();
  await page.waitForFunction(() => Number(document.getElementById('step-count').textContent) >= 300, null, {
    timeout: 40_000,
  });
  await page.getByTestId('train').click();
  await page.waitForFunction(() => document.getElementById('train').getAttribute('aria-pressed') === 'false');
  await page.waitForTimeout(300);
  v = await page.evaluate(() => ({ runs: Number(document.getElementById('tp-verdict').dataset.runs) }));
  await setControl(page, 'tp-coherence', 51.2);
  v = await nextVerdict(page, v.runs);
  assert.equal(v.choice, 'right', v.text);
  assert.match(v.text, /: correct\.$/);
  await setControl(page, 'tp-coherence', -51.2);
  v = await nextVerdict(page, v.runs);
  assert.equal(v.choice, 'left', v.text);
  // The fixed and slow points of the task, on the state space.
  await page.getByTestId('ss-find').click();
  await page.waitForFunction(() => Number(document.getElementById('ss-canvas').dataset.fpDrawn) > 0, null, {
    timeout: 30_000,
  });
  assert.match(await page.getByTestId('ss-fp-summary').innerText(), /stable/);
  await setControl(page, 'tp-coherence', 12.8);
  await nextVerdict(page, v.runs);
  await screenshot(page, '73-task-play-1366');
  // Close-ups of the two panels (to look at).
  await page.getByTestId('ss-panel').screenshot({ path: 'tests/e2e/screenshots/74-task-statespace-panel.png' });
  await page.getByTestId('taskplay-panel').screenshot({ path: 'tests/e2e/screenshots/75-task-play-panel.png' });
  assert.deepEqual(errors, []);
  await context.close();
});
