// End-to-end tests of the fixed-point overlay (issue 6): the worker finds the fixed points of
// the pre-trained network, the cube shows them, a saddle's details open from the list and by
// hovering its marker, the spectrum panel shows the Jacobian at the selected point, and a
// search can be cancelled. Needs dist/ from `trunk build --release`; `make test` does it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, screenshot, openPretrained } from './harness.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** The pre-trained page with a still cube (no spin, live play paused). */
async function stillPage() {
  const p = await openPretrained(browser, server.url);
  await p.page.getByTestId('cube-spin').uncheck();
  await p.page.getByTestId('play-pause').click();
  await p.page.getByTestId('cube-reset-view').click();
  // Until two pictures a frame apart agree.
  await p.page.waitForFunction(() => new Promise((done) => {
    const c = document.getElementById('cube');
    const a = c.toDataURL();
    requestAnimationFrame(() => requestAnimationFrame(() => done(c.toDataURL() === a)));
  }));
  return p;
}

const picture = (page, id) => page.evaluate((id) => document.getElementById(id).toDataURL(), id);

test('Find fixed points overlays stable points and saddles on the cube; a saddle opens its details', async () => {
  const { page, errors, context } = await stillPage();
  const before = await picture(page, 'cube');
  const t0 = Date.now();
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-summary][data-counts]', { state: 'attached', timeout: 30_000 });
  const seconds = (Date.now() - t0) / 1000;
  const summary = await page.getByTestId('fp-summary').innerText();
  console.log(`# fixed points in the browser: ${summary} (${seconds.toFixed(1)} s wall)`);
  const [stable, unstable] = (await page.getByTestId('fp-summary').getAttribute('data-counts')).split(',').map(Number);
  // The shipped network holds every memory in a stable fixed point (crates/core/tests/cube.rs).
  assert.ok(stable >= 8, `${stable} stable points`);
  assert.ok(unstable >= 1, `${unstable} unstable points`);
  assert.match(summary, /8 of 8 memory states held by a stable point/);
  assert.equal(await page.getByTestId('fp-find').isDisabled(), false, 'Find is enabled again');
  assert.equal(await page.getByTestId('fp-cancel').isDisabled(), true, 'Cancel is disabled again');
  // The overlay is drawn: one marker per point, and the picture changed.
  const drawn = Number(await page.getByTestId('cube').getAttribute('data-fp-drawn'));
  assert.equal(drawn, stable + unstable + Number((await page.getByTestId('fp-summary').getAttribute('data-counts')).split(',')[2]));
  assert.notEqual(await picture(page, 'cube'), before, 'markers drawn on the cube');
  const items = page.locator('[data-testid=fp-list] button');
  assert.equal(await items.count(), drawn);

  // A saddle from the list: its details say what it is, with q and the nearest memory.
  const saddle = page.locator('[data-testid=fp-list] button[data-kind=saddle]').first();
  await saddle.click();
  const details = page.getByTestId('fp-details');
  assert.equal(await details.getAttribute('data-kind'), 'saddle');
  const text = await details.innerText();
  assert.match(text, /Unstable fixed point \(a saddle\): \d+ of its Jacobian eigenvalues lie outside/);
  assert.match(text, /q = \d\.\d\de-\d+/);
  // Named truthfully: a bit whose readout is near zero is '?', and the text says which
  // bits (numbered 1–3, as everywhere on the page) are undecided.
  const name = text.match(/nearest memory state ((?:[+-]1|\?) (?:[+-]1|\?) (?:[+-]1|\?))/);
  assert.ok(name, text);
  if (name[1].includes('?')) assert.match(text, /with bits? [1-3](, [1-3])*( and [1-3])? undecided/);
  assert.doesNotMatch(text, /bit 0/);
  assert.equal(await saddle.getAttribute('aria-pressed'), 'true');
  await screenshot(page, '30-fixed-points-saddle');

  // Hovering a marker on the cube selects that point.
  // Hovering the markers on the cube selects them (a grid sweep of the canvas).
  const reached = await page.evaluate(() => {
    const c = document.getElementById('cube');
    const r = c.getBoundingClientRect();
    const seen = new Set();
    for (let y = 4; y < r.height; y += 4) {
      for (let x = 4; x < r.width; x += 4) {
        c.dispatchEvent(new PointerEvent('pointermove', { clientX: r.left + x, clientY: r.top + y, bubbles: true }));
        const i = document.querySelector('[data-testid=fp-details]').dataset.index;
        if (i !== undefined) seen.add(i);
      }
    }
    return [...seen];
  });
  assert.ok(reached.length >= 8, `hovering reaches several markers: ${reached}`);

  // The Jacobian spectrum at the selected point appears in the eigenvalue panel.
  await saddle.click();
  const spectrumBefore = await picture(page, 'spectrum');
  await page.getByTestId('jacobian-toggle').check();
  await page.waitForFunction(() => document.getElementById('spectrum').dataset.jacobian !== '' &&
    document.getElementById('spectrum').dataset.jacobian !== undefined);
  assert.equal(await page.getByTestId('spectrum').getAttribute('data-jacobian'), await saddle.getAttribute('data-fp'));
  assert.notEqual(await picture(page, 'spectrum'), spectrumBefore, 'Jacobian eigenvalues drawn');
  await page.getByTestId('spectrum').scrollIntoViewIfNeeded();
  await screenshot(page, '31-jacobian-spectrum');

  // Hiding the overlay leaves the plain cube.
  await page.getByTestId('fp-show').uncheck();
  await page.waitForFunction(() => document.getElementById('cube').dataset.fpDrawn === '0');
  assert.equal(await picture(page, 'cube'), before, 'without the overlay the cube is as before');
  assert.equal(await page.getByTestId('error').innerText(), '');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a search can be cancelled, and replacing the network drops the points', async () => {
  const { page, errors, context } = await stillPage();
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-progress][data-active=true]', { state: 'attached' });
  await page.getByTestId('fp-cancel').click();
  await page.waitForFunction(() => /Search stopped: cancelled/.test(document.querySelector('[data-testid=fp-summary]').textContent));
  assert.equal(await page.getByTestId('fp-find').isDisabled(), false);
  assert.equal(await page.locator('[data-testid=fp-list] button').count(), 0);
  // A finished search, then Reset (fresh weights): the points are gone.
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-summary][data-counts]', { state: 'attached', timeout: 30_000 });
  assert.ok((await page.locator('[data-testid=fp-list] button').count()) > 0);
  await page.getByTestId('reset').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=step-count]').textContent === '0');
  assert.equal(await page.locator('[data-testid=fp-list] button').count(), 0);
  assert.equal(await page.getByTestId('fp-summary').innerText(), '');
  await page.waitForFunction(() => document.getElementById('cube').dataset.fpDrawn === '0');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Find while training pauses it, and the points belong to the cube on screen', async () => {
  const { page, errors, context } = await stillPage();
  const start = Number(await page.getByTestId('step-count').innerText());
  await page.getByTestId('train').click();
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid=step-count]').textContent) > s + 5, start);
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-summary][data-counts]', { state: 'attached', timeout: 30_000 });
  assert.equal(await page.getByTestId('train').getAttribute('aria-pressed'), 'false', 'training paused');
  const step = await page.getByTestId('fp-summary').getAttribute('data-step');
  assert.ok(Number(step) > start, `searched the trained-on network (step ${step})`);
  await page.waitForFunction((s) => document.getElementById('cube').dataset.step === s, step);
  assert.notEqual(await page.getByTestId('fp-summary').getAttribute('data-stale'), 'true');
  assert.ok(Number(await page.getByTestId('cube').getAttribute('data-fp-drawn')) > 0, 'points drawn');
  assert.deepEqual(errors, []);
  await context.close();
});
