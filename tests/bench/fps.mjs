// Frame-rate benchmark of the cube animation and live play (not a test): `make bench-fps`.
// Opens the page (pre-trained network), presses Train so the worker trains, and records
// requestAnimationFrame intervals on the page for SECONDS seconds while the cube spins and
// live play runs. Prints one JSON object. Needs dist/ from `trunk build --release`.
import { serve, launch, openPage } from '../e2e/harness.mjs';

const seconds = Number(process.env.SECONDS_FPS ?? 10);
const server = await serve();
const browser = await launch();
try {
  const { page, context } = await openPage(browser, server.url);
  await page.waitForSelector('[data-testid=status][data-pretrained=true]', { state: 'attached', timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('cube').dataset.step !== undefined);
  const pretrained = Number(await page.getByTestId('step-count').textContent());
  await page.getByTestId('train').click();
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid=step-count]').textContent) > s + 20, pretrained);
  const stepBefore = Number(await page.getByTestId('step-count').textContent());
  const cubeBefore = await page.evaluate(() => document.getElementById('cube').dataset.step);
  const frames = await page.evaluate(
    (ms) =>
      new Promise((resolve) => {
        const t = [];
        const tick = (now) => {
          t.push(now);
          if (now - t[0] < ms) requestAnimationFrame(tick);
          else resolve(t);
        };
        requestAnimationFrame(tick);
      }),
    seconds * 1000,
  );
  const stepAfter = Number(await page.getByTestId('step-count').textContent());
  const cubeAfter = await page.evaluate(() => document.getElementById('cube').dataset.step);
  const dt = frames.slice(1).map((x, i) => x - frames[i]).sort((a, b) => a - b);
  const q = (p) => dt[Math.min(dt.length - 1, Math.floor(p * dt.length))];
  const span = (frames.at(-1) - frames[0]) / 1000;
  console.log(
    JSON.stringify(
      {
        browser: browser.version(),
        date: new Date().toISOString(),
        what: 'rAF rate on the page: cube spinning + live play at 60 steps/s, default preset training in the worker',
        seconds: Math.round(span * 10) / 10,
        fps_mean: Math.round(((frames.length - 1) / span) * 10) / 10,
        frame_ms_median: Math.round(q(0.5) * 100) / 100,
        frame_ms_p95: Math.round(q(0.95) * 100) / 100,
        frame_ms_max: Math.round(dt.at(-1) * 100) / 100,
        frames_over_25ms: dt.filter((x) => x > 25).length,
        training_steps_during: stepAfter - stepBefore,
        cube_recomputed: cubeBefore !== cubeAfter,
      },
      null,
      2,
    ),
  );
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
