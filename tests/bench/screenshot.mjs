// Makes the README screenshot (web/screenshot.png): the pre-trained network at first load,
// a few seconds of further training (so the loss chart has a curve), its fixed points found
// (a saddle selected, its Jacobian spectrum shown), then bit 0 set in live play, captured with
// the cube and live-play panels in view. `make screenshot`.
import path from 'node:path';
import { serve, launch, openPage, DIST } from '../e2e/harness.mjs';

const out = path.join(DIST, '..', 'web', 'screenshot.png');
const server = await serve();
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url, { width: 1400, height: 2150 });
  await page.waitForFunction(() => document.querySelector('[data-testid=radius]').textContent !== '–');
  await page.getByTestId('train').click();
  await page.waitForTimeout(6000);
  await page.getByTestId('train').click();
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-summary][data-counts]', { state: 'attached', timeout: 60_000 });
  await page.locator('[data-testid=fp-list] button[data-kind=saddle]').nth(1).click();
  await page.getByTestId('jacobian-toggle').check();
  await page.getByTestId('bit-0-set').click();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
