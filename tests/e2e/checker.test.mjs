// End-to-end test of the checking worker (issue 18): while a network trains, its held-out
// checks run on a nested worker of the training worker, so they cost the training thread
// nothing and come every few dozen steps instead of every ~130. Needs `dist/` from
// `trunk build --release`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, readInt } from './harness.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

test('held-out checks run on the checking worker while training, often and off the training thread', async () => {
  // The shipped pre-trained network: solved, so its checks are near the rule and go out
  // every 25 steps (a fresh network's, far from it, every 100).
  const { page, errors, context } = await openPage(browser, server.url);
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.dataset.pretrained === 'true', null, {
    timeout: 20_000,
  });
  const speed = page.getByTestId('speed');
  await page.getByTestId('train').click();
  // Inline until the checking worker has loaded, then on it.
  await page.waitForFunction(() => document.getElementById('speed')?.dataset.checks === 'worker', null, {
    timeout: 30_000,
  });
  // Held-out results received (distinct steps) against the steps trained meanwhile.
  const done = async () => Number(await speed.getAttribute('data-checks-done'));
  const [s0, c0] = [await readInt(page, 'step-count'), await done()];
  await page.waitForTimeout(12_000);
  const [s1, c1] = [await readInt(page, 'step-count'), await done()];
  const steps = s1 - s0;
  assert.ok(steps > 100, `training went on (${s0} -> ${s1})`);
  // Inline, checks were paced to 4.5 % of the training time: one per ~130 steps of the
  // default preset. On the checking worker one goes out every 25 steps it is free for.
  assert.ok(c1 - c0 >= steps / 60, `${c1 - c0} held-out results over ${steps} steps`);
  // The training thread's reports are now the snapshots and cubes alone (paced to 4 %).
  const share = Number(await speed.getAttribute('data-report-share'));
  assert.ok(share > 0 && share < 0.07, `reports took ${(share * 100).toFixed(1)} % of the training time`);
  await page.getByTestId('train').click();
  assert.deepEqual(errors, []);
  await context.close();
});
