// Browser benchmark of the Dale preset (issue 15; not a test): wall seconds from pressing
// Train until the held-out check first counts as solved (bit accuracy >= 99 %, MSE <= 0.05),
// per seed, with the preset chosen in the form as a student would. Needs dist/ from
// `trunk build --release`. Prints one JSON object, progress on stderr.
// Options: SEEDS=1,2  SOLVE_TIMEOUT_S=300  DIST=…  SET=excitatory=0.5,lr=0.001 (form fields set
// after choosing the preset), RECIPE='#net=…' (open this recipe link instead of choosing the
// preset, then set the seed: times a candidate, decay included, on a build that predates it),
// PRESET=default (another preset), CELL=gru|lstm (that cell's preset, chosen in #cell).
import os from 'node:os';
import { serve, launch, openPage } from '../e2e/harness.mjs';

const seeds = (process.env.SEEDS ?? '1,2').split(',').filter((s) => s.trim() !== '').map(Number);
const solveTimeout = Number(process.env.SOLVE_TIMEOUT_S ?? 300) * 1000;
const overrides = (process.env.SET ?? '')
  .split(',')
  .filter((kv) => kv.includes('='))
  .map((kv) => kv.split('=').map((x) => x.trim()));
const recipe = process.env.RECIPE ?? '';
// PRESET=default times another preset the same way (the baseline a Dale step is compared with).
const cell = process.env.CELL ?? '';
const preset = process.env.PRESET ?? (cell ? '' : 'dale');
const load = () => os.loadavg()[0].toFixed(1);

const server = await serve();
const browser = await launch();
const result = { browser: browser.version(), date: new Date().toISOString(), preset, cell, solve: [] };
try {
  for (const seed of seeds) {
    const { page, context } = await openPage(browser, recipe ? `${server.url}${recipe}` : `${server.url}?fresh`);
    page.on('dialog', (d) => d.accept());
    await page.waitForFunction(() => document.querySelector('[data-testid=radius]').textContent !== '–');
    if (recipe) {
      await page.waitForFunction(() => /recipe/.test(document.querySelector('[data-testid=status]').textContent));
    } else {
      const [id, value] = cell ? ['cell', cell] : ['preset', preset];
      await page.locator(`#${id}`).selectOption(value);
      await page.locator(`#${id}`).dispatchEvent('change');
    }
    for (const [id, value] of overrides) {
      await page.locator(`#${id}`).fill(value);
      await page.locator(`#${id}`).dispatchEvent('change');
    }
    await page.locator('#seed').fill(String(seed));
    await page.locator('#seed').dispatchEvent('change');
    // The network of this seed is drawn (a Dale network: every column one sign), not yet trained.
    await page.waitForFunction(
      ([s, dale]) =>
        document.getElementById('matrix').dataset.step === '0' &&
        document.getElementById('seed').value === String(s) &&
        (!dale || !/x/.test(document.getElementById('matrix').getAttribute('data-column-signs') ?? 'x')),
      [seed, preset === 'dale'],
    );
    const form = await page.evaluate(() =>
      Object.fromEntries(['preset', 'cell', 'hidden', 'excitatory', 'alpha', 'lr', 'batch'].map((id) => [id, document.getElementById(id)?.value])),
    );
    const loadBefore = load();
    const t0 = Date.now();
    await page.getByTestId('train').click();
    let entry = { seed, form, load_before: loadBefore };
    try {
      await page.waitForSelector('[data-testid=status][data-solved-ms]', { timeout: solveTimeout, state: 'attached' });
      const status = page.getByTestId('status');
      entry = {
        ...entry,
        wall_s: (Date.now() - t0) / 1000,
        training_s: Number(await status.getAttribute('data-solved-ms')) / 1000,
        step: Number(await status.getAttribute('data-solved-step')),
        report_share: Number(await page.locator('#speed').getAttribute('data-report-share')),
      };
    } catch {
      entry.unsolved = `not solved within ${solveTimeout / 1000} s (${await page.getByTestId('status').textContent()})`;
    }
    entry.load_after = load();
    result.solve.push(entry);
    process.stderr.write(`solve ${JSON.stringify(entry)}\n`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(result, null, 2));
