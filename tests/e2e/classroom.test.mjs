// End-to-end tests of the classroom layout and accessibility (issue 12): live play on the first
// screen of a laptop, canvases and their text that grow on a projector, nothing clipped on a
// phone, bits numbered from 1, export feedback, and axe-core on the main states of the page.
// Needs dist/ from `trunk build --release`; `make test` does all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sharedServerAndBrowser, openPretrained, screenshot, axeCheck, readInt, SCREENSHOTS } from './harness.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});
const open = (width, height) => openPretrained(browser, server.url, { width, height });

/** The element's box, asserted to lie wholly inside the first screen (no scrolling). */
async function assertOnFirstScreen(page, testid, width, height) {
  const box = await page.getByTestId(testid).boundingBox();
  assert.ok(box, `${testid} is rendered`);
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height;
  assert.ok(inside, `${testid} at ${JSON.stringify(box)} is inside the ${width}×${height} viewport`);
  return box;
}

/** Draws the page's own screenshot of the first screen (not the full page) at this size. */
async function firstScreen(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** An export: its file name and bytes (taken at the download anchor's click, as in
 * share.test.mjs: many real downloads in a row are at the mercy of Chromium's download
 * manager under load), and the export status line after it. */
async function exportDownload(page, selector) {
  await page.evaluate(() => {
    if (window.__downloads) return;
    window.__downloads = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function () {
      if (this.download) window.__downloads.push({ name: this.download, href: this.href });
      else click.call(this);
    };
  });
  const before = await page.evaluate(() => window.__downloads.length);
  await page.locator(selector).click();
  await page.waitForFunction((n) => window.__downloads.length > n, before);
  const { name, b64 } = await page.evaluate(async () => {
    const d = window.__downloads.at(-1);
    const bytes = new Uint8Array(await (await fetch(d.href)).arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return { name: d.name, b64: btoa(s) };
  });
  await page.waitForFunction((n) => document.querySelector('[data-testid=export-status]').dataset.file === n, name);
  return { name, bytes: Buffer.from(b64, 'base64'), status: await page.getByTestId('export-status').innerText() };
}

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, b] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
    const lin = (c) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('1366×768: the cube, live play and its prompt, and Train are on the first screen', async () => {
  const { page, errors, context } = await open(1366, 768);
  for (const id of ['bit-0-set', 'bit-0-reset', 'bit-2-reset', 'play-prompt', 'cube', 'train']) {
    await assertOnFirstScreen(page, id, 1366, 768);
  }
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  const prompt = await page.getByTestId('play-prompt').innerText();
  assert.match(prompt, /^Press 1 2 3 to set a bit \(\+1\), q w e to reset it/);
  // Bits are numbered from 1 on the page, as in the held-out trials.
  const rows = await page.locator('.bit-row .bit-name').allInnerTexts();
  assert.deepEqual(rows, ['Bit 1', 'Bit 2', 'Bit 3']);
  assert.equal(await page.locator('.bit-row[aria-label="Bit 1"]').count(), 1);
  assert.doesNotMatch(await page.locator('main').innerText(), /\bbits? 0\b/i);
  // The cube says how to rotate it without a mouse.
  assert.match(await page.getByTestId('cube').getAttribute('aria-label'), /arrow keys/);
  // Pressing the prompt's key flips bit 1 (index 0) and the first screen shows it.
  await page.keyboard.press('1');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=output-bit-0]').dataset.value) > 0.5, null, {
    timeout: 15_000,
  });
  await firstScreen(page, '40-classroom-1366x768');
  assert.deepEqual(errors, []);
  await context.close();
});

test('1920×1080: canvases and their text are larger than at 1366, and live play is still on screen', async () => {
  const measure = async (width, height) => {
    const { page, errors, context } = await open(width, height);
    await assertOnFirstScreen(page, 'bit-0-set', width, height);
    await assertOnFirstScreen(page, 'cube', width, height);
    const sizes = await page.evaluate(() =>
      Object.fromEntries(
        ['cube', 'loss-chart', 'traces', 'play-trace'].map((id) => {
          const c = document.getElementById(id);
          return [id, { css: c.clientWidth, backing: c.width }];
        }),
      ),
    );
    if (width === 1920) await firstScreen(page, '41-classroom-1920x1080');
    // The font of the held-out trials' labels, as the SVG export draws them (as on screen).
    const svg = (await exportDownload(page, '[data-export="svg:traces"]')).bytes.toString();
    const font = Number(svg.match(/style="font: ([\d.]+)px/)[1]);
    assert.deepEqual(errors, []);
    await context.close();
    return { sizes, font };
  };
  const laptop = await measure(1366, 768);
  const projector = await measure(1920, 1080);
  console.log(`# canvases at 1366: ${JSON.stringify(laptop)}; at 1920: ${JSON.stringify(projector)}`);
  for (const id of ['cube', 'loss-chart', 'traces', 'play-trace']) {
    assert.ok(projector.sizes[id].css > laptop.sizes[id].css * 1.2, `${id} grows on a projector`);
    // Backing store = CSS size × devicePixelRatio (1 here).
    assert.equal(projector.sizes[id].backing, projector.sizes[id].css, `${id} backing store`);
  }
  assert.ok(projector.font > laptop.font * 1.2, `trial labels ${laptop.font} px → ${projector.font} px`);
});

test('a resized window redraws the canvases at their new size', async () => {
  const { page, errors, context } = await open(1366, 768);
  const before = await page.evaluate(() => document.getElementById('cube').width);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.waitForFunction((w) => document.getElementById('cube').width > w * 1.2, before, { timeout: 5_000 });
  await page.waitForFunction(() => {
    const c = document.getElementById('loss-chart');
    return c.width === c.clientWidth;
  });
  assert.deepEqual(errors, []);
  await context.close();
});

test('375 px phone: no horizontal scroll, no clipped title, canvases inside the screen', async () => {
  const { page, errors, context } = await open(375, 812);
  const layout = await page.evaluate(() => ({
    page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
    clipped: [...document.querySelectorAll('h1, h2, h3, .bit-row, .prompt, label')]
      .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth)
      .map((e) => `${e.tagName} ${e.textContent.trim().slice(0, 40)}: ${e.scrollWidth} > ${e.clientWidth}`),
    canvases: [...document.querySelectorAll('canvas')]
      .map((c) => [c.id, c.getBoundingClientRect().right])
      .filter(([, right]) => right > 375),
  }));
  assert.ok(layout.page[0] <= layout.page[1], `page ${layout.page[0]} px wide in a ${layout.page[1]} px viewport`);
  assert.deepEqual(layout.clipped, []);
  assert.deepEqual(layout.canvases, []);
  await screenshot(page, '42-classroom-375x812');
  for (const [name, sel] of [['play', '.play-panel'], ['loss', '[aria-labelledby=loss-title]'], ['cube', '.cube-panel']]) {
    await page.locator(sel).screenshot({ path: path.join(SCREENSHOTS, `44-classroom-375-${name}.png`) });
  }
  await firstScreen(page, '43-classroom-375x812-first');
  assert.deepEqual(errors, []);
  await context.close();
});

test('exports say which file they made; PNGs are 2×; the loss chart carries its legend', async () => {
  const { page, errors, context } = await open(1366, 768);
  const png = await exportDownload(page, '[data-export="png:loss-chart"]');
  const css = await page.evaluate(() => {
    const c = document.getElementById('loss-chart');
    return [c.clientWidth, c.clientHeight];
  });
  // PNG header: width and height at bytes 16..24.
  assert.equal(png.bytes.toString('latin1', 1, 4), 'PNG');
  const [w, h] = [png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)];
  assert.deepEqual([w, h], [css[0] * 2, css[1] * 2], 'twice the CSS size');
  assert.match(png.name, /^flipflop-loss-chart-step\d+\.png$/);
  assert.ok(png.status.includes(png.name), `status names the file: ${png.status}`);
  const svg = await exportDownload(page, '[data-export="svg:loss-chart"]');
  for (const name of ['training loss', 'held-out loss', 'held-out accuracy']) {
    assert.ok(svg.bytes.toString().includes(name), `the exported loss chart names "${name}"`);
  }
  const cube = await exportDownload(page, '[data-export="png:cube"]');
  assert.equal(cube.bytes.readUInt32BE(16), 2 * (await page.evaluate(() => document.getElementById('cube').clientWidth)));
  const data = await exportDownload(page, '[data-testid=export-net]');
  assert.match(data.status, /^Exported flipflop-N\d+-step\d+\.net \([\d.]+ kB\)/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('accessibility: axe-core finds nothing serious fresh, training, with fixed points, with a field error', async () => {
  const { page, errors, context } = await open(1366, 768);
  await axeCheck(page, 'fresh');
  // Focus ring: at least 3:1 against the card behind the focused control.
  await page.getByTestId('step').focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    return { id: el.id, colour: s.outlineColor, width: parseFloat(s.outlineWidth), style: s.outlineStyle };
  });
  assert.equal(ring.id, 'step');
  assert.ok(ring.width >= 2 && ring.style !== 'none', JSON.stringify(ring));
  for (const bg of ['rgb(255, 255, 255)', 'rgb(246, 246, 244)']) {
    assert.ok(contrast(ring.colour, bg) >= 3, `focus ring ${ring.colour} on ${bg}: ${contrast(ring.colour, bg).toFixed(2)}:1`);
  }
  // While training.
  const s0 = await readInt(page, 'step-count');
  await page.getByTestId('train').click();
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid=step-count]').textContent) > s + 2, s0, {
    timeout: 20_000,
  });
  await axeCheck(page, 'training');
  await page.getByTestId('train').click();
  await page.waitForSelector('[data-testid=train][data-worker-running=false]', { state: 'attached' });

  // Fixed points shown.
  await page.getByTestId('fp-find').click();
  await page.waitForSelector('[data-testid=fp-summary][data-counts]', { state: 'attached', timeout: 60_000 });
  await page.locator('[data-testid=fp-list] button').first().click();
  await axeCheck(page, 'fixed points shown');

  // A field error is tied to its field.
  await page.fill('#hidden', '0');
  await page.locator('#hidden').dispatchEvent('change');
  await page.waitForSelector('#hidden[aria-invalid=true]', { state: 'attached' });
  const described = await page.evaluate(() => {
    const input = document.getElementById('hidden');
    return input
      .getAttribute('aria-describedby')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');
  });
  assert.ok(described.trim().length > 0, 'the message the field points at says what is wrong');
  await axeCheck(page, 'field error');
  await page.fill('#hidden', '128');
  await page.locator('#hidden').dispatchEvent('change');
  await page.waitForSelector('#hidden:not([aria-invalid=true])', { state: 'attached' });
  assert.deepEqual(errors, []);
  await context.close();
});
