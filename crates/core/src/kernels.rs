//! Matrix kernels of the training step, one implementation per instruction-set tier.
//!
//! The step needs three kinds of products:
//!
//! - `a_b`: `C (+)= A B` for a block of rows of `A` (`rows × k`) and a fixed `k × n` matrix `B`
//!   (W_recᵀ in the forward pass, W_rec in BPTT). These run once per time step, ~700 times
//!   per training step, always with the same `B`; so `B` is packed once per step (`pack`)
//!   into column panels that the micro-kernel streams with aligned full-width loads.
//! - `at_b`: `C (+)= Dᵀ H` summed over many rows (∂W_rec, ∂W_out, ∂W_in): the rows are
//!   taken in chunks small enough that a chunk of `H` stays close while every tile of `C`
//!   runs over it.
//! - `readout`: `Z = H W_outᵀ + b_out`, `K ≤ 8` dot products per row.
//!
//! With AVX-512 a last vector holding only 1–4 of a panel's columns (N = 100: 6 full
//! vectors and 4 columns) would waste 12–15 of its 16 lanes in every FMA; `a_b` stores those
//! columns for 4 rows of B in one vector instead, and `at_b` computes them transposed.
//!
//! The same packed kernels are written once over a vector type and instantiated for
//! AVX-512 and AVX2 (x86-64) and for WebAssembly's simd128 (the browser). [`Avx512`] and
//! [`Avx2`] are tokens that exist only once the CPU is known to have the features; their
//! kernels use FMA. The simd128 tier multiplies and adds (two roundings, the same on every
//! host), or, in the worker build with relaxed SIMD, uses `f32x4.relaxed_madd` (fused where
//! the CPU has FMA, which is every x86-64 since 2013 and every 64-bit ARM). [`Portable`]
//! (x86-64 CPUs without AVX2, other targets, and the tests' reference) calls
//! [`crate::math::gemm`]. Sums round differently per tier, never less exactly.

use crate::math::{gemm, View};

/// The kernels one tier provides. The element-wise work of the step is the same code for
/// every tier (compiled for the tier's instruction set by `train`'s `dispatch!`).
pub(crate) trait Tier: Copy {
    /// Rows per block of the per-step loops: the product of a block and its element-wise
    /// work run back to back while the block's rows are in L1. The whole batch (one GEMM
    /// call per step) for the portable tier.
    const BLOCK: usize;
    /// Portable: ∂W_out and ∂W_in are summed row by row in the backward pass and ∂W_rec by
    /// one GEMM over all of D afterwards. Otherwise all three are summed by [`Tier::at_b`]
    /// at each time step, while that step's blocks are still in cache, and BPTT keeps only
    /// two time blocks of G/D (a ring) instead of all of them.
    const ROW_GRADS: bool;

    /// `z[r] = b_out + W_out h[r]` for every row `r`: `z` is `rows × K`, `h` is `rows × n`,
    /// `w_out` is `K × n`, all row-major.
    fn readout<const K: usize>(
        self,
        z: &mut [f32],
        h: &[f32],
        n: usize,
        w_out: &[f32],
        b_out: &[f32],
    );

    /// Prepares `B` for [`Tier::a_b`]: `B = wᵀ` if `transpose`, else `w` (`w` is `n × n`
    /// row-major). Resizes `dst` only when its length changes.
    fn pack(self, dst: &mut Vec<f32>, w: &[f32], n: usize, transpose: bool);

    /// `c = (accumulate ? c : 0) + a B` for `rows` rows: `a` is `rows × n`, `c` is `rows × n`,
    /// both row-major with row stride `n`; `B` (`n × n`) was prepared by [`Tier::pack`] into
    /// `packed` from `w` and `transpose` (the portable tier reads `w` itself). The cache
    /// lines of `ahead` are fetched a few at a time during the product (a hint, for data
    /// used soon after: the misses overlap the arithmetic instead of stalling later).
    #[allow(clippy::too_many_arguments)]
    fn a_b(
        self,
        a: &[f32],
        rows: usize,
        n: usize,
        packed: &[f32],
        w: &[f32],
        transpose: bool,
        accumulate: bool,
        c: &mut [f32],
        ahead: &[f32],
    );

    /// `c = (accumulate ? c : 0) + Σ_s d[s]ᵀ h[s]` over `rows` rows `s`: `d` is `rows × m`
    /// with row stride `ldd`, `h` is `rows × n` with row stride `ldh`, `c` is `m × n`
    /// row-major (row stride `n`).
    #[allow(clippy::too_many_arguments)]
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
    );
}

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

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use simd::wasm::Simd128;
#[cfg(target_arch = "x86_64")]
pub(crate) use simd::x86::{Avx2, Avx512};

/// The packed-panel kernels, written once over a SIMD vector type ([`Vector`](simd::Vector)):
/// AVX-512 and AVX2 on x86-64 (`x86`), simd128 in the browser (`wasm`).
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod simd {
    use super::Tier;

    /// One SIMD register of f32 lanes: the few operations the kernels need.
    ///
    /// Every method is `unsafe`: it may only run on a CPU with the type's features (the
    /// kernels are called only through a tier token, which proves that), and the pointer
    /// methods read or write `LANES` (or `lanes`/the masked) floats at `p`, which the caller
    /// guarantees are inside its slices.
    trait Vector: Copy {
        const LANES: usize;
        /// A lane mask selecting the first `lanes` lanes (`lanes <= LANES`).
        type Mask: Copy;
        unsafe fn mask(lanes: usize) -> Self::Mask;
        unsafe fn zero() -> Self;
        unsafe fn splat(p: *const f32) -> Self;
        unsafe fn load(p: *const f32) -> Self;
        /// Loads the masked lanes, zero elsewhere; reads nothing outside the mask.
        unsafe fn load_masked(p: *const f32, m: Self::Mask) -> Self;
        unsafe fn store(self, p: *mut f32);
        /// Stores the masked lanes only.
        unsafe fn store_masked(self, p: *mut f32, m: Self::Mask);
        /// `self * b + c`, one rounding.
        unsafe fn fma(self, b: Self, c: Self) -> Self;
        /// The sum of the lanes.
        unsafe fn hsum(self) -> f32;
        /// Vector registers of the instruction set.
        const REGS: usize;
        /// Whether [`a_b`] may store a panel's last vector as a thin tail (≤ 4 columns,
        /// 4 rows of B per vector), which needs the two methods below.
        const THIN: bool;
        /// The 4 floats at `p` repeated in every group of 4 lanes (`THIN` only).
        unsafe fn bcast_quad(p: *const f32) -> Self;
        /// The sums of the 4 groups of 4 lanes (`THIN` only).
        unsafe fn quad_sums(self) -> [f32; 4];
    }

    /// Offset (in floats) of the first 64-byte aligned element of `v` (0 if `v` is empty).
    #[inline(always)]
    fn aligned_start(v: &[f32]) -> usize {
        let off = v.as_ptr().align_offset(64);
        if off < 16 {
            off
        } else {
            0
        }
    }

    /// Column panels of an `n`-column matrix for `lanes`-wide vectors: the `⌈n / L⌉`
    /// vectors split into `⌈vectors / nv⌉` panels as evenly as possible (N 128 with 7-vector
    /// panels: 4 + 4, not 7 + 1). Yields each panel's first column and columns; only the
    /// last panel can end in a partial vector.
    fn panels(n: usize, lanes: usize, nv: usize) -> impl Iterator<Item = (usize, usize)> {
        let vectors = n.div_ceil(lanes);
        let count = vectors.div_ceil(nv);
        let (base, extra) = (vectors / count.max(1), vectors % count.max(1));
        (0..count).scan(0usize, move |j0, c| {
            let start = *j0;
            let width = (base + usize::from(c < extra)) * lanes;
            *j0 += width;
            Some((start, width.min(n - start)))
        })
    }

    /// How a panel of `cols` columns is stored: `nvf` full vectors per row of B, and with
    /// `thin` its last `cols - nvf L` (1 to 4) columns as a thin tail, the tail columns of 4
    /// consecutive rows of B in one vector (`[c 4 + q] = B[4 g + q][tail + c]`) after those
    /// 4 rows' full vectors. A tail of 4 columns then costs 1 FMA per 4 rows instead of 4.
    #[inline(always)]
    fn panel_shape(cols: usize, lanes: usize, thin_ok: bool) -> (usize, bool) {
        let nv = cols.div_ceil(lanes);
        if thin_ok && lanes == 16 && nv >= 2 && cols - (nv - 1) * lanes <= 4 {
            (nv - 1, true)
        } else {
            (nv, false)
        }
    }

    /// Floats a panel takes for `k` rows of B.
    #[inline(always)]
    fn panel_len(k: usize, lanes: usize, nvf: usize, thin: bool) -> usize {
        if thin {
            k.div_ceil(4) * (4 * nvf * lanes + lanes)
        } else {
            k * nvf * lanes
        }
    }

    /// Floats of a packed `n × n` B.
    fn packed_len(n: usize, lanes: usize, nv: usize, thin_ok: bool) -> usize {
        panels(n, lanes, nv)
            .map(|(_, cols)| {
                let (nvf, thin) = panel_shape(cols, lanes, thin_ok);
                panel_len(n, lanes, nvf, thin)
            })
            .sum()
    }

    /// Packs `B` (`B[p][j] = w[j n + p]` if `transpose`, else `w[p n + j]`, `n × n`) panel
    /// after panel (see [`panels`], [`panel_shape`]), zero-padded, starting at the first
    /// 64-byte aligned float of `dst`. A normal panel holds, for each `p`, its full
    /// vectors of row `p`.
    fn pack(
        dst: &mut Vec<f32>,
        w: &[f32],
        n: usize,
        transpose: bool,
        lanes: usize,
        nv: usize,
        thin_ok: bool,
    ) {
        let w = &w[..n * n];
        let len = packed_len(n, lanes, nv, thin_ok) + 16;
        if dst.len() != len {
            dst.clear();
            dst.resize(len, 0.0);
        }
        let start = aligned_start(dst);
        let out = &mut dst[start..start + len - 16];
        let b = |p: usize, j: usize| {
            if p >= n || j >= n {
                0.0
            } else if transpose {
                w[j * n + p]
            } else {
                w[p * n + j]
            }
        };
        let mut off = 0;
        for (j0, cols) in panels(n, lanes, nv) {
            let (nvf, thin) = panel_shape(cols, lanes, thin_ok);
            let plen = panel_len(n, lanes, nvf, thin);
            let panel = &mut out[off..off + plen];
            off += plen;
            let width = nvf * lanes;
            if !thin {
                for (p, row) in panel.chunks_exact_mut(width).enumerate() {
                    for (l, o) in row.iter_mut().enumerate() {
                        *o = b(p, j0 + l);
                    }
                }
                continue;
            }
            for (g, group) in panel.chunks_exact_mut(4 * width + lanes).enumerate() {
                let (full, tail) = group.split_at_mut(4 * width);
                for (q, row) in full.chunks_exact_mut(width).enumerate() {
                    for (l, o) in row.iter_mut().enumerate() {
                        *o = b(4 * g + q, j0 + l);
                    }
                }
                for (i, o) in tail.iter_mut().enumerate() {
                    *o = b(4 * g + i % 4, j0 + width + i / 4);
                }
            }
        }
    }

    /// Rows of the next tile: `mr` while at least `mr` remain, except that `mr + 1` rows
    /// left become two tiles of about half rather than `mr` and a single row.
    #[inline(always)]
    fn tile_rows(left: usize, mr: usize) -> usize {
        if left == mr + 1 && mr >= 3 {
            left / 2
        } else {
            left.min(mr)
        }
    }

    /// `MR × NV` tile of `C (+)= A B`: `A` rows at `a` (stride `lda`, `k` columns), `B` the
    /// packed panel at `b` (`k` rows of `NV` vectors), `C` at `c` (stride `ldc`, `cols`
    /// valid columns, `cols > (NV - 1) L`).
    ///
    /// # Safety
    /// The CPU has `V`'s features; the pointers cover the ranges above.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn ab_tile<V: Vector, const MR: usize, const NV: usize>(
        k: usize,
        a: *const f32,
        lda: usize,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        cols: usize,
        accumulate: bool,
        pf: Prefetch,
    ) {
        // SAFETY: guaranteed by the caller (see above); the last vector of each C row is
        // accessed through a mask of its valid lanes.
        unsafe {
            let last = V::mask(cols - (NV - 1) * V::LANES);
            let mut acc = [[V::zero(); NV]; MR];
            if accumulate {
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    for (v, x) in acc_r.iter_mut().enumerate() {
                        let p = c.add(r * ldc + v * V::LANES);
                        *x = if v + 1 < NV {
                            V::load(p)
                        } else {
                            V::load_masked(p, last)
                        };
                    }
                }
            }
            let mut bp = b;
            for p in 0..k {
                if p % 4 == 0 {
                    pf.line(p / 4);
                }
                let bv: [V; NV] = core::array::from_fn(|v| V::load(bp.add(v * V::LANES)));
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    let x = V::splat(a.add(r * lda + p));
                    for (y, bv) in acc_r.iter_mut().zip(&bv) {
                        *y = x.fma(*bv, *y);
                    }
                }
                bp = bp.add(NV * V::LANES);
            }
            for (r, acc_r) in acc.iter().enumerate() {
                for (v, x) in acc_r.iter().enumerate() {
                    let p = c.add(r * ldc + v * V::LANES);
                    if v + 1 < NV {
                        x.store(p)
                    } else {
                        x.store_masked(p, last)
                    }
                }
            }
        }
    }

    /// `MR × (NVF L + tail)` tile of `C (+)= A B` over a thin-tail panel (see
    /// [`panel_shape`]): `A` rows at `a` (stride `lda`, `k` columns), the panel's groups at
    /// `b`, `C` at `c` (stride `ldc`; `NVF` full vectors, then `tail` ≤ 4 columns).
    ///
    /// # Safety
    /// The CPU has `V`'s features and `V::THIN`; the pointers cover the ranges above.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn ab_tile_thin<V: Vector, const MR: usize, const NVF: usize>(
        k: usize,
        a: *const f32,
        lda: usize,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        tail: usize,
        accumulate: bool,
        pf: Prefetch,
    ) {
        // SAFETY: guaranteed by the caller. `a` is read at columns < k only (the last,
        // partial group's quad is copied to a zero-padded array first).
        unsafe {
            let l = V::LANES;
            let mut acc = [[V::zero(); NVF]; MR];
            let mut tacc = [V::zero(); MR];
            if accumulate {
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    for (v, x) in acc_r.iter_mut().enumerate() {
                        *x = V::load(c.add(r * ldc + v * l));
                    }
                }
            }
            let (groups, rem) = (k / 4, k % 4);
            let mut bp = b;
            for g in 0..groups + usize::from(rem > 0) {
                pf.line(g);
                let rows_here = if g < groups { 4 } else { rem };
                for q in 0..rows_here {
                    let p = 4 * g + q;
                    let bv: [V; NVF] = core::array::from_fn(|v| V::load(bp.add((q * NVF + v) * l)));
                    for (r, acc_r) in acc.iter_mut().enumerate() {
                        let x = V::splat(a.add(r * lda + p));
                        for (y, bv) in acc_r.iter_mut().zip(&bv) {
                            *y = x.fma(*bv, *y);
                        }
                    }
                }
                let tb = V::load(bp.add(4 * NVF * l));
                for (r, t) in tacc.iter_mut().enumerate() {
                    let ap = a.add(r * lda + 4 * g);
                    let quad = if g < groups {
                        V::bcast_quad(ap)
                    } else {
                        let mut q = [0.0f32; 4];
                        for (i, x) in q.iter_mut().take(rem).enumerate() {
                            *x = *ap.add(i);
                        }
                        V::bcast_quad(q.as_ptr())
                    };
                    *t = quad.fma(tb, *t);
                }
                bp = bp.add(4 * NVF * l + l);
            }
            for (r, acc_r) in acc.iter().enumerate() {
                for (v, x) in acc_r.iter().enumerate() {
                    x.store(c.add(r * ldc + v * l));
                }
            }
            for (r, t) in tacc.iter().enumerate() {
                let sums = t.quad_sums();
                let cp = c.add(r * ldc + NVF * l);
                for (i, s) in sums.iter().take(tail).enumerate() {
                    *cp.add(i) = if accumulate { *cp.add(i) + s } else { *s };
                }
            }
        }
    }

    /// `MR × NV` tile of `C (+)= Σ_s D[s]ᵀ H[s]` over `rows` rows: `D` columns at `d`
    /// (stride `ldd`, the tile's `MR` rows of C), `H` columns at `h` (stride `ldh`, `cols`
    /// valid columns, `cols > (NV - 1) L`), `C` at `c` (stride `ldc`).
    ///
    /// # Safety
    /// The CPU has `V`'s features; the pointers cover the ranges above.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn atb_tile<V: Vector, const MR: usize, const NV: usize>(
        rows: usize,
        d: *const f32,
        ldd: usize,
        h: *const f32,
        ldh: usize,
        c: *mut f32,
        ldc: usize,
        cols: usize,
        accumulate: bool,
    ) {
        // SAFETY: guaranteed by the caller; the last vector of each H and C row is accessed
        // through a mask of its valid lanes.
        unsafe {
            let last = V::mask(cols - (NV - 1) * V::LANES);
            let mut acc = [[V::zero(); NV]; MR];
            if accumulate {
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    for (v, x) in acc_r.iter_mut().enumerate() {
                        let p = c.add(r * ldc + v * V::LANES);
                        *x = if v + 1 < NV {
                            V::load(p)
                        } else {
                            V::load_masked(p, last)
                        };
                    }
                }
            }
            let (mut dp, mut hp) = (d, h);
            for _ in 0..rows {
                let hv: [V; NV] = core::array::from_fn(|v| {
                    let p = hp.add(v * V::LANES);
                    if v + 1 < NV {
                        V::load(p)
                    } else {
                        V::load_masked(p, last)
                    }
                });
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    let x = V::splat(dp.add(r));
                    for (y, hv) in acc_r.iter_mut().zip(&hv) {
                        *y = x.fma(*hv, *y);
                    }
                }
                dp = dp.add(ldd);
                hp = hp.add(ldh);
            }
            for (r, acc_r) in acc.iter().enumerate() {
                for (v, x) in acc_r.iter().enumerate() {
                    let p = c.add(r * ldc + v * V::LANES);
                    if v + 1 < NV {
                        x.store(p)
                    } else {
                        x.store_masked(p, last)
                    }
                }
            }
        }
    }

    /// Calls `$f::<$v, MR, NV>($args)` for runtime `$mr` in 1..=3 and `$nv` in 1..=7.
    macro_rules! by_tile {
        ($f:ident, $v:ty, $mr:expr, $nv:expr, ($($arg:expr),*)) => {
            match ($mr, $nv) {
                (3, 7) => $f::<$v, 3, 7>($($arg),*),
                (3, 6) => $f::<$v, 3, 6>($($arg),*),
                (3, 5) => $f::<$v, 3, 5>($($arg),*),
                (3, 4) => $f::<$v, 3, 4>($($arg),*),
                (3, 3) => $f::<$v, 3, 3>($($arg),*),
                (3, 2) => $f::<$v, 3, 2>($($arg),*),
                (3, 1) => $f::<$v, 3, 1>($($arg),*),
                (2, 7) => $f::<$v, 2, 7>($($arg),*),
                (2, 6) => $f::<$v, 2, 6>($($arg),*),
                (2, 5) => $f::<$v, 2, 5>($($arg),*),
                (2, 4) => $f::<$v, 2, 4>($($arg),*),
                (2, 3) => $f::<$v, 2, 3>($($arg),*),
                (2, 2) => $f::<$v, 2, 2>($($arg),*),
                (2, 1) => $f::<$v, 2, 1>($($arg),*),
                (1, 7) => $f::<$v, 1, 7>($($arg),*),
                (1, 6) => $f::<$v, 1, 6>($($arg),*),
                (1, 5) => $f::<$v, 1, 5>($($arg),*),
                (1, 4) => $f::<$v, 1, 4>($($arg),*),
                (1, 3) => $f::<$v, 1, 3>($($arg),*),
                (1, 2) => $f::<$v, 1, 2>($($arg),*),
                (1, 1) => $f::<$v, 1, 1>($($arg),*),
                _ => unreachable!("tile shape"),
            }
        };
    }

    /// As `by_tile!`, and also `$mr` = 4 with `$nv` in 1..=6.
    macro_rules! by_tile4 {
        ($f:ident, $v:ty, $mr:expr, $nv:expr, ($($arg:expr),*)) => {
            match ($mr, $nv) {
                (4, 6) => $f::<$v, 4, 6>($($arg),*),
                (4, 5) => $f::<$v, 4, 5>($($arg),*),
                (4, 4) => $f::<$v, 4, 4>($($arg),*),
                (4, 3) => $f::<$v, 4, 3>($($arg),*),
                (4, 2) => $f::<$v, 4, 2>($($arg),*),
                (4, 1) => $f::<$v, 4, 1>($($arg),*),
                (mr, nv) => by_tile!($f, $v, mr, nv, ($($arg),*)),
            }
        };
    }

    /// `C[i][c] += Σ_s H[s][c] D[s][i]` for the `W` (≤ 4) columns at `h`/`c` and the `mi`
    /// rows `i` of C at `c` (`NVI` vectors along `i`, read from D's rows at `d`), over
    /// `rows` rows `s`: the thin last columns of [`at_b`], transposed so that the vectors
    /// run along the long side.
    ///
    /// # Safety
    /// The CPU has `V`'s features; the pointers cover the ranges above.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn atb_tail<V: Vector, const W: usize, const NVI: usize>(
        rows: usize,
        d: *const f32,
        ldd: usize,
        h: *const f32,
        ldh: usize,
        c: *mut f32,
        ldc: usize,
        mi: usize,
    ) {
        // SAFETY: guaranteed by the caller; the last vector along i is masked.
        unsafe {
            let l = V::LANES;
            let last = V::mask(mi - (NVI - 1) * l);
            let mut acc = [[V::zero(); NVI]; W];
            let (mut dp, mut hp) = (d, h);
            for _ in 0..rows {
                let dv: [V; NVI] = core::array::from_fn(|v| {
                    if v + 1 < NVI {
                        V::load(dp.add(v * l))
                    } else {
                        V::load_masked(dp.add(v * l), last)
                    }
                });
                for (cc, acc_c) in acc.iter_mut().enumerate() {
                    let x = V::splat(hp.add(cc));
                    for (y, dv) in acc_c.iter_mut().zip(&dv) {
                        *y = x.fma(*dv, *y);
                    }
                }
                dp = dp.add(ldd);
                hp = hp.add(ldh);
            }
            let mut buf = [0.0f32; 16];
            for (cc, acc_c) in acc.iter().enumerate() {
                for (v, x) in acc_c.iter().enumerate() {
                    x.store(buf.as_mut_ptr());
                    for (lane, s) in buf.iter().take((mi - v * l).min(l)).enumerate() {
                        *c.add((v * l + lane) * ldc + cc) += s;
                    }
                }
            }
        }
    }

    /// Calls `atb_tail::<$v, W, NVI>($args)` for runtime `$w` and `$nvi` in 1..=4.
    macro_rules! by_tail {
        ($v:ty, $w:expr, $nvi:expr, ($($arg:expr),*)) => {
            match ($w, $nvi) {
                (4, 4) => atb_tail::<$v, 4, 4>($($arg),*),
                (4, 3) => atb_tail::<$v, 4, 3>($($arg),*),
                (4, 2) => atb_tail::<$v, 4, 2>($($arg),*),
                (4, 1) => atb_tail::<$v, 4, 1>($($arg),*),
                (3, 4) => atb_tail::<$v, 3, 4>($($arg),*),
                (3, 3) => atb_tail::<$v, 3, 3>($($arg),*),
                (3, 2) => atb_tail::<$v, 3, 2>($($arg),*),
                (3, 1) => atb_tail::<$v, 3, 1>($($arg),*),
                (2, 4) => atb_tail::<$v, 2, 4>($($arg),*),
                (2, 3) => atb_tail::<$v, 2, 3>($($arg),*),
                (2, 2) => atb_tail::<$v, 2, 2>($($arg),*),
                (2, 1) => atb_tail::<$v, 2, 1>($($arg),*),
                (1, 4) => atb_tail::<$v, 1, 4>($($arg),*),
                (1, 3) => atb_tail::<$v, 1, 3>($($arg),*),
                (1, 2) => atb_tail::<$v, 1, 2>($($arg),*),
                (1, 1) => atb_tail::<$v, 1, 1>($($arg),*),
                _ => unreachable!("tail shape"),
            }
        };
    }

    /// `c (+)= a B` (see [`Tier::a_b`]) with tiles of at most `MR` rows and panels of `NV`
    /// vectors, `NV <= 7`, `MR <= 3`.
    ///
    /// # Safety
    /// The CPU has `V`'s features.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn a_b<V: Vector, const MR: usize, const NV: usize>(
        a: &[f32],
        rows: usize,
        n: usize,
        packed: &[f32],
        accumulate: bool,
        c: &mut [f32],
        ahead: &[f32],
    ) {
        if rows == 0 || n == 0 {
            return;
        }
        let l = V::LANES;
        let start = aligned_start(packed);
        let packed = &packed[start..start + packed_len(n, l, NV, V::THIN)];
        assert!(
            a.len() >= rows * n && c.len() >= rows * n,
            "a_b: slices too short"
        );
        // `ahead` is spread over the tiles of the first panel's first run, a line every 4
        // rows of B.
        let tiles = rows.div_ceil(MR);
        let lines = (ahead.len() * 4).div_ceil(64);
        let per_tile = lines.div_ceil(tiles.max(1));
        let mut off = 0;
        for (j0, cols) in panels(n, l, NV) {
            let (nvf, thin) = panel_shape(cols, l, V::THIN);
            let plen = panel_len(n, l, nvf, thin);
            let panel = &packed[off..off + plen];
            off += plen;
            // Runs of k (rows of the panel) short enough that a run stays in L1 while every
            // tile of the block goes over it (a multiple of 4 rows: whole thin groups).
            let row_bytes = 4 * (nvf + 1) * l;
            let runs = n.div_ceil((A_B_RUN_BYTES / row_bytes).max(8));
            let kc = n.div_ceil(runs).next_multiple_of(4);
            for p0 in (0..n).step_by(kc) {
                let kk = kc.min(n - p0);
                let acc = accumulate || p0 > 0;
                let mut i0 = 0;
                let mut line = 0;
                while i0 < rows {
                    let mr = tile_rows(rows - i0, MR);
                    let pf = if j0 == 0 && p0 == 0 {
                        let count = per_tile.min(lines - line.min(lines));
                        line += count;
                        Prefetch::new(ahead, line - count, count)
                    } else {
                        Prefetch::none()
                    };
                    if thin {
                        // SAFETY: the tile reads rows i0..i0+mr, columns p0..p0+kk of `a`
                        // (inside `a[..rows n]`), the panel's groups for rows p0..p0+kk
                        // (p0 is a multiple of 4; inside `panel`), and writes rows
                        // i0..i0+mr, columns j0..j0+cols of `c` (inside `c[..rows n]`);
                        // `thin` implies `V::THIN`; the CPU has V's features (caller).
                        unsafe {
                            let ap = a.as_ptr().add(i0 * n + p0);
                            let cp = c.as_mut_ptr().add(i0 * n + j0);
                            let bp = panel.as_ptr().add(p0 / 4 * (4 * nvf * l + l));
                            let tail = cols - nvf * l;
                            by_tile!(
                                ab_tile_thin,
                                V,
                                mr,
                                nvf,
                                (kk, ap, n, bp, cp, n, tail, acc, pf)
                            )
                        };
                    } else {
                        // SAFETY: as above, with panel rows p0..p0+kk of nvf vectors each
                        // and the partial last vector of each row of `c` masked.
                        unsafe {
                            let ap = a.as_ptr().add(i0 * n + p0);
                            let cp = c.as_mut_ptr().add(i0 * n + j0);
                            let bp = panel.as_ptr().add(p0 * nvf * l);
                            by_tile!(ab_tile, V, mr, nvf, (kk, ap, n, bp, cp, n, cols, acc, pf))
                        };
                    }
                    i0 += mr;
                }
            }
        }
    }

    /// Up to `count` cache lines of a slice, from its line `first` on, to prefetch one at a
    /// time from inside a kernel's loop (spread out, so that the misses overlap the FMAs
    /// instead of filling the line-fill buffers all at once).
    #[derive(Clone, Copy)]
    struct Prefetch<'a> {
        data: &'a [f32],
        first: usize,
        count: usize,
    }

    impl<'a> Prefetch<'a> {
        fn new(data: &'a [f32], first: usize, count: usize) -> Self {
            Prefetch { data, first, count }
        }

        fn none() -> Self {
            Prefetch {
                data: &[],
                first: 0,
                count: 0,
            }
        }

        /// Fetches line `i` of this share, if it has one.
        #[inline(always)]
        fn line(self, i: usize) {
            if i < self.count {
                let idx = ((self.first + i) * 16).min(self.data.len().saturating_sub(1));
                if let Some(x) = self.data.get(idx) {
                    // SAFETY: a prefetch never faults and changes nothing the program can
                    // observe; the address is that of a valid reference.
                    #[cfg(target_arch = "x86_64")]
                    unsafe {
                        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                        _mm_prefetch::<_MM_HINT_T0>((x as *const f32).cast())
                    }
                    // WebAssembly has no prefetch.
                    #[cfg(not(target_arch = "x86_64"))]
                    let _ = x;
                }
            }
        }
    }

    /// Bytes of a panel's run of rows in [`a_b`].
    const A_B_RUN_BYTES: usize = 48 * 1024;

    /// `z[r] = b + W h[r]` (see [`Tier::readout`]).
    ///
    /// # Safety
    /// The CPU has `V`'s features.
    #[inline(always)]
    unsafe fn readout<V: Vector, const K: usize>(
        z: &mut [f32],
        h: &[f32],
        n: usize,
        w: &[f32],
        b: &[f32],
    ) {
        let rows = z.len() / K;
        if rows == 0 || n == 0 {
            return;
        }
        assert!(
            h.len() >= rows * n && w.len() >= K * n && b.len() >= K,
            "readout: slices too short"
        );
        let l = V::LANES;
        let nv = n.div_ceil(l);
        // SAFETY: row r reads h[r n .. r n + n] and w[o n .. o n + n] (the partial last
        // vector masked), inside the slices by the assert; the CPU has V's features.
        unsafe {
            let last = V::mask(n - (nv - 1) * l);
            let wp = w.as_ptr();
            for (r, zr) in z.chunks_exact_mut(K).enumerate() {
                let hp = h.as_ptr().add(r * n);
                let mut acc = [V::zero(); K];
                for v in 0..nv - 1 {
                    let hv = V::load(hp.add(v * l));
                    for (o, a) in acc.iter_mut().enumerate() {
                        *a = hv.fma(V::load(wp.add(o * n + v * l)), *a);
                    }
                }
                let v = nv - 1;
                let hv = V::load_masked(hp.add(v * l), last);
                for (o, a) in acc.iter_mut().enumerate() {
                    *a = hv.fma(V::load_masked(wp.add(o * n + v * l), last), *a);
                }
                for ((z, a), b) in zr.iter_mut().zip(&acc).zip(b) {
                    *z = b + a.hsum();
                }
            }
        }
    }

    /// Rows of `D` and `H` per chunk of [`at_b`]: a chunk of `H` (≤ 7 vectors per row)
    /// stays close (mostly L1) while every tile of `C` runs over it. Measured on the
    /// reference workload (128 rows per call): 64 beats 32 and 128 (7.1 vs 7.6 and 10.5 ms
    /// per training step's ∂W_rec).
    const AT_B_CHUNK: usize = 64;

    /// `c (+)= Σ_s d[s]ᵀ h[s]` (see [`Tier::at_b`]).
    ///
    /// # Safety
    /// The CPU has `V`'s features.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn at_b<V: Vector, const MR: usize, const NV: usize>(
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
        if m == 0 || n == 0 {
            return;
        }
        assert!(c.len() >= m * n, "at_b: output too short");
        if !accumulate {
            c[..m * n].fill(0.0);
        }
        if rows == 0 {
            return;
        }
        assert!(ldd >= m && ldh >= n, "at_b: strides");
        assert!(
            d.len() >= (rows - 1) * ldd + m && h.len() >= (rows - 1) * ldh + n,
            "at_b: slices too short"
        );
        let l = V::LANES;
        // Tiles of 4 rows when the accumulators (4 nv), the row of h (nv) and the broadcast
        // fit the registers with one to spare (AVX-512 with 6 vectors: 31 of 32; AVX2 keeps
        // 3 rows, measured 15 vs 17-20 ms per ∂W_rec).
        let mr_for = |nv: usize| if nv * 5 + 1 < V::REGS { 4 } else { MR };
        for s0 in (0..rows).step_by(AT_B_CHUNK) {
            let rs = (rows - s0).min(AT_B_CHUNK);
            for (j0, all_cols) in panels(n, l, NV) {
                // A thin last vector (≤ 4 columns) is done transposed, by `atb_tail`,
                // after the tiles.
                let (nvf, thin) = panel_shape(all_cols, l, V::THIN && m >= 16);
                let cols = if thin { nvf * l } else { all_cols };
                let nv = cols.div_ceil(l);
                let mr_max = mr_for(nv);
                let mut i0 = 0;
                while i0 < m {
                    let mr = tile_rows(m - i0, mr_max);
                    // SAFETY: the tile reads d[s ldd + i0 .. + mr] and h[s ldh + j0 .. + cols]
                    // (the partial last vector masked) for s in s0..s0+rs < rows (inside the
                    // slices by the assert above), and C rows i0..i0+mr < m, columns
                    // j0..j0+cols ≤ n (inside c[..m n]); the CPU has V's features (caller).
                    unsafe {
                        by_tile4!(
                            atb_tile,
                            V,
                            mr,
                            nv,
                            (
                                rs,
                                d.as_ptr().add(s0 * ldd + i0),
                                ldd,
                                h.as_ptr().add(s0 * ldh + j0),
                                ldh,
                                c.as_mut_ptr().add(i0 * n + j0),
                                n,
                                cols,
                                true
                            )
                        )
                    };
                    i0 += mr;
                }
                // The thin last columns, while the chunk's rows are in cache.
                if thin {
                    let (jt, tail) = (j0 + cols, all_cols - cols);
                    for i0 in (0..m).step_by(4 * l) {
                        let mi = (m - i0).min(4 * l);
                        // SAFETY: reads d[s ldd + i0 .. + mi] (the partial last vector
                        // masked) and h[s ldh + jt .. + tail] for s in s0..s0+rs < rows, and
                        // updates C rows i0..i0+mi < m, columns jt..jt+tail ≤ n: inside the
                        // slices by the asserts above; the CPU has V's features (caller).
                        unsafe {
                            by_tail!(
                                V,
                                tail,
                                mi.div_ceil(l),
                                (
                                    rs,
                                    d.as_ptr().add(s0 * ldd + i0),
                                    ldd,
                                    h.as_ptr().add(s0 * ldh + jt),
                                    ldh,
                                    c.as_mut_ptr().add(i0 * n + jt),
                                    n,
                                    mi
                                )
                            )
                        };
                    }
                }
            }
        }
    }

    /// The entry points of one tier's kernels and its [`Tier`] impl: vector type `$v`,
    /// tiles of `$mr` rows and panels of `$nv` vectors, each kernel compiled as its own
    /// function with `$attr` (x86-64: the tier's `target_feature`; wasm: out of line).
    ///
    /// Sound because a value of the tier type exists only where its instruction set runs:
    /// x86-64 tokens come from run-time detection, and a wasm build with simd128 does not
    /// load in a browser without it.
    macro_rules! tier_kernels {
        ($tier:ident, $v:ty, $mr:literal, $nv:literal, #[$attr:meta]) => {
            impl Tier for $tier {
                const BLOCK: usize = 24;
                const ROW_GRADS: bool = false;

                #[inline(always)]
                #[allow(unused_unsafe)]
                fn readout<const K: usize>(
                    self,
                    z: &mut [f32],
                    h: &[f32],
                    n: usize,
                    w_out: &[f32],
                    b_out: &[f32],
                ) {
                    #[$attr]
                    fn kernel<const K: usize>(
                        z: &mut [f32],
                        h: &[f32],
                        n: usize,
                        w: &[f32],
                        b: &[f32],
                    ) {
                        // SAFETY: see the macro (the tier's instruction set runs here).
                        unsafe { readout::<$v, K>(z, h, n, w, b) }
                    }
                    // SAFETY: as above (`self` is the token).
                    unsafe { kernel::<K>(z, h, n, w_out, b_out) }
                }

                fn pack(self, dst: &mut Vec<f32>, w: &[f32], n: usize, transpose: bool) {
                    pack(dst, w, n, transpose, <$v>::LANES, $nv, <$v>::THIN);
                }

                #[inline(always)]
                #[allow(unused_unsafe)]
                fn a_b(
                    self,
                    a: &[f32],
                    rows: usize,
                    n: usize,
                    packed: &[f32],
                    _w: &[f32],
                    _transpose: bool,
                    accumulate: bool,
                    c: &mut [f32],
                    ahead: &[f32],
                ) {
                    #[$attr]
                    fn kernel(
                        a: &[f32],
                        rows: usize,
                        n: usize,
                        packed: &[f32],
                        acc: bool,
                        c: &mut [f32],
                        ahead: &[f32],
                    ) {
                        // SAFETY: see the macro.
                        unsafe { a_b::<$v, $mr, $nv>(a, rows, n, packed, acc, c, ahead) }
                    }
                    // SAFETY: as above.
                    unsafe { kernel(a, rows, n, packed, accumulate, c, ahead) }
                }

                #[inline(always)]
                #[allow(unused_unsafe)]
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
                    #[$attr]
                    #[allow(clippy::too_many_arguments)]
                    fn kernel(
                        rows: usize,
                        d: &[f32],
                        ldd: usize,
                        m: usize,
                        h: &[f32],
                        ldh: usize,
                        n: usize,
                        acc: bool,
                        c: &mut [f32],
                    ) {
                        // SAFETY: see the macro.
                        unsafe { at_b::<$v, $mr, $nv>(rows, d, ldd, m, h, ldh, n, acc, c) }
                    }
                    // SAFETY: as above.
                    unsafe { kernel(rows, d, ldd, m, h, ldh, n, accumulate, c) }
                }
            }
        };
    }

    #[cfg(target_arch = "x86_64")]
    pub(super) mod x86 {
        use super::*;
        use core::arch::x86_64::*;

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

        #[derive(Clone, Copy)]
        struct Ymm(__m256);

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

        /// The AVX2 tier: 8 lanes, 3 × 3-vector tiles (9 accumulators of 16 registers).
        /// Exists only on a CPU with AVX2 and FMA.
        #[derive(Clone, Copy, Debug)]
        pub(crate) struct Avx2(());

        impl Avx2 {
            /// The token, if this CPU has the features.
            pub(crate) fn detect() -> Option<Self> {
                (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
                    .then_some(Avx2(()))
            }
        }

        tier_kernels!(Avx2, Ymm, 3, 3, #[target_feature(enable = "avx2,fma")]);
    }

    /// WebAssembly SIMD (simd128, which every build for the browser enables): 4 lanes,
    /// 3 × 3-vector tiles (16 registers, as V8 gives x86-64 code). Without relaxed SIMD there
    /// is no fused multiply-add: `fma` multiplies and adds, rounding twice, the same on
    /// every host.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub(super) mod wasm {
        use super::*;
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_ab(
        a: &[f32],
        w: &[f32],
        rows: usize,
        n: usize,
        transpose: bool,
        c0: &[f32],
    ) -> Vec<f64> {
        let mut out = vec![0.0f64; rows * n];
        for i in 0..rows {
            for j in 0..n {
                let mut s = c0[i * n + j] as f64;
                for p in 0..n {
                    let b = if transpose {
                        w[j * n + p]
                    } else {
                        w[p * n + j]
                    };
                    s += a[i * n + p] as f64 * b as f64;
                }
                out[i * n + j] = s;
            }
        }
        out
    }

    fn data(len: usize, f: f32) -> Vec<f32> {
        (0..len).map(|i| ((i as f32 + 0.5) * f).sin()).collect()
    }

    fn check_ab<T: Tier>(tier: T) {
        for n in [
            1usize, 2, 4, 5, 7, 8, 16, 17, 20, 24, 33, 100, 113, 130, 260, 400,
        ] {
            for rows in [1usize, 2, 3, 4, 5, 7, 24] {
                let a = data(rows * n, 0.37);
                let w = data(n * n, 0.11);
                let c0 = data(rows * n, 0.23);
                for transpose in [false, true] {
                    let mut packed = Vec::new();
                    tier.pack(&mut packed, &w, n, transpose);
                    for accumulate in [false, true] {
                        let mut c = c0.clone();
                        tier.a_b(&a, rows, n, &packed, &w, transpose, accumulate, &mut c, &w);
                        let zero = vec![0.0; rows * n];
                        let want = naive_ab(
                            &a,
                            &w,
                            rows,
                            n,
                            transpose,
                            if accumulate { &c0 } else { &zero },
                        );
                        for (g, w) in c.iter().zip(&want) {
                            assert!(
                                (*g as f64 - w).abs() <= 1e-5 * (1.0 + n as f64),
                                "n {n} rows {rows} t {transpose} acc {accumulate}: {g} vs {w}"
                            );
                        }
                    }
                }
            }
        }
    }

    fn check_atb<T: Tier>(tier: T) {
        for (m, n) in [
            (1usize, 1usize),
            (3, 100),
            (2, 17),
            (100, 100),
            (7, 33),
            (4, 130),
            (5, 8),
            (6, 260),
            (16, 17),
            (33, 20),
            (70, 130),
            (100, 260),
        ] {
            for rows in [1usize, 2, 31, 32, 33, 70] {
                let (ldd, ldh) = (m + 2, n + 1);
                let d = data((rows - 1) * ldd + m, 0.29);
                let h = data((rows - 1) * ldh + n, 0.17);
                let c0 = data(m * n, 0.41);
                for accumulate in [false, true] {
                    let mut c = c0.clone();
                    tier.at_b(rows, &d, ldd, m, &h, ldh, n, accumulate, &mut c);
                    for i in 0..m {
                        for j in 0..n {
                            let mut s = if accumulate {
                                c0[i * n + j] as f64
                            } else {
                                0.0
                            };
                            for r in 0..rows {
                                s += d[r * ldd + i] as f64 * h[r * ldh + j] as f64;
                            }
                            let g = c[i * n + j] as f64;
                            assert!(
                                (g - s).abs() <= 1e-5 * (1.0 + rows as f64),
                                "m {m} n {n} rows {rows}: {g} vs {s}"
                            );
                        }
                    }
                }
            }
        }
    }

    fn check_readout<T: Tier>(tier: T) {
        for n in [1usize, 3, 8, 16, 17, 100, 130] {
            let rows = 5;
            let h = data(rows * n, 0.31);
            let w = data(3 * n, 0.07);
            let b = [0.1f32, -0.2, 0.3];
            let mut z = vec![0.0f32; rows * 3];
            tier.readout::<3>(&mut z, &h, n, &w, &b);
            for r in 0..rows {
                for o in 0..3 {
                    let want: f64 = b[o] as f64
                        + (0..n)
                            .map(|i| h[r * n + i] as f64 * w[o * n + i] as f64)
                            .sum::<f64>();
                    assert!(
                        (z[r * 3 + o] as f64 - want).abs() < 1e-5 * (1.0 + n as f64),
                        "n {n}"
                    );
                }
            }
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn simd128_kernels_match_naive() {
        check_ab(Simd128);
        check_atb(Simd128);
        check_readout(Simd128);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn portable_kernels_match_naive() {
        check_ab(Portable);
        check_atb(Portable);
        check_readout(Portable);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x86_kernels_match_naive() {
        if let Some(t) = Avx2::detect() {
            check_ab(t);
            check_atb(t);
            check_readout(t);
        }
        if let Some(t) = Avx512::detect() {
            check_ab(t);
            check_atb(t);
            check_readout(t);
        }
    }
}
