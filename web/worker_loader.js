// The training worker's entry point (a module worker the page starts). Two builds of the
// worker exist: worker_relaxed.js uses relaxed SIMD (fused multiply-add in the training
// kernels, ~12 % faster steps) and loads only in a browser that has it; worker.js needs
// plain simd128. This picks the first where the browser validates a tiny relaxed-SIMD
// module, and falls back to the plain build if that fails to load. `?kernels=simd128` on
// the page's address (passed on to this script's) forces the plain build.
const v128 = [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const 0
// One function () -> v128: three constants and f32x4.relaxed_madd (opcode 0xfd 0x105).
const probe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, ...v128, ...v128, ...v128, 0xfd, 0x85, 0x02, 0x0b, // code
]);

export function hasRelaxedSimd() {
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

const plainOnly = typeof self !== 'undefined' && self.location
  && new URL(self.location.href).searchParams.get('kernels') === 'simd128';

async function start() {
  if (!plainOnly && hasRelaxedSimd()) {
    try {
      const { default: init } = await import('./worker_relaxed.js');
      await init();
      return;
    } catch (e) {
      console.warn(`The relaxed-SIMD build of the worker did not load (${e}); using the simd128 build.`);
    }
  }
  const { default: init } = await import('./worker.js');
  await init();
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) await start();
