// Biological constraints in the lab (issue 15): switch Dale's law on, train a few steps, and
// the matrix shows one sign per column, excitatory units first (headless Chromium; needs
// dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, readInt, screenshot } from './harness.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const signs = (page) => page.locator('#matrix').getAttribute('data-column-signs');

test("Dale's law: after training steps every column of W_rec has one sign, E units first", async () => {
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`);
  await page.waitForFunction(() => document.getElementById('matrix').hasAttribute('data-column-signs'), null, {
    timeout: 20_000,
  });
  // The free network mixes signs within columns.
  assert.match(await signs(page), /x/);
  page.on('dialog', (d) => d.accept());
  await page.locator('#dale').check();
  await page.locator('#dale').dispatchEvent('change');
  // N 128 at 80 %: 102 excitatory columns, then 26 inhibitory ones, from the start on.
  const want = /^[+0]{102}[-0]{26}$/;
  await page.waitForFunction(
    () => /^[+0]{102}[-0]{26}$/.test(document.getElementById('matrix').getAttribute('data-column-signs') ?? ''),
    null,
    { timeout: 20_000 },
  );
  for (let i = 0; i < 5; i++) {
    await page.getByTestId('step').click();
  }
  await page.waitForFunction(() => Number(document.getElementById('matrix').getAttribute('data-fp-step')) >= 5, null, {
    timeout: 30_000,
  });
  assert.ok((await readInt(page, 'step-count')) >= 5);
  const after = await signs(page);
  assert.match(after, want, `column signs after 5 steps: ${after}`);
  await screenshot(page, '60-dale-matrix');
  // Self-connections off as well: still one sign per column (the diagonal is zero).
  await page.locator('#autapses').uncheck();
  await page.locator('#autapses').dispatchEvent('change');
  await page.getByTestId('step').click();
  await page.waitForFunction(() => Number(document.getElementById('matrix').getAttribute('data-fp-step')) >= 1, null, {
    timeout: 30_000,
  });
  assert.match(await signs(page), want);
  assert.deepEqual(errors, []);
  await context.close();
});

// The spectrum of an unbalanced start (issue 15): one large real eigenvalue far out of the
// bulk; the balanced start (the default under Dale's law) has none. `data-outlier` on the
// spectrum is |λ1| / |λ2|, the two largest moduli.
test('Dale start: unbalanced shows one outlier eigenvalue, balanced none', async () => {
  const { page, errors, context } = await openPage(browser, `${server.url}?fresh`);
  page.on('dialog', (d) => d.accept());
  await page.waitForFunction(() => document.getElementById('spectrum').hasAttribute('data-outlier'), null, {
    timeout: 20_000,
  });
  const outlier = async () => Number(await page.locator('#spectrum').getAttribute('data-outlier'));
  const waitOutlier = (cmp, x) =>
    page.waitForFunction(
      ([cmp, x]) => {
        const r = Number(document.getElementById('spectrum').getAttribute('data-outlier'));
        return cmp === '>' ? r > x : r > 0 && r < x;
      },
      [cmp, x],
      { timeout: 20_000 },
    );
  await page.locator('#hidden').fill('64');
  await page.locator('#hidden').dispatchEvent('change');
  await page.locator('#dale').check();
  await page.locator('#dale').dispatchEvent('change');
  await waitOutlier('<', 1.5);
  assert.ok(await page.locator('#balanced').isChecked());
  const balanced = await outlier();
  await page.locator('#balanced').uncheck();
  await page.locator('#balanced').dispatchEvent('change');
  await waitOutlier('>', 3);
  const unbalanced = await outlier();
  await screenshot(page, '61-dale-unbalanced-spectrum');
  // And back: the outlier goes.
  await page.locator('#balanced').check();
  await page.locator('#balanced').dispatchEvent('change');
  await waitOutlier('<', 1.5);
  assert.ok(unbalanced > 2 * balanced, `unbalanced ${unbalanced}, balanced ${balanced}`);
  assert.deepEqual(errors, []);
  await context.close();
});
