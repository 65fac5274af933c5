// Browser benchmarks of Flip-Flop Lab (not a test): `make bench-web`.
// Needs dist/ from `trunk build --release`. Prints one JSON object.
//  - step: one training step of the reference workload (128 trials x 350 steps, N 100,
//    3 bits, full-length BPTT), timed inside the worker (bench mode of the page), with the
//    worker build the browser picks and with the plain simd128 build.
//  - solve: time from pressing Train (default preset) until the held-out metrics first
//    count as solved (accuracy >= 99 %, MSE <= 0.05), for several seeds.
//  - load: page load until the first network is drawn, and bytes transferred.
// Options: SEEDS=1,2,3,4,5  REPEATS=7  SOLVE_TIMEOUT_S=600  (issue 18's figure: the median
// time to solved over seeds 1-5, printed last on stderr and as solve_median_wall_s)
//  CHECKS=worker,inline: solve each seed once per mode, alternating (an A/B in one run):
//  `worker` is the lab as it is (held-out checks on the checking worker), `inline` opens
//  the page with `?checks=inline` (checks on the training thread, as before issue 18's
//  checking worker). Default: worker only.
//  SAVE_SOLVED=dir: writes the network the lab called solved (the page's kept solved
//  network: the weights of the first check that said solved) to dir/seed-S-MODE.net, to
//  score it on trials never used in training:
//  `flipflop eval dir/seed-S-worker.net --seed 1000000+S --trials 1024`.
import fs from 'node:fs';
import path from 'node:path';
import { launch, openPage, DIST } from '../e2e/harness.mjs';
import { serveDir } from '../../scripts/static.mjs';

const seeds = (process.env.SEEDS ?? '1,2,3,4,5').split(',').filter((s) => s.trim() !== '').map(Number);
const repeats = Number(process.env.REPEATS ?? 7);
const modes = (process.env.CHECKS ?? 'worker').split(',').filter((m) => m === 'worker' || m === 'inline');
const solveTimeout = Number(process.env.SOLVE_TIMEOUT_S ?? 600) * 1000;
// ISOLATE=0 serves the site without the cross-origin isolation headers: the page then
// trains on one thread (the same steps, with the same bits, as on two).
const isolate = process.env.ISOLATE !== '0';
const saveSolved = process.env.SAVE_SOLVED;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};

const server = await serveDir(DIST, 0, { isolate });
const browser = await launch();
const result = { browser: browser.version(), date: new Date().toISOString(), isolated: isolate };
try {
  // Load.
  {
    const context = await browser.newContext();
    const responses = [];
    context.on('response', (r) => responses.push(r));
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelector('[data-testid=radius]').textContent !== '–');
    result.load = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        first_network_drawn_ms: Math.round(performance.now()),
        dom_content_loaded_ms: Math.round(nav?.domContentLoadedEventEnd ?? 0),
      };
    });
    // Encoded bytes of every response, the worker's included (as `make serve` sends them).
    let all = 0;
    let code = 0;
    for (const r of responses) {
      const { responseBodySize } = await r.request().sizes();
      all += responseBodySize;
      if (/\.(wasm|js)$/.test(new URL(r.url()).pathname)) code += responseBodySize;
    }
    result.load.transferred_bytes = all;
    result.load.wasm_js_transferred_bytes = code;
    result.dist_bytes = Object.fromEntries(
      fs
        .readdirSync(DIST)
        .filter((f) => /\.(wasm|js)$/.test(f))
        .map((f) => [f, fs.statSync(path.join(DIST, f)).size]),
    );
    await context.close();
  }
  // Step time at the reference workload, with each worker build: the one the browser picks
  // (relaxed SIMD in Chromium) and the plain simd128 one other browsers get.
  result.step = {};
  for (const [name, query] of [['picked', ''], ['simd128', '&kernels=simd128']]) {
    const { page, context } = await openPage(browser, `${server.url}?bench&warmup=2&repeats=${repeats}${query}`);
    await page.waitForSelector('[data-testid=bench-output][data-done]', { timeout: 600_000, state: 'attached' });
    const out = JSON.parse(await page.getByTestId('bench-output').textContent());
    result.step[name] = {
      workload: '128 trials x 350 steps, N 100, 3 bits, full BPTT + Adam, in the worker',
      kernels: await page.getByTestId('status').getAttribute('data-kernels'),
      median_s: out.median_ms / 1000,
      step_ms: out.step_ms.map((x) => Math.round(x * 10) / 10),
    };
    process.stderr.write(`step ${name} ${JSON.stringify(result.step[name])}\n`);
    await context.close();
  }
  // Time to solved, default preset.
  result.solve = [];
  for (const seed of seeds) for (const mode of modes) {
    const query = mode === 'inline' ? '&checks=inline' : '';
    const { page, context } = await openPage(browser, `${server.url}?fresh${query}`);
    await page.waitForFunction(() => document.querySelector('[data-testid=radius]').textContent !== '–');
    await page.locator('#seed').fill(String(seed));
    await page.locator('#seed').dispatchEvent('change');
    await page.waitForFunction((s) => document.getElementById('matrix').dataset.step === '0' && document.getElementById('seed').value === String(s), seed);
    const t0 = Date.now();
    await page.getByTestId('train').click();
    let entry = { seed, checks: mode };
    try {
      await page.waitForSelector('[data-testid=status][data-solved-ms]', { timeout: solveTimeout, state: 'attached' });
      const status = page.getByTestId('status');
      entry = {
        seed,
        checks: mode,
        wall_s: (Date.now() - t0) / 1000,
        training_s: Number(await status.getAttribute('data-solved-ms')) / 1000,
        step: Number(await status.getAttribute('data-solved-step')),
        threads: Number(await status.getAttribute('data-threads')),
        // Share of the training time the worker spent on held-out checks, snapshots, cubes.
        report_share: Number(await page.locator('#speed').getAttribute('data-report-share')),
        checks_where: await page.locator('#speed').getAttribute('data-checks'),
        checks_done: Number(await page.locator('#speed').getAttribute('data-checks-done')),
      };
      if (saveSolved) {
        // The kept solved network (base64 of a network file) is written from the first
        // check that says solved: the network of the solved step.
        const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('flipflop-lab/solved/v1')));
        fs.mkdirSync(saveSolved, { recursive: true });
        const file = path.join(saveSolved, `seed-${seed}-${mode}.net`);
        fs.writeFileSync(file, Buffer.from(kept.save.net, 'base64'));
        entry.saved = { file, step: kept.step };
      }
    } catch {
      entry.unsolved = `not solved within ${solveTimeout / 1000} s or the step budget (${await page.getByTestId('status').textContent()})`;
    }
    result.solve.push(entry);
    process.stderr.write(`solve ${JSON.stringify(entry)}\n`);
    await context.close();
  }
  for (const mode of modes) {
    const runs = result.solve.filter((e) => e.checks === mode);
    const solved = runs.filter((e) => e.wall_s != null);
    const m = median(solved.map((e) => e.wall_s));
    if (mode === modes[0]) result.solve_median_wall_s = m;
    result[`solve_median_wall_s_${mode}`] = m;
    process.stderr.write(
      `median time to solved, default preset, checks ${mode}, seeds ${seeds.join(',')}: ${m} s` +
        ` (${solved.length} of ${runs.length} solved)\n`,
    );
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(result, null, 2));
