// Browser benchmark of the Compare view (issue 13; not a test): wall time of training four
// networks of the default preset (seeds 1–4) to solved, in parallel (as many workers as
// the machine reports) and one after another (navigator.hardwareConcurrency forced to 1).
// Needs dist/ from `trunk build --release`. Prints one JSON object with the load average.
// Options: SEEDS=1,2,3,4  STEPS=20000 (budget per network)  TIMEOUT_S=3600
import os from 'node:os';
import { serve, launch, openPage } from '../e2e/harness.mjs';

const seeds = (process.env.SEEDS ?? '1,2,3,4').split(',').map(Number);
const steps = Number(process.env.STEPS ?? 20000);
const timeout = Number(process.env.TIMEOUT_S ?? 3600) * 1000;

/** Trains `seeds` in the Compare view with `cores` reported cores; resolves when every
 * network is solved (or stopped by its budget) with the wall time and each solve step. */
async function run(browser, url, cores) {
  const prepare = cores
    ? (context) => context.addInitScript((n) => Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => n }), cores)
    : undefined;
  const { page, context } = await openPage(browser, `${url}?fresh`, { width: 1366, height: 900, prepare });
  await page.waitForFunction(() => document.querySelector('[data-testid=radius]')?.textContent !== '–', null, { timeout: 60_000 });
  await page.getByTestId('cmp-count').fill(String(seeds.length));
  await page.getByTestId('cmp-seed').fill(String(seeds[0]));
  await page.getByTestId('cmp-steps').fill(String(steps));
  const t0 = Date.now();
  await page.getByTestId('cmp-train').click();
  // Solved (or out of budget) = every network has left training.
  await page.waitForFunction(
    (k) => {
      const li = [...document.querySelectorAll('#cmp-progress li')];
      return li.length === k && li.every((l) => !/training|waiting/.test(l.textContent));
    },
    seeds.length,
    { timeout, polling: 500 },
  );
  const wall = (Date.now() - t0) / 1000;
  const nets = await page.evaluate(() =>
    [...document.querySelectorAll('#cmp-progress li')].map((l) => ({ solved: l.dataset.solved === 'true', text: l.textContent })),
  );
  const workers = Number(await page.locator('#compare').getAttribute('data-workers'));
  await context.close();
  return { wall_s: Math.round(wall * 10) / 10, workers, nets };
}

const server = await serve();
const browser = await launch();
try {
  const result = { browser: browser.version(), date: new Date().toISOString(), cpus: os.cpus().length, seeds, steps };
  result.load_before = os.loadavg();
  result.parallel = await run(browser, server.url, null);
  result.load_between = os.loadavg();
  // Each phase as soon as it is measured (the whole run is long).
  console.error(JSON.stringify({ parallel: result.parallel, load: result.load_between }));
  result.sequential = await run(browser, server.url, 1);
  result.load_after = os.loadavg();
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await server.close();
}
