//! The AVX-512 tier (x86-64): 16-lane vectors with mask registers, and thin panel tails.

use super::ab::*;
use super::atb::*;
use super::vector::*;
use super::Tier;
use core::arch::x86_64::*;

use super::avx2::Ymm;

#[derive(Clone, Copy)]
struct Zmm(__m512);

impl Vector for Zmm {
    const LANES: usize = 16;
    type Mask = __mmask16;
    #[inline(always)]
    unsafe fn mask(lanes: usize) -> __mmask16 {
        ((1u32 << lanes) - 1) as __mmask16
    }
    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe { Zmm(_mm512_setzero_ps()) }
    }
    #[inline(always)]
    unsafe fn splat(p: *const f32) -> Self {
        // SAFETY: the caller guarantees the features and that `*p` is valid.
        unsafe { Zmm(_mm512_set1_ps(*p)) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { Zmm(_mm512_loadu_ps(p)) }
    }
    #[inline(always)]
    unsafe fn load_masked(p: *const f32, m: __mmask16) -> Self {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { Zmm(_mm512_maskz_loadu_ps(m, p)) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { _mm512_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn store_masked(self, p: *mut f32, m: __mmask16) {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { _mm512_mask_storeu_ps(p, m, self.0) }
    }
    #[inline(always)]
    unsafe fn fma(self, b: Self, c: Self) -> Self {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe { Zmm(_mm512_fmadd_ps(self.0, b.0, c.0)) }
    }
    #[inline(always)]
    unsafe fn hsum(self) -> f32 {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe {
            let x = _mm256_add_ps(
                _mm512_castps512_ps256(self.0),
                _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(self.0), 1)),
            );
            Ymm(x).hsum()
        }
    }
    const REGS: usize = 32;
    const THIN: bool = true;
    #[inline(always)]
    unsafe fn bcast_quad(p: *const f32) -> Self {
        // SAFETY: the caller guarantees the features and that these lanes at `p` are valid.
        unsafe { Zmm(_mm512_broadcast_f32x4(_mm_loadu_ps(p))) }
    }
    #[inline(always)]
    unsafe fn quad_sums(self) -> [f32; 4] {
        // SAFETY: the caller guarantees the features (registers only).
        unsafe {
            let x = self.0;
            // Within each group: add the neighbour, then the other pair.
            let x = _mm512_add_ps(x, _mm512_permute_ps::<0b10_11_00_01>(x));
            let x = _mm512_add_ps(x, _mm512_permute_ps::<0b01_00_11_10>(x));
            let mut out = [0.0f32; 16];
            _mm512_storeu_ps(out.as_mut_ptr(), x);
            [out[0], out[4], out[8], out[12]]
        }
    }
}

/// The AVX-512 tier: 16 lanes, 3 × 7-vector tiles (21 accumulators of 32 registers).
/// Exists only on a CPU with AVX-512F, AVX2 and FMA.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// The token, if this CPU has the features.
    pub(crate) fn detect() -> Option<Self> {
        (is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma"))
        .then_some(Avx512(()))
    }
}

tier_kernels!(Avx512, Zmm, 3, 7, #[target_feature(enable = "avx512f,avx2,fma")]);
