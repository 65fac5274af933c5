// Tasks beyond the flip-flop in the lab (issue 16): switch task, train a small network until
// the loss falls, and the task's picture appears (psychometric points for the decision task,
// a filled table for parametric working memory); the cube and live play hide. Screenshots at
// 1366 and 375 px (headless Chromium; needs dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, screenshot, inked } from './harness.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Switches the task select and waits for the new network's first snapshot. */
async function switchTask(page, key) {
  await page.locator('#task').selectOption(key);
  await page.waitForFunction(
    (key) => {
      const s = document.getElementById('task');
      return s.value === key && document.getElementById('step-count').textContent === '0';
    },
    key,
    { timeout: 20_000 },
  );
}

/** Sets a form field and commits it (the page reads fields on change). */
async function setField(page, id, value) {
  await page.locator(`#${id}`).fill(String(value));
  await page.locator(`#${id}`).dispatchEvent('change');
}

/** Opens the lab and waits until its first network is analysed. */
async function openLab(width = 1366) {
  const opened = await openPage(browser, `${server.url}?fresh`, { width, height: 900 });
  await opened.page.waitForFunction(() => document.getElementById('matrix').hasAttribute('data-fp-step'), null, {
    timeout: 20_000,
  });
  return opened;
}

/** A tiny network for the task (N 16, batch 8): new weights, step 0. */
async function tiny(page) {
  await setField(page, 'hidden', 16);
  await setField(page, 'batch', 8);
  await page.waitForFunction(
    () =>
      document.getElementById('hidden').value === '16' && document.getElementById('step-count').textContent === '0',
    null,
    { timeout: 20_000 },
  );
}

/** Trains until the step count reaches `steps`, then pauses. */
async function trainSteps(page, steps) {
  await page.getByTestId('train').click();
  await page.waitForFunction((n) => Number(document.getElementById('step-count').textContent) >= n, steps, {
    timeout: 40_000,
  });
  await page.getByTestId('train').click();
}

test('perceptual decision: switch, train, the psychometric curve appears; cube and live play hide', async () => {
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`, { width: 1366, height: 900 });
  await page.waitForFunction(() => document.getElementById('matrix').hasAttribute('data-fp-step'), null, {
    timeout: 20_000,
  });
  // Main-thread watch while the task trains (the page must stay responsive).
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({
      type: 'longtask',
      buffered: false,
    });
  });
  await switchTask(page, 'perceptual_dm');
  assert.equal(await page.locator('#undo-bar').isVisible(), false, 'an untrained network has nothing to undo');
  // The form now shows the task's options and hides the flip-flop's.
  assert.equal(await page.locator('#pdm-coherences').isVisible(), true);
  assert.equal(await page.locator('#pdm-coherences').inputValue(), '0, 3.2, 6.4, 12.8, 25.6, 51.2');
  assert.equal(await page.locator('#bits').isVisible(), false);
  assert.equal(await page.locator('#cube').isVisible(), false);
  assert.equal(await page.getByTestId('play-prompt').isVisible(), false);
  assert.equal(await page.getByTestId('task-panel').isVisible(), true);
  assert.equal(await page.locator('#hidden').inputValue(), '64');
  assert.equal(await page.locator('#alpha').inputValue(), '0.2');
  // A bad option is refused on its field and changes nothing.
  await page.locator('#pdm-coherences').fill('5, 300');
  await page.locator('#pdm-coherences').dispatchEvent('change');
  assert.match(await page.getByTestId('pdm-coherences-message').innerText(), /“300” is out of range/);
  assert.equal(await page.locator('#pdm-coherences').getAttribute('aria-invalid'), 'true');
  await page.locator('#pdm-coherences').fill('0, 3.2, 6.4, 12.8, 25.6, 51.2');
  await page.locator('#pdm-coherences').dispatchEvent('change');
  // The picture of the untrained network, then training: the loss falls.
  await page.waitForFunction(() => Number(document.getElementById('task-curve').dataset.points) === 11, null, {
    timeout: 20_000,
  });
  await page.getByTestId('step').click();
  await page.waitForFunction(() => document.getElementById('step-count').textContent === '1', null, {
    timeout: 20_000,
  });
  const first = await page.evaluate(() => document.getElementById('loss-value').textContent);
  // Train past 150 steps and until the lab calls the network solved (the preset solves in
  // about 50 steps natively), then pause: "solved" names the confirmation that decided it.
  await page.getByTestId('train').click();
  await page.waitForFunction(
    () =>
      Number(document.getElementById('step-count').textContent) >= 150 &&
      document.querySelector('[data-testid=status]').hasAttribute('data-solved-ms'),
    null,
    { timeout: 40_000 },
  );
  await page.getByTestId('train').click();
  assert.match(
    await page.getByTestId('status').innerText(),
    /Solved at step \d+ .*; confirmed on \d+ fresh trials: accuracy \d+\.\d %, MSE \d\.\d{3}\)/,
  );
  const last = await page.evaluate(() => document.getElementById('loss-value').textContent);
  assert.ok(Number(last) < Number(first), `loss ${first} → ${last}`);
  await page.waitForFunction(() => Number(document.getElementById('task-curve').dataset.step) >= 150, null, {
    timeout: 20_000,
  });
  assert.ok((await inked(page, 'task-curve')) > 500, 'the curve is drawn');
  assert.match(await page.getByTestId('task-summary').innerText(), /P\(right\)/);
  // The held-out traces draw the task's channels with the mask shaded.
  assert.ok((await inked(page, 'traces')) > 500);
  await screenshot(page, '70-task-perceptual-1366');
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(400);
  await screenshot(page, '71-task-perceptual-375');
  // Logged, not asserted: on a loaded machine the page's long tasks come and go (lab.test.mjs
  // owns the 50 ms budget, measured twice).
  const long = await page.evaluate(() => window.__long);
  console.log(`# main-thread long tasks while the task trained: ${JSON.stringify(long)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('parametric working memory: the f1–f2 table fills; back to the flip-flop brings the cube back', async () => {
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`, { width: 1366, height: 900 });
  await page.waitForFunction(() => document.getElementById('matrix').hasAttribute('data-fp-step'), null, {
    timeout: 20_000,
  });
  await switchTask(page, 'parametric_wm');
  // Short delays keep the trials short (fast in a test).
  await page.locator('#pwm-delay-min').fill('200');
  await page.locator('#pwm-delay-min').dispatchEvent('change');
  await page.locator('#pwm-delay-max').fill('400');
  await page.locator('#pwm-delay-max').dispatchEvent('change');
  await page.waitForFunction(() => Number(document.getElementById('task-table').dataset.rows) === 10, null, {
    timeout: 20_000,
  });
  await trainSteps(page, 30);
  const cells = await page.locator('#task-table td').allInnerTexts();
  assert.equal(cells.length, 40, 'ten pairs × (f1, f2, answer, accuracy)');
  assert.deepEqual(cells.slice(0, 3), ['18', '10', 'f1 > f2']);
  assert.match(cells[3], /^\d+ %$/);
  // The held-out traces show the task's own trials (f1, delay, f2).
  assert.ok((await inked(page, 'traces')) > 500, 'the held-out traces draw');
  await screenshot(page, '72-task-romo-1366');
  // Back to the flip-flop: its preset, the cube and live play return, the task panel hides.
  await switchTask(page, 'flip_flop');
  assert.equal(await page.locator('#bits').isVisible(), true);
  assert.equal(await page.locator('#hidden').inputValue(), '128');
  assert.equal(await page.getByTestId('task-panel').isVisible(), false);
  await page.waitForFunction(() => document.getElementById('cube').dataset.step === '0', null, { timeout: 20_000 });
  assert.equal(await page.locator('#cube').isVisible(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('context-dependent decision: one psychometric curve per context; the held-out traces draw', async () => {
  const { page, errors, context } = await openLab();
  await switchTask(page, 'context_dm');
  // Shorter stimuli keep the trials short (fast in a test).
  await setField(page, 'cdm-stimulus', 200);
  await tiny(page);
  await trainSteps(page, 10);
  await page.waitForFunction(() => Number(document.getElementById('task-curve').dataset.step) >= 10, null, {
    timeout: 20_000,
  });
  // ±1, ±3, ±10 % in each of the two contexts.
  assert.equal(await page.locator('#task-curve').getAttribute('data-points'), '12');
  assert.match(await page.getByTestId('task-summary').innerText(), /motion context: P\(right\).*colour context: P\(right\)/);
  assert.ok((await inked(page, 'task-curve')) > 500, 'the curves are drawn');
  assert.equal(await page.locator('#task-table').getAttribute('data-rows'), '0', 'no table for a decision task');
  assert.ok((await inked(page, 'traces')) > 500, 'the held-out traces draw');
  await screenshot(page, '73-task-context-1366');
  assert.deepEqual(errors, []);
  await context.close();
});

test('match-to-sample: the accuracy per condition fills; the held-out traces draw', async () => {
  const { page, errors, context } = await openLab();
  await switchTask(page, 'match_two_items');
  // Its preset's delay (200 ms, shorter than the task's default 500 ms, so that it solves
  // within a minute here); shorter still for the test.
  assert.equal(await page.locator('#m2-delay').inputValue(), '200');
  await setField(page, 'm2-delay', 100);
  await tiny(page);
  await trainSteps(page, 10);
  await page.waitForFunction(() => Number(document.getElementById('task-table').dataset.rows) === 6, null, {
    timeout: 20_000,
  });
  const cells = await page.locator('#task-table td').allInnerTexts();
  assert.equal(cells.length, 12, 'six conditions × (condition, accuracy)');
  assert.equal(cells[0], 'cue first, match');
  assert.equal(cells[2], 'cue first, non-match (lure: the uncued sample)');
  assert.equal(cells[10], 'cue second, non-match (new item)');
  for (const i of [1, 3, 5, 7, 9, 11]) assert.match(cells[i], /^\d+ %$/);
  assert.match(await page.getByTestId('task-summary').innerText(), /Mean accuracy over conditions \d+ %; hardest: cue/);
  assert.equal(await page.locator('#task-curve').isVisible(), false, 'no curve for a memory task');
  assert.ok((await inked(page, 'traces')) > 500, 'the held-out traces draw');
  await screenshot(page, '74-task-match-1366');
  assert.deepEqual(errors, []);
  await context.close();
});
