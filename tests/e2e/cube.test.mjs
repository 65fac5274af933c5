// End-to-end tests of the memory-state cube, live play and the pre-trained network shown at
// first load (issue 4). Needs dist/ from `trunk build --release`; `make test` does all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sharedServerAndBrowser, openPage, screenshot, readInt, SCREENSHOTS, openPretrained, inked } from './harness.mjs';

// The shipped network's task: pulses 20 steps wide, outputs due 20 steps after a pulse ends.
const WIDTH = 20;
const DELAY = 20;
const MARGIN = 30;

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});
const pretrainedPage = (opts) => openPretrained(browser, server.url, opts);

const output = (page, bit) =>
  page.evaluate((b) => Number(document.querySelector(`[data-testid=output-bit-${b}]`).dataset.value), bit);
const playStep = (page) => page.evaluate(() => Number(document.querySelector('[data-testid=memory-state]').dataset.step));

/** Waits (polling every frame) until bit `bit`'s output has sign `sign`; returns the play step then. */
async function waitSign(page, bit, sign) {
  await page.waitForFunction(
    ([b, s]) => s * Number(document.querySelector(`[data-testid=output-bit-${b}]`).dataset.value) > 0.5,
    [bit, sign],
    { polling: 'raf', timeout: 15_000 },
  );
  return playStep(page);
}

test('first load shows the pre-trained network, its cube and settled live play', async () => {
  const { page, errors, context, loadedMs } = await pretrainedPage();
  console.log(`# pre-trained network and its cube drawn ${loadedMs.toFixed(0)} ms after navigation`);
  assert.ok(loadedMs < 4_000, `pre-trained cube drawn within 2 s budget (+ slack for a busy machine): ${loadedMs} ms`);
  assert.ok((await readInt(page, 'step-count')) > 0, 'a trained network');
  assert.match(await page.getByTestId('accuracy-value').innerText(), /^(99\.\d|100\.0) %$/);
  assert.ok((await inked(page, 'cube')) > 2_000, 'the cube canvas is drawn');
  assert.match(await page.getByTestId('cube-variance').innerText(), /SVD 1: \d+\.\d %/);
  assert.equal(await page.locator('#cube-legend li').count(), 8);
  assert.match(await page.locator('#cube-legend').innerText(), /\+1 -1 \+1/);
  // Live play settles into the all-reset state.
  await page.waitForFunction(() => document.querySelector('[data-testid=memory-state]').textContent === '-1 -1 -1');
  for (const b of [0, 1, 2]) {
    const v = await output(page, b);
    assert.ok(Number.isFinite(v) && v < -0.5, `output-bit-${b} settled at ${v}`);
  }
  const s1 = await playStep(page);
  await page.waitForTimeout(500);
  assert.ok((await playStep(page)) > s1, 'live play runs by itself');
  assert.equal(await page.getByTestId('error').innerText(), '');
  await screenshot(page, '10-pretrained-cube');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a seeded network overtaken by the pre-trained one does not leak into live play', async () => {
  // The race behind a flaky start: the worker gets the seeded network's Init and, before
  // answering it, the pre-trained one's. Force it: the pre-trained file is served only once
  // the seeded Init has been posted, and that Init is held until the next one, so both reach
  // the worker back to back. The page must act only on the answer to the latest.
  const { page, errors, context } = await pretrainedPage({
    prepare: async (context, page) => {
      await context.addInitScript(() => {
        const post = Worker.prototype.postMessage;
        let held = null;
        window.__inits = 0;
        Worker.prototype.postMessage = function (msg, ...rest) {
          if (typeof msg === 'string' && msg.includes('"type":"Init"')) {
            window.__inits++;
            if (window.__inits === 1) {
              held = () => post.call(this, msg, ...rest);
              return;
            }
            held?.();
            held = null;
          }
          return post.call(this, msg, ...rest);
        };
      });
      await context.route('**/assets/pretrained.net', async (route) => {
        await page.waitForFunction(() => window.__inits >= 1, null, { timeout: 15_000 });
        await route.continue();
      });
    },
  });
  assert.equal(await page.evaluate(() => window.__inits), 2, 'the seeded and the pre-trained Init');
  await page.waitForFunction(() => document.querySelector('[data-testid=memory-state]').textContent === '-1 -1 -1', null, {
    timeout: 10_000,
  });
  for (const b of [0, 1, 2]) assert.ok((await output(page, b)) < -0.5, `output-bit-${b} settled`);
  assert.ok((await readInt(page, 'step-count')) > 0, 'the pre-trained network is shown');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Set and Reset flip one bit within pulse width + delay, the others hold', async () => {
  const { page, errors, context } = await pretrainedPage();
  await page.waitForFunction(() => document.querySelector('[data-testid=memory-state]').textContent === '-1 -1 -1');
  const budget = WIDTH + DELAY + MARGIN;
  let s0 = await playStep(page);
  await page.getByTestId('bit-0-set').click();
  let s1 = await waitSign(page, 0, +1);
  console.log(`# Set bit 0: output positive after ${s1 - s0} steps`);
  assert.ok(s1 - s0 <= budget, `Set flipped bit 0 after ${s1 - s0} steps (budget ${budget})`);
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('memory-state').innerText(), '+1 -1 -1');
  for (const b of [1, 2]) assert.ok((await output(page, b)) < -0.5, `bit ${b} unchanged`);
  await screenshot(page, '11-bit0-set');

  s0 = await playStep(page);
  await page.getByTestId('bit-0-reset').click();
  s1 = await waitSign(page, 0, -1);
  assert.ok(s1 - s0 <= budget, `Reset flipped bit 0 back after ${s1 - s0} steps`);
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('memory-state').innerText(), '-1 -1 -1');
  assert.deepEqual(errors, []);
  await context.close();
});

test('keyboard shortcuts do what the buttons do, but not while typing in a field', async () => {
  const { page, errors, context } = await pretrainedPage();
  await page.waitForFunction(() => document.querySelector('[data-testid=memory-state]').textContent === '-1 -1 -1');
  const budget = WIDTH + DELAY + MARGIN;
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  let s0 = await playStep(page);
  await page.keyboard.press('2');
  let s1 = await waitSign(page, 1, +1);
  assert.ok(s1 - s0 <= budget, `key 2 set bit 1 after ${s1 - s0} steps`);
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('memory-state').innerText(), '-1 +1 -1');
  s0 = await playStep(page);
  await page.keyboard.press('w');
  s1 = await waitSign(page, 1, -1);
  assert.ok(s1 - s0 <= budget, `key w reset bit 1 after ${s1 - s0} steps`);
  // Focused in a field, the same key belongs to the field.
  await page.getByTestId('play-speed').focus();
  await page.keyboard.press('3');
  await page.waitForTimeout(1_500);
  assert.ok((await output(page, 2)) < -0.5, 'key 3 in a field does not set bit 2');
  assert.deepEqual(errors, []);
  await context.close();
});

test('dragging orbits the cube (mouse and touch); reset view and PCA redraw it', async () => {
  const { page, errors, context } = await pretrainedPage();
  // Hold the picture still: no spin, play paused.
  await page.getByTestId('cube-spin').uncheck();
  await page.getByTestId('play-pause').click();
  await page.getByTestId('cube-reset-view').click();
  await page.waitForTimeout(300);
  const picture = () => page.evaluate(() => document.getElementById('cube').toDataURL());
  const still = await picture();
  await page.waitForTimeout(300);
  assert.ok((await picture()) === still, 'paused and not spinning: the picture is still');
  const box = await page.getByTestId('cube').boundingBox();
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(cx + i * 12, cy + i * 4);
  await page.mouse.up();
  await page.waitForTimeout(100);
  const dragged = await picture();
  assert.ok(dragged !== still, 'a mouse drag changes the picture');
  await screenshot(page, '12-cube-dragged');
  // Touch: pointer events of type touch.
  await page.evaluate(([x, y]) => {
    const c = document.getElementById('cube');
    const ev = (type, dx) =>
      new PointerEvent(type, { pointerId: 7, pointerType: 'touch', isPrimary: true, clientX: x + dx, clientY: y, bubbles: true, cancelable: true });
    c.dispatchEvent(ev('pointerdown', 0));
    for (let i = 1; i <= 6; i++) c.dispatchEvent(ev('pointermove', -15 * i));
    c.dispatchEvent(ev('pointerup', -90));
  }, [cx, cy]);
  await page.waitForTimeout(100);
  const touched = await picture();
  assert.ok(touched !== dragged, 'a touch drag changes the picture');
  await page.getByTestId('cube-reset-view').click();
  await page.waitForTimeout(100);
  assert.ok((await picture()) === still, 'reset view restores the first picture');
  await page.getByTestId('cube-method').selectOption('pca');
  await page.waitForTimeout(100);
  assert.ok((await picture()) !== still, 'PCA draws another picture');
  assert.match(await page.getByTestId('cube-variance').innerText(), /variance.*PCA 1: \d+\.\d %/);
  await screenshot(page, '13-cube-pca');
  assert.deepEqual(errors, []);
  await context.close();
});

test('live play follows the weights of a network training in the worker', async () => {
  const { page, errors, context } = await pretrainedPage();
  await page.getByTestId('reset').click(); // fresh seeded weights, same shape: play carries on
  await page.waitForFunction(() => document.querySelector('[data-testid=step-count]').textContent === '0');
  await page.waitForFunction(() => document.getElementById('cube').dataset.step === '0');
  await page.getByTestId('train').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=step-count]').textContent) > 30);
  await page.waitForFunction(() => Number(document.getElementById('cube').dataset.step) > 0, null, { timeout: 20_000 });
  const v = await output(page, 0);
  assert.ok(Number.isFinite(v), `output still finite while training (${v})`);
  await page.getByTestId('train').click();
  await screenshot(page, '14-play-while-training');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a missing or broken pre-trained file is reported and fresh weights are used', async () => {
  for (const [name, reply] of [
    ['missing', { status: 404, body: 'not found' }],
    ['broken', { status: 200, body: Buffer.from('FFLNxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') }],
  ]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.route('**/assets/pretrained.net', (route) => route.fulfill(reply));
    await page.goto(server.url);
    await page.waitForFunction(() => /pre-trained network could not be loaded/.test(document.querySelector('[data-testid=error]').textContent), null, {
      timeout: 20_000,
    });
    await page.waitForFunction(() => document.querySelector('[data-testid=radius]').textContent !== '–');
    assert.equal(await readInt(page, 'step-count'), 0, `${name}: fresh network`);
    assert.match(await page.getByTestId('radius').innerText(), /^1\.0\d\d$/, `${name}: orthogonal initial weights`);
    if (name === 'broken') await screenshot(page, '15-pretrained-broken');
    await context.close();
  }
});

test('narrow 375 px window: cube and live play fit, buttons reachable', async () => {
  const { page, errors, context } = await pretrainedPage({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);
  await page.getByTestId('bit-2-set').scrollIntoViewIfNeeded();
  await page.getByTestId('bit-2-set').click();
  await waitSign(page, 2, +1);
  await page.locator('.play-panel').screenshot({ path: path.join(SCREENSHOTS, '16-play-narrow.png') });
  await page.locator('.cube-panel').screenshot({ path: path.join(SCREENSHOTS, '17-cube-narrow.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
