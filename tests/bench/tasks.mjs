// Browser confirmation of the task presets (issue 16; a benchmark, not a test):
// `node tests/bench/tasks.mjs` after `trunk build --release && node scripts/static.mjs
// compress dist`. For each cognitive task and seed, opens the lab, selects the task (its
// preset), sets the seed, presses Train and waits until the held-out check first counts as
// solved (the task's rule: `task::presets::solved`). Prints one JSON object: per task and
// seed, the step and the training time the status reports, and the wall seconds from the
// click to the verdict.
// Options: TASKS=perceptual_dm,context_dm,parametric_wm,match_two_items  SEEDS=1,2,3
//          SOLVE_TIMEOUT_S=120
import { serve, launch, openPage } from '../e2e/harness.mjs';

const tasks = (process.env.TASKS ?? 'perceptual_dm,context_dm,parametric_wm,match_two_items').split(',');
const seeds = (process.env.SEEDS ?? '1,2,3').split(',').map(Number);
const timeout = Number(process.env.SOLVE_TIMEOUT_S ?? 120) * 1000;

const server = await serve();
const browser = await launch();
const result = { browser: browser.version(), date: new Date().toISOString(), runs: [] };
try {
  for (const task of tasks) {
    for (const seed of seeds) {
      const { page, context, errors } = await openPage(browser, `${server.url}?fresh`);
      await page.waitForFunction(() => document.getElementById('matrix').hasAttribute('data-fp-step'), null, {
        timeout: 30_000,
      });
      await page.locator('#task').selectOption(task);
      await page.locator('#seed').fill(String(seed));
      await page.locator('#seed').dispatchEvent('change');
      await page.waitForFunction(
        (s) => document.getElementById('seed').value === String(s) && document.getElementById('step-count').textContent === '0',
        seed,
      );
      await page.waitForTimeout(500);
      const t0 = Date.now();
      await page.getByTestId('train').click();
      const run = { task, seed };
      try {
        await page.waitForSelector('[data-testid=status][data-solved-step]', { state: 'attached', timeout });
        run.wall_s = (Date.now() - t0) / 1000;
        const status = page.getByTestId('status');
        run.step = Number(await status.getAttribute('data-solved-step'));
        run.training_s = Number(await status.getAttribute('data-solved-ms')) / 1000;
        run.status = await status.innerText();
      } catch {
        run.wall_s = null;
        run.unsolved_after_s = timeout / 1000;
        run.step = Number(await page.getByTestId('step-count').innerText());
      }
      if (errors.length) run.errors = errors;
      result.runs.push(run);
      console.error(JSON.stringify(run));
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(result, null, 2));
