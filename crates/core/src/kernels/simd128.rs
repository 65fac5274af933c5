//! WebAssembly SIMD (simd128, which every build for the browser enables): 4 lanes,
//! 3 × 3-vector tiles (16 registers, as V8 gives x86-64 code). Without relaxed SIMD there
//! is no fused multiply-add: `fma` multiplies and adds, rounding twice, the same on
//! every host.

use super::ab::*;
use super::atb::*;
use super::vector::*;
use super::Tier;

use core::arch::wasm32::*;

#[derive(Clone, Copy)]
struct F32x4(v128);

impl Vector for F32x4 {
    const LANES: usize = 4;
    /// The number of valid lanes.
    type Mask = usize;
    #[inline(always)]
    unsafe fn mask(lanes: usize) -> usize {
        lanes
    }
    #[inline(always)]
    unsafe fn zero() -> Self {
        F32x4(f32x4_splat(0.0))
    }
    #[inline(always)]
    unsafe fn splat(p: *const f32) -> Self {
        // SAFETY: the caller guarantees that `*p` is valid.
        unsafe { F32x4(v128_load32_splat(p.cast())) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees that these lanes at `p` are valid (wasm
        // loads need no alignment).
        unsafe { F32x4(v128_load(p.cast())) }
    }
    #[inline(always)]
    unsafe fn load_masked(p: *const f32, m: usize) -> Self {
        if m >= 4 {
            // SAFETY: all four lanes are valid (caller).
            return unsafe { Self::load(p) };
        }
        let mut buf = [0.0f32; 4];
        for (i, x) in buf.iter_mut().take(m).enumerate() {
            // SAFETY: the first `m` lanes at `p` are valid (caller).
            *x = unsafe { *p.add(i) };
        }
        // SAFETY: `buf` holds four floats.
        unsafe { Self::load(buf.as_ptr()) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees that these lanes at `p` are valid.
        unsafe { v128_store(p.cast(), self.0) }
    }
    #[inline(always)]
    unsafe fn store_masked(self, p: *mut f32, m: usize) {
        if m >= 4 {
            // SAFETY: all four lanes are valid (caller).
            return unsafe { self.store(p) };
        }
        let mut buf = [0.0f32; 4];
        // SAFETY: `buf` holds four floats.
        unsafe { self.store(buf.as_mut_ptr()) };
        for (i, x) in buf.iter().take(m).enumerate() {
            // SAFETY: the first `m` lanes at `p` are valid (caller).
            unsafe { *p.add(i) = *x };
        }
    }
    #[inline(always)]
    unsafe fn fma(self, b: Self, c: Self) -> Self {
        #[cfg(target_feature = "relaxed-simd")]
        return F32x4(f32x4_relaxed_madd(self.0, b.0, c.0));
        #[cfg(not(target_feature = "relaxed-simd"))]
        F32x4(f32x4_add(f32x4_mul(self.0, b.0), c.0))
    }
    #[inline(always)]
    unsafe fn hsum(self) -> f32 {
        let x = self.0;
        (f32x4_extract_lane::<0>(x) + f32x4_extract_lane::<2>(x))
            + (f32x4_extract_lane::<1>(x) + f32x4_extract_lane::<3>(x))
    }
    const REGS: usize = 16;
    const THIN: bool = false;
    unsafe fn bcast_quad(_p: *const f32) -> Self {
        unreachable!("simd128 panels have no thin tail")
    }
    unsafe fn quad_sums(self) -> [f32; 4] {
        unreachable!("simd128 panels have no thin tail")
    }
}

/// The WebAssembly SIMD tier (a build for wasm32 with simd128 always has it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Simd128;

// The kernels stay functions of their own (never inlined into the step): V8 compiles
// a small hot function with its optimising tier soon and keeps the tile's vectors
// in registers; inlined into the step, the wasm was 5x larger and 1.3-1.6x slower.
tier_kernels!(Simd128, F32x4, 3, 3, #[inline(never)]);
