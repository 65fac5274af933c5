// Makes the README screenshot (web/screenshot.png): trains the default preset until
// solved (or 3,000 steps), pauses, and captures the page. `make screenshot`.
import path from 'node:path';
import { serve, launch, openPage, DIST } from '../e2e/harness.mjs';

const out = path.join(DIST, '..', 'web', 'screenshot.png');
const server = await serve();
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url, { width: 1400, height: 1180 });
  await page.waitForFunction(() => document.querySelector('[data-testid=radius]').textContent !== '–');
  await page.getByTestId('train').click();
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid=status]').dataset.solvedStep !== undefined ||
      Number(document.querySelector('[data-testid=step-count]').textContent) >= 3000,
    null,
    { timeout: 600_000, polling: 500 },
  );
  await page.getByTestId('train').click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
