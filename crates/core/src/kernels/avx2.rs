//! The AVX2 tier (x86-64): 8-lane vectors.

use super::ab::*;
use super::atb::*;
use super::vector::*;
use super::Tier;
use core::arch::x86_64::*;

#[derive(Clone, Copy)]
pub(super) struct Ymm(pub(super) __m256);

impl Vector for Ymm {
    const LANES: usize = 8;
    type Mask = __m256i;
    #[inline(always)]
    unsafe fn mask(lanes: usize) -> __m256i {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe {
            _mm256_cmpgt_epi32(
                _mm256_set1_epi32(lanes as i32),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            )
        }
    }
    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe { Ymm(_mm256_setzero_ps()) }
    }
    #[inline(always)]
    unsafe fn splat(p: *const f32) -> Self {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { Ymm(_mm256_broadcast_ss(&*p)) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { Ymm(_mm256_loadu_ps(p)) }
    }
    #[inline(always)]
    unsafe fn load_masked(p: *const f32, m: __m256i) -> Self {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { Ymm(_mm256_maskload_ps(p, m)) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { _mm256_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn store_masked(self, p: *mut f32, m: __m256i) {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { _mm256_maskstore_ps(p, m, self.0) }
    }
    #[inline(always)]
    unsafe fn fma(self, b: Self, c: Self) -> Self {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe { Ymm(_mm256_fmadd_ps(self.0, b.0, c.0)) }
    }
    #[inline(always)]
    unsafe fn hsum(self) -> f32 {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe {
            let s = _mm_add_ps(
                _mm256_castps256_ps128(self.0),
                _mm256_extractf128_ps(self.0, 1),
            );
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_movehdup_ps(s));
            _mm_cvtss_f32(s)
        }
    }
    const REGS: usize = 16;
    const THIN: bool = false;
    unsafe fn bcast_quad(_p: *const f32) -> Self {
        unreachable!("AVX2 panels have no thin tail")
    }
    unsafe fn quad_sums(self) -> [f32; 4] {
        unreachable!("AVX2 panels have no thin tail")
    }
}

/// The AVX2 tier: 8 lanes, 3 × 3-vector tiles (9 accumulators of 16 registers).
/// Exists only on a CPU with AVX2 and FMA.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The token, if this CPU has the features.
    pub(crate) fn detect() -> Option<Self> {
        (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")).then_some(Avx2(()))
    }
}

tier_kernels!(Avx2, Ymm, 3, 3, #[target_feature(enable = "avx2,fma")]);
