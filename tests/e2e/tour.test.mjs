// The guided tour (page/tour.rs, state/tour.rs): run start to end by keyboard alone at the
// 1366 × 768 laptop size, each step highlighting and scrolling to its panel; the bit-flip
// step notices the student's key press; a reload resumes at the saved step; Escape closes it
// and focus goes back to the Tour button; axe-core finds nothing critical or serious.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as harness from './harness.mjs';
import { sharedServerAndBrowser, openPretrained, screenshot } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

// The steps in order, with the heading of the panel each one talks about (state/tour.rs).
const STEPS = [
  ['task', 'traces-title'],
  ['training', 'loss-title'],
  ['matrix', 'matrix-title'],
  ['spectrum', 'spectrum-title'],
  ['several', 'compare-title'],
  ['cube', 'cube-title'],
  ['flip', 'play-title'],
  ['fixed', 'fp-title'],
];

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** The tour's state as the page shows it. */
const tourState = (page) =>
  page.evaluate(() => {
    const tour = document.getElementById('tour');
    const target = document.querySelector('.tour-target');
    const r = target?.getBoundingClientRect();
    return {
      open: !tour.hidden,
      step: tour.dataset.step,
      count: document.getElementById('tour-count').textContent,
      focusInTour: tour.contains(document.activeElement),
      focus: document.activeElement?.id,
      targets: document.querySelectorAll('.tour-target').length,
      targetHeading: target?.querySelector('h2, h3')?.id,
      // The highlighted panel's top is on screen (it was scrolled to).
      targetTopOnScreen: r ? r.top >= -1 && r.top < innerHeight : false,
      expanded: document.getElementById('tour-open').getAttribute('aria-expanded'),
      link: document.getElementById('tour-source').href,
    };
  });

/** axe-core on the tour's own elements (dialog, Tour button): no critical or serious
 * violation. The whole page is checked too when the harness offers `axeCheck`. */
async function axeTour(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(
      { include: [['#tour'], ['#tour-open']] },
      {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
        resultTypes: ['violations'],
      },
    ),
  );
  const bad = result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  const describe = (v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`;
  for (const v of result.violations) console.log(`# axe, ${label}: ${describe(v)}`);
  assert.deepEqual(bad.map(describe), [], `axe-core, ${label}`);
  if (typeof harness.axeCheck === 'function') await harness.axeCheck(page, label);
}

test('the tour runs start to end by keyboard, notices a bit flip, resumes after a reload', async () => {
  const { context, page, errors } = await openPretrained(browser, server.url, { width: 1366, height: 768 });
  assert.equal((await tourState(page)).open, false, 'closed until asked for');

  // Tab from the top of the page reaches the header's Tour button; Enter opens the tour and
  // moves focus into it.
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'tour-open'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tour-open', 'Tab reaches the Tour button');
  await page.keyboard.press('Enter');

  for (const [i, [name, heading]] of STEPS.entries()) {
    const s = await tourState(page);
    assert.equal(s.open, true, `${name}: open`);
    assert.equal(s.step, name, `step ${i + 1}`);
    assert.equal(s.count, `Step ${i + 1} of ${STEPS.length}`);
    assert.equal(s.focusInTour, true, `${name}: focus is in the tour (${s.focus})`);
    assert.equal(s.expanded, 'true');
    assert.equal(s.targets, 1, `${name}: one panel highlighted`);
    assert.equal(s.targetHeading, heading, `${name}: the panel it talks about`);
    assert.equal(s.targetTopOnScreen, true, `${name}: its panel was scrolled into view`);
    assert.match(s.link, /^https:\/\/doi\.org\//, `${name}: links its source`);
    if (name === 'flip') {
      assert.match(await page.getByTestId('tour-task').innerText(), /Waiting for your key press/);
      // Live play runs the network (after the reloads above it may still be loading).
      await page.waitForFunction(() => /^[+-]1 [+-]1 [+-]1$/.test(document.querySelector('[data-testid=memory-state]').textContent), null, {
        timeout: 20_000,
      });
      // The student's own press, with focus still on the tour's Next button.
      await page.keyboard.press('1');
      await page.waitForSelector('#tour[data-noticed=true]', { timeout: 5_000 });
      assert.match(await page.getByTestId('tour-task').innerText(), /you set the bit of key 1/);
      await page.waitForFunction(() => /^\+?1 /.test(document.querySelector('[data-testid=memory-state]').textContent), null, {
        timeout: 5_000,
      });
      await screenshot(page, 'tour-01-flip-noticed');
      await axeTour(page, 'tour open');
    }
    if (name === 'cube') {
      // Back and forth by the letter and arrow keys.
      await page.keyboard.press('p');
      assert.equal((await tourState(page)).step, 'several');
      await page.keyboard.press('ArrowRight');
      assert.equal((await tourState(page)).step, 'cube');
      // A reload reopens the tour at the saved step.
      await page.reload();
      await page.waitForSelector('#tour[data-step=cube]:not([hidden])', { timeout: 20_000 });
      assert.equal((await tourState(page)).targetHeading, 'cube-title', 'resumed with its panel highlighted');
      // Escape closes it and gives focus back to the Tour button (after moving focus in).
      await page.getByTestId('tour-next').focus();
      await page.keyboard.press('Escape');
      let c = await tourState(page);
      assert.deepEqual([c.open, c.focus, c.targets, c.expanded], [false, 'tour-open', 0, 'false'], 'Escape closes');
      // Closed stays closed over a reload; the Tour button resumes at the same step.
      await page.reload();
      await page.waitForSelector('[data-testid=tour-open]');
      assert.equal((await tourState(page)).open, false);
      await page.getByTestId('tour-open').focus();
      await page.keyboard.press('Enter');
      c = await tourState(page);
      assert.deepEqual([c.open, c.step, c.focusInTour], [true, 'cube', true], 'resumes where it stopped');
    }
    await page.keyboard.press('Enter');
  }
  // Enter on Finish closed the tour; the next time it starts from the beginning.
  const end = await tourState(page);
  assert.deepEqual([end.open, end.focus, end.targets], [false, 'tour-open', 0], 'Finish closes the tour');
  await page.keyboard.press('Enter');
  assert.equal((await tourState(page)).step, 'task', 'a finished tour starts over');
  assert.deepEqual(errors, []);
  await context.close();
});
