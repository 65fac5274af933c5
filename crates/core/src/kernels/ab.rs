//! `C (+)= A B` against a packed matrix (the recurrent products of the forward pass and of
//! BPTT), and the readout `Z = H W_outᵀ + b_out`, written once over [`Vector`].

use super::vector::*;

/// `MR × NV` tile of `C (+)= A B`: `A` rows at `a` (stride `lda`, `k` columns), `B` the
/// packed panel at `b` (`k` rows of `NV` vectors), `C` at `c` (stride `ldc`, `cols`
/// valid columns, `cols > (NV - 1) L`).
///
/// # Safety
/// The CPU has `V`'s features; the pointers cover the ranges above.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn ab_tile<V: Vector, const MR: usize, const NV: usize>(
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
pub(super) unsafe fn ab_tile_thin<V: Vector, const MR: usize, const NVF: usize>(
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

/// `c (+)= a B` (see [`super::Tier::a_b`]) with tiles of at most `MR` rows and panels of `NV`
/// vectors, `NV <= 7`, `MR <= 3`.
///
/// # Safety
/// The CPU has `V`'s features.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn a_b<V: Vector, const MR: usize, const NV: usize>(
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
/// Bytes of a panel's run of rows in [`a_b`].
pub(super) const A_B_RUN_BYTES: usize = 48 * 1024;

/// `z[r] = b + W h[r]` (see [`super::Tier::readout`]).
///
/// # Safety
/// The CPU has `V`'s features.
#[inline(always)]
pub(super) unsafe fn readout<V: Vector, const K: usize>(
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
