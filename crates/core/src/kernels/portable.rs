//! The tier every target has: [`crate::math::gemm`] on unpacked matrices (x86-64 CPUs
//! without AVX2, other targets, and the reference the tests compare the other tiers with).

use super::Tier;
use crate::math::{gemm, View};

/// The tier for every target: [`crate::math::gemm`] on unpacked matrices.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
pub(crate) struct Portable;

impl Tier for Portable {
    const BLOCK: usize = usize::MAX;
    const ROW_GRADS: bool = true;

    #[inline(always)]
    fn readout<const K: usize>(
        self,
        z: &mut [f32],
        h: &[f32],
        n: usize,
        w_out: &[f32],
        b_out: &[f32],
    ) {
        for (zr, hr) in z.chunks_exact_mut(K).zip(h.chunks_exact(n)) {
            readout_row::<K>(zr, hr, w_out, b_out);
        }
    }

    #[inline(always)]
    fn pack(self, _dst: &mut Vec<f32>, _w: &[f32], _n: usize, _transpose: bool) {}

    #[inline(always)]
    fn a_b(
        self,
        a: &[f32],
        rows: usize,
        n: usize,
        _packed: &[f32],
        w: &[f32],
        transpose: bool,
        accumulate: bool,
        c: &mut [f32],
        _ahead: &[f32],
    ) {
        let b = if transpose {
            View::rm_t(w, n, n)
        } else {
            View::rm(w, n, n)
        };
        let beta = if accumulate { 1.0 } else { 0.0 };
        gemm(1.0, View::rm(a, rows, n), b, beta, c);
    }

    #[inline(always)]
    fn at_b(
        self,
        rows: usize,
        d: &[f32],
        ldd: usize,
        m: usize,
        h: &[f32],
        ldh: usize,
        n: usize,
        accumulate: bool,
        c: &mut [f32],
    ) {
        let dt = View {
            data: d,
            rows: m,
            cols: rows,
            rs: 1,
            cs: ldd,
        };
        let hv = View {
            data: h,
            rows,
            cols: n,
            rs: ldh,
            cs: 1,
        };
        let beta = if accumulate { 1.0 } else { 0.0 };
        gemm(1.0, dt, hv, beta, c);
    }
}

/// `z[o] = b_out[o] + h · w_out[o]`, each dot product with eight partial sums.
#[inline(always)]
#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
fn readout_row<const K: usize>(z: &mut [f32], h: &[f32], w_out: &[f32], b_out: &[f32]) {
    let n = h.len();
    let w: [&[f32]; K] = core::array::from_fn(|o| &w_out[o * n..(o + 1) * n]);
    let mut acc = [[0.0f32; 8]; K];
    let chunks = n / 8;
    for c in 0..chunks {
        let hc = &h[c * 8..c * 8 + 8];
        for o in 0..K {
            let wc = &w[o][c * 8..c * 8 + 8];
            for l in 0..8 {
                acc[o][l] += hc[l] * wc[l];
            }
        }
    }
    for o in 0..K {
        let a = &acc[o];
        let mut s = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        for i in chunks * 8..n {
            s += h[i] * w[o][i];
        }
        z[o] = b_out[o] + s;
    }
}
