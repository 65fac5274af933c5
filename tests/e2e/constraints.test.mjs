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
