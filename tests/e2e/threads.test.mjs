// End-to-end test of the pool of helper workers (issue 18): served with the cross-origin
// isolation headers, a network with 2 gradient shares trains on 2 threads; served without
// them (a plain static host), on 1; the same steps give the same weights either way.
// Needs `dist/` from `trunk build --release`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST, launch, openPage } from './harness.mjs';
import { serveDir } from '../../scripts/static.mjs';

// An 8-unit network with `shares: 2`, batch 8, training trials of 40 time steps, after 1 step
// (`flipflop train --hidden 8 --batch 8 --trial-len 40 --shares 2 --steps 1 --seed 3`,
// then `flipflop link NET --kind exact`).
const LINK = 'net=RkZMAUXdAwAAhVBdSBRRFLaEisDNLMKyWr1FRYwyu2ul0869_WAomWXZ30NN4-7ojk07y8xkhvqgZUpRKv1AQmUSopGGaIm4c0fMIEIfSpSCfiQU0wwtpYd-pDu7RuFLB2bu-c659zvf-XbtSt2-Iy0pY05ISEgP-ZmnGfl_TqAKghswDgpovHoSMPkgU9TUYEEReYmTBC9B8TQFfKclVeDOiG7NAxg7KbgFiT8bTL2ySHoqYaLjbBTIEhVV42SvKmjcKZEQ2OhZRT4PMImJFBnvkr1uLpv3AWYLuaR5RGUG2miCc0RNExTAbDIFcF6ZC7CYYxyzopACp2QiydzBI7rdpu4E6u86vOTz8IQ1jjApgovLFHnSyOLJUsGC6BUJMZAVzSNny15eAsF6Nh_YII4uND0JgHwgKaYGmqYdpg8u04cAJMtnChpvM2FiMLcHcnNZwUcm2oRYUxavuTwBgS5J9M3ICrBz__hu2k6s4lQt-JQCuaQVuGBCO3muenhFIMBeWFiQE4NuJs9H7_dgKJzA7Nn1PbCZ0-G1gkl2uPQBnKrt19PDlsOS3AbIWVcbWdu68aBlqV-rno-OVYWiA7ILWpLr4fdUPz7cVAbnxkQanyuWwaikrah7clov6hjRG1ujjBUVNUzEgkpn37Npdti4CPnFFiP-yzhU227A9tMD7NaDYzAr4jq8tGHcOWxhUbp6td0zouBjj3phV14xrGGi8Y_RIfgqvJctsJ7Tjwy5YcUcGl3cMwVRaT2urA5HbzLy8IbQu7Dc0ovnqdOslcpol5wAGS0MO5owhUfLO_01L745u-RSPe3dL7wmtRH_3Mzi4olINuZhMV4yfcHJLM5B2gcLTKYi4cqJCOz_NA8zuB2ndOc54zt2o-g1b_3Wdfdw58ajzqLL9fi5fhzuOBRm7H_yFA8JFtzm3o4TRivgZNJyNLikSA_5T6QTH7TcCdjvCDXofXHs4yYrrqq1o9uGDTZcaIVldXX4ynAUOvjxvL7qyhgcGFyExIEU3LevDJfcX43unA9Hzdad_uiSfhz7uhLG1mSwYdRCo2VnKz731YH2ptxqSwt-ifmXXq79DedyBwc';

/** Threads the page reports for the last step (`data-threads` on the status). */
const threads = (page) => page.getByTestId('status').getAttribute('data-threads');

/** Clicks Step and waits until the snapshot of the new step is on screen. */
async function step(page) {
  const before = Number(await page.getByTestId('step-count').innerText());
  await page.getByTestId('step').click();
  await page.waitForFunction(
    (s) => {
      const fpStep = document.getElementById('matrix').getAttribute('data-fp-step');
      return fpStep === String(s) && document.querySelector('[data-testid=step-count]').textContent === fpStep;
    },
    before + 1,
    { timeout: 20_000 },
  );
}

/** Opens the link on `url` and waits for its network. */
async function open(browser, url) {
  const p = await openPage(browser, url + '#' + LINK);
  await p.page.waitForFunction(() => /Opened the exact link/.test(document.querySelector('[data-testid=status]').textContent), null, {
    timeout: 30_000,
  });
  await p.page.waitForFunction(() => document.getElementById('matrix')?.getAttribute('data-fp-step') === '1', null, { timeout: 30_000 });
  return p;
}

const fingerprint = (page) => page.evaluate(() => document.getElementById('matrix').getAttribute('data-weights-fp'));

test('isolated: 2 threads; not isolated: 1 thread; the same weights after the same steps', async () => {
  const isolated = await serveDir(DIST, 0);
  const plain = await serveDir(DIST, 0, { isolate: false });
  const browser = await launch();
  try {
    const a = await open(browser, isolated.url);
    assert.equal(await a.page.evaluate(() => self.crossOriginIsolated), true, 'the headers isolate the page');
    // The first steps run on the lead alone while the helper loads.
    let k = 0;
    while ((await threads(a.page)) !== '2') {
      assert.ok(k < 60, `2 threads within 60 steps (reported: ${await threads(a.page)})`);
      await step(a.page);
      k += 1;
    }
    for (let i = 0; i < 3; i += 1) await step(a.page);
    k += 3;
    assert.equal(await threads(a.page), '2', 'the pool keeps training on 2 threads');
    console.log(`2 threads after step ${k - 3} of ${k}`);

    const b = await open(browser, plain.url);
    assert.equal(await b.page.evaluate(() => self.crossOriginIsolated), false, 'no headers, no isolation');
    for (let i = 0; i < k; i += 1) await step(b.page);
    assert.equal(await threads(b.page), '1', 'without isolation the lab trains on one thread');
    assert.equal(await fingerprint(b.page), await fingerprint(a.page), `the same weights after ${k} steps`);
    assert.deepEqual([...a.errors, ...b.errors], [], 'no console errors');
  } finally {
    await browser.close();
    await isolated.close();
    await plain.close();
  }
});

test('a fresh network of the default preset trains on 2 threads where the page is isolated', async () => {
  // The default preset computes each step's gradient in 2 shares (`DEFAULT_SHARES`), so a
  // student who presses Train on a fresh network gets the second core without asking.
  const isolated = await serveDir(DIST, 0);
  const browser = await launch();
  try {
    const { page, errors } = await openPage(browser, `${isolated.url}?fresh`);
    await page.waitForFunction(() => document.querySelector('[data-testid=radius]').textContent !== '–', null, { timeout: 30_000 });
    await page.getByTestId('train').click();
    // The helper loads while the first steps run on the lead alone (the lab's machines have
    // 2 cores or more, as the test above assumes).
    await page.waitForFunction(() => document.querySelector('[data-testid=status]').getAttribute('data-threads') === '2', null, {
      timeout: 30_000,
    });
    await page.getByTestId('train').click();
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await browser.close();
    await isolated.close();
  }
});
