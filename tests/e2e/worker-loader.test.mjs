// The worker loader (web/worker_loader.js) picks the relaxed-SIMD build of the training
// worker when its probe module validates. The probe must predict whether the real relaxed
// build loads: checked in Node's V8 with relaxed SIMD switched off and on. Needs dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { DIST } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const loader = pathToFileURL(path.join(ROOT, 'web', 'worker_loader.js')).href;

function check(flag) {
  const script = `
    import fs from 'node:fs';
    import { hasRelaxedSimd } from ${JSON.stringify(loader)};
    const read = (f) => fs.readFileSync(${JSON.stringify(DIST)} + '/' + f);
    console.log(JSON.stringify({
      probe: hasRelaxedSimd(),
      relaxed: WebAssembly.validate(read('worker_relaxed_bg.wasm')),
      plain: WebAssembly.validate(read('worker_bg.wasm')),
    }));`;
  return JSON.parse(execFileSync(process.execPath, [flag, '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

test('the relaxed-SIMD probe predicts whether the relaxed worker build loads', () => {
  const off = check('--no-experimental-wasm-relaxed-simd');
  assert.deepEqual(off, { probe: false, relaxed: false, plain: true }, 'without relaxed SIMD: the plain build');
  const on = check('--experimental-wasm-relaxed-simd');
  assert.deepEqual(on, { probe: true, relaxed: true, plain: true }, 'with relaxed SIMD: the relaxed build');
});
