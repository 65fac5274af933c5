// Browser benchmark of the pool of helper workers (issue 18; not a test): training speed of
// the default preset with `shares` 1 and 2, served with and without the cross-origin
// isolation headers (2 shares on 2 threads, 2 shares on 1 thread, 1 share on 1 thread).
// Each case opens an exact link of the preset's network after one step (made with
// `flipflop train --preset default --shares K --until-solved --max-seconds 0.01` and
// `flipflop link`), presses Train, and counts the steps of WINDOW_S seconds after a warm-up
// of WARM_S seconds (metrics, snapshots and cubes included, as a student sees it).
// ROUNDS=2 runs the cases again in reverse order (load drifts on a shared machine).
// Usage: LINK1='net=…' LINK2='net=…' node tests/bench/threads.mjs. Prints one JSON object.
import os from 'node:os';
import { launch, openPage, DIST } from '../e2e/harness.mjs';
import { serveDir } from '../../scripts/static.mjs';

const warm = Number(process.env.WARM_S ?? 5) * 1000;
const windowMs = Number(process.env.WINDOW_S ?? 20) * 1000;
const cases = [
  { name: 'shares 2, isolated', link: process.env.LINK2, isolate: true },
  { name: 'shares 2, not isolated', link: process.env.LINK2, isolate: false },
  { name: 'shares 1, isolated', link: process.env.LINK1, isolate: true },
];
const stepCount = async (page) => Number(await page.getByTestId('step-count').innerText());
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await launch();
const result = { browser: browser.version(), date: new Date().toISOString(), cores: os.cpus().length, cases: [] };
try {
  const rounds = Number(process.env.ROUNDS ?? 2);
  const order = [];
  for (let r = 0; r < rounds; r += 1) order.push(...(r % 2 ? [...cases].reverse() : cases));
  for (const c of order) {
    const server = await serveDir(DIST, 0, { isolate: c.isolate });
    const { page, context } = await openPage(browser, `${server.url}#${c.link}`);
    await page.waitForFunction(() => /Opened the exact link/.test(document.querySelector('[data-testid=status]').textContent), null, { timeout: 60_000 });
    await page.getByTestId('train').click();
    await sleep(warm);
    const [s0, t0] = [await stepCount(page), Date.now()];
    await sleep(windowMs);
    const [s1, t1] = [await stepCount(page), Date.now()];
    const entry = {
      case: c.name,
      threads: await page.getByTestId('status').getAttribute('data-threads'),
      steps: s1 - s0,
      ms_per_step: Math.round(((t1 - t0) / (s1 - s0)) * 10) / 10,
      load: os.loadavg()[0].toFixed(1),
    };
    result.cases.push(entry);
    process.stderr.write(`${JSON.stringify(entry)}\n`);
    await context.close();
    await server.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result, null, 2));
