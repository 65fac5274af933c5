// Shared by the end-to-end tests and the benchmarks: a static server for dist/ on a free
// loopback port, and headless Debian Chromium through playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, afterEach } from 'node:test';
import { chromium } from 'playwright-core';
import { serveDir } from '../../scripts/static.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// DIST=… serves another build (e.g. a private one while someone else rebuilds dist/).
export const DIST = process.env.DIST ? path.resolve(process.env.DIST) : path.join(ROOT, 'dist');
export const SCREENSHOTS = path.join(ROOT, 'tests', 'e2e', 'screenshots');

/** Serves `dir` (default dist/) on 127.0.0.1 at a free port, as `make serve` does (with the
 * precompressed files when present); resolves to { url, close }. */
export function serve(dir = DIST) {
  return serveDir(dir, 0);
}

/** Headless Debian Chromium with the flags that keep it off the (closed) network. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Contexts opened by `openPage` and not closed yet. A test that fails before its own
// `context.close()` would otherwise leave its page running (a training worker keeps a core
// busy) and slow every later test of the file; under `node --test` each test's leftovers are
// closed when it ends. Benchmarks import this file outside the test runner, so the hook is
// registered only there (`node --test` sets NODE_TEST_CONTEXT for the files it runs).
const openContexts = new Set();
if (process.env.NODE_TEST_CONTEXT) {
  afterEach(async () => {
    const left = [...openContexts];
    openContexts.clear();
    await Promise.all(left.map((c) => c.close().catch(() => {})));
  });
}

/** Opens a page that records console errors and uncaught exceptions into `errors`;
 * `prepare(context, page)` runs before navigation (init scripts, routes). */
export async function openPage(browser, url, { width = 1280, height = 900, prepare } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  openContexts.add(context);
  context.on('close', () => openContexts.delete(context));
  const page = await context.newPage();
  if (prepare) await prepare(context, page);
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => errors.push(`requestfailed: ${req.url()}`));
  await page.goto(url);
  return { context, page, errors };
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Integer shown by a data-testid element. */
export async function readInt(page, testid) {
  return Number.parseInt(await page.getByTestId(testid).innerText(), 10);
}

export async function readFloat(page, testid) {
  return Number.parseFloat(await page.getByTestId(testid).innerText());
}

/** For a test file: starts the static server and Chromium once before its tests and closes
 * them after; `set(server, browser)` hands them to the file. */
export function sharedServerAndBrowser(set) {
  let server;
  let browser;
  before(async () => {
    server = await serve();
    browser = await launch();
    set(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** Opens the page and waits for the pre-trained network's cube; returns the load time. */
export async function openPretrained(browser, url, opts) {
  const p = await openPage(browser, url, opts);
  await p.page.waitForSelector('[data-testid=status][data-pretrained=true]', { state: 'attached', timeout: 20_000 });
  await p.page.waitForFunction(
    () => {
      const step = document.querySelector('[data-testid=step-count]').textContent;
      return step !== '0' && document.getElementById('cube').dataset.step === step;
    },
    null,
    { timeout: 20_000 },
  );
  p.loadedMs = await p.page.evaluate(() => performance.now());
  return p;
}

/** Non-white pixels of a canvas. */
export const inked = (page, id) =>
  page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) n++;
    return n;
  }, id);


const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/** Runs axe-core (WCAG 2.x A and AA rules and axe's best practices) on the page as it is now
 * and fails on any critical or serious violation, naming the rule, its help and the first
 * offending elements; `label` names the page state in the message and the log. Returns all
 * violations (minor and moderate ones are logged, not failed). Reusable: call it from any
 * test on any state of the page, e.g. `await axeCheck(page, 'tour open')`. */
export async function axeCheck(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: AXE });
  }
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    }),
  );
  const describe = (v) =>
    `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}×: ${v.nodes
      .slice(0, 3)
      .map((n) => n.target.join(' '))
      .join(', ')})`;
  const bad = result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  for (const v of result.violations.filter((v) => !bad.includes(v))) console.log(`# axe, ${label}: ${describe(v)}`);
  console.log(`# axe, ${label}: ${result.violations.length} violations, ${bad.length} critical or serious`);
  if (bad.length > 0) throw new Error(`axe-core, ${label}:\n${bad.map(describe).join('\n')}`);
  return result.violations;
}
